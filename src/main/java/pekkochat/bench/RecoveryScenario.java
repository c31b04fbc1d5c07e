package pekkochat.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bench recovery}: how long a room with many stored lines takes to come back. The server
 * (scripts/run-server, history on, its own temporary store) is filled through one connection with
 * {@code --lines} lines in {@code #big}, each with an id ({@code /post}), until the last one is
 * acknowledged as stored; it is then stopped and started again on the same store. Timed: from a
 * user's {@code /join #big} to the moment another user in it sees that user's first new line,
 * which needs the room recovered (its snapshot, the events after it, the recent lines read back).
 */
@Command(
    name = "recovery",
    mixinStandardHelpOptions = true,
    version = "pekko-chat bench",
    description = {
        "Recovery of a room's history: fill #big with --lines stored lines, restart the server on the "
            + "same store, and time /join #big to the first new line delivered in it.",
        "Also reports the fill rate (lines/s stored through one connection) and the store's size."})
final class RecoveryScenario implements Callable<Integer> {

  private static final int EVENT = 0x07;
  private static final int STORED = 15;

  @Option(names = "--lines", paramLabel = "N", defaultValue = "1000000", converter = Counts.class,
      description = "Lines to store before the restart; k and m suffixes (default: 1m).")
  long lines;

  @Option(names = "--runs", paramLabel = "N", defaultValue = "3",
      description = "Restarts, each timed (default: ${DEFAULT-VALUE}).")
  int runs;

  @Mixin
  CommonOptions common;

  private final PrintStream out = System.out;

  /** {@code 1m} = 1,000,000; {@code 10k} = 10,000. */
  static final class Counts implements picocli.CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      String v = value.trim().toLowerCase(Locale.ROOT);
      long factor = v.endsWith("m") ? 1_000_000 : v.endsWith("k") ? 1_000 : 1;
      return Long.parseLong(factor == 1 ? v : v.substring(0, v.length() - 1)) * factor;
    }
  }

  @Override
  public Integer call() throws Exception {
    RunHeader.print(out);
    Path spool = Files.createTempDirectory("pekko-chat-bench-recovery-");
    String javaOpts = "-Dpekko-chat.server.flood.burst=100000000 -Dpekko-chat.server.flood.rate=100000000"
        + (common.serverJavaOpts == null ? "" : " " + common.serverJavaOpts);
    Duration startTimeout = Duration.ofSeconds(common.startTimeoutSeconds);
    Path logs = Bench.home().resolve("target/bench");
    try {
      double fillSeconds;
      try (ServerProcess server = ServerProcess.start(Bench.home(), common.serverHeap, spool, javaOpts,
          logs.resolve("server-recovery-fill.log"), startTimeout)) {
        long t0 = System.nanoTime();
        fill(server.port());
        fillSeconds = (System.nanoTime() - t0) / 1e9;
        out.printf(Locale.ROOT, "filled: %,d lines in #big in %.1f s (%,.0f lines/s stored, one connection); store %s%n",
            lines, fillSeconds, lines / fillSeconds, storeSize(spool.resolve("history")));
      }
      for (int run = 1; run <= runs; run++) {
        try (ServerProcess server = ServerProcess.start(Bench.home(), common.serverHeap, spool, javaOpts,
            logs.resolve("server-recovery-" + run + ".log"), startTimeout)) {
          double listening = (server.listeningNanos() - server.launchedNanos()) / 1e9;
          double recovery = firstNewLine(server.port(), run);
          out.printf(Locale.ROOT, "run %d: server listening %.2f s after launch; /join #big to the first new line seen in it: %.3f s%n",
              run, listening, recovery);
        }
      }
      out.println("target: under 1 s to a recovered room's first new line (issue 11)");
      out.println("command: " + Bench.commandLine());
      return 0;
    } finally {
      TargetServer.deleteTree(spool);
    }
  }

  /** Posts the lines with ids through one extended connection, until the last is acknowledged. */
  private void fill(int port) throws IOException, BenchFailure {
    try (ChatPeer filler = ChatPeer.connect(ServerProcess.HOST, port, "bench-filler")) {
      filler.join(new Watchdog(common.stallTimeoutSeconds, null));
      filler.send(ChatPeer.TEXT, "/extended 1");
      filler.send(ChatPeer.TEXT, "/join #big");
      String last = "f-" + lines;
      // At most this many lines unacknowledged: a client that outruns the store is refused lines.
      java.util.concurrent.Semaphore window = new java.util.concurrent.Semaphore(4000);
      Thread writer = new Thread(() -> {
        try {
          ByteArrayOutputStream batch = new ByteArrayOutputStream(1 << 16);
          for (long i = 1; i <= lines; i++) {
            if (!window.tryAcquire()) {
              filler.out().write(batch.toByteArray());
              batch.reset();
              window.acquire();
            }
            byte[] text = ("/post f-" + i + " #big line " + i + " of the recovery bench").getBytes(StandardCharsets.UTF_8);
            batch.write((text.length + 1) >>> 24);
            batch.write((text.length + 1) >>> 16);
            batch.write((text.length + 1) >>> 8);
            batch.write(text.length + 1);
            batch.write(ChatPeer.TEXT);
            batch.write(text);
            if (batch.size() > 60_000 || i == lines) {
              filler.out().write(batch.toByteArray());
              batch.reset();
            }
          }
          filler.out().flush();
        } catch (IOException e) {
          // the reader below times out and says so
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "recovery-fill");
      writer.setDaemon(true);
      writer.start();
      long lastProgress = System.nanoTime();
      long stored = 0;
      while (true) {
        ChatPeer.Header h = filler.readHeader();
        if (h.type() == EVENT) {
          byte[] payload = filler.readBytes((int) h.payloadLength());
          if ((payload[0] & 0xff) == STORED) {
            stored++;
            window.release();
            lastProgress = System.nanoTime();
            if (storedId(payload).equals(last)) {
              return;
            }
          }
        } else if (h.type() == ChatPeer.ERROR) {
          throw new BenchFailure("the server refused a line: " + filler.readText(h));
        } else {
          filler.readBytes((int) h.payloadLength());
        }
        if (System.nanoTime() - lastProgress > Duration.ofSeconds(common.stallTimeoutSeconds).toNanos()) {
          throw new BenchFailure("no line stored for " + common.stallTimeoutSeconds + " s after " + stored);
        }
      }
    }
  }

  /** The {@code to} field of an EVENT payload: the client's id in a STORED event. */
  private static String storedId(byte[] payload) {
    int at = 1 + 8 + 8;
    for (int field = 0; field < 3; field++) { // room, from, then to
      int len = ((payload[at] & 0xff) << 24) | ((payload[at + 1] & 0xff) << 16) | ((payload[at + 2] & 0xff) << 8) | (payload[at + 3] & 0xff);
      if (field == 2) {
        return new String(payload, at + 4, len, StandardCharsets.UTF_8);
      }
      at += 4 + len;
    }
    return "";
  }

  /** Seconds from {@code /join #big} to a witness in it seeing the joiner's first line. */
  private double firstNewLine(int port, int run) throws IOException, BenchFailure {
    try (ChatPeer witness = ChatPeer.connect(ServerProcess.HOST, port, "bench-witness-" + run);
        ChatPeer speaker = ChatPeer.connect(ServerProcess.HOST, port, "bench-speaker-" + run)) {
      Watchdog watchdog = new Watchdog(common.stallTimeoutSeconds, null);
      witness.join(watchdog);
      speaker.join(watchdog);
      long t0 = System.nanoTime();
      witness.send(ChatPeer.TEXT, "/join #big");
      speaker.send(ChatPeer.TEXT, "/join #big");
      String line = "first new line of run " + run;
      speaker.send(ChatPeer.TEXT, line); // a plain line (one with an id waits for the older lines' ids)
      long deadline = System.nanoTime() + Duration.ofSeconds(common.stallTimeoutSeconds).toNanos();
      while (System.nanoTime() < deadline) {
        ChatPeer.Header h = witness.readHeader();
        String text = h.type() == ChatPeer.TEXT || h.type() == ChatPeer.ERROR ? witness.readText(h) : null;
        if (text == null) {
          witness.readBytes((int) h.payloadLength());
        } else if (text.endsWith(line)) {
          return (System.nanoTime() - t0) / 1e9;
        } else if (h.type() == ChatPeer.ERROR) {
          throw new BenchFailure("the server said: " + text);
        }
      }
      throw new BenchFailure("the first new line never arrived");
    }
  }

  private static String storeSize(Path dir) throws IOException {
    long total = 0;
    try (var files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        total += Files.size(p);
      }
    }
    return String.format(Locale.ROOT, "%.1f MiB", total / 1048576.0);
  }
}
