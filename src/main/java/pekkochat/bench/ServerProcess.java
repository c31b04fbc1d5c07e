package pekkochat.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A server started as a separate JVM on a free loopback port: the project's own through {@code
 * scripts/run-server}, or {@link CeilingServer}. Its stdout and stderr (merged) are copied to a log
 * file that is kept, and the last lines are remembered for failure reports. {@link #close()} stops it with SIGTERM, and forcibly
 * after 15 s.
 */
final class ServerProcess implements AutoCloseable {

  static final String HOST = "127.0.0.1";
  private static final Pattern LISTENING = Pattern.compile("listening on \\S*:(\\d+)");
  private static final Duration STOP_GRACE = Duration.ofSeconds(15);
  private static final int TAIL_LINES = 200;

  private final Process process;
  private final Path log;
  private final Thread pump;
  private final Deque<String> tail = new ArrayDeque<>();
  private final CompletableFuture<Integer> port = new CompletableFuture<>();
  private final long launchedNanos;
  private volatile long listeningNanos;
  private volatile String stopReport;

  private ServerProcess(Process process, Path log, Writer logWriter, long launchedNanos) {
    this.process = process;
    this.launchedNanos = launchedNanos;
    this.log = log;
    this.pump = new Thread(() -> pump(logWriter), "bench-server-output");
    this.pump.setDaemon(true);
  }

  /**
   * Starts {@code HOME/scripts/run-server --host 127.0.0.1 --port 0} with
   * {@code JAVA_OPTS="-Xmx<heap> -Dpekko-chat.server.spool-directory=<spool> <extra>"} and waits for
   * its {@code listening on} line.
   */
  static ServerProcess start(Path home, String heap, Path spool, String extraJavaOpts, Path log,
      Duration startTimeout) throws BenchFailure, InterruptedException {
    ServerProcess server = launch(home, heap, spool, extraJavaOpts, log, 0);
    server.awaitListening(startTimeout);
    return server;
  }

  /**
   * Starts {@code HOME/scripts/run-server --host 127.0.0.1 --port <port>} as {@link #start} does,
   * without waiting for it to listen.
   */
  static ServerProcess launch(Path home, String heap, Path spool, String extraJavaOpts, Path log, int port)
      throws BenchFailure {
    Path script = home.resolve("scripts/run-server");
    if (!Files.isExecutable(script)) {
      throw new BenchFailure("cannot start the server: " + script + " is missing or not executable");
    }
    // The bench opens thousands of connections from a few loopback addresses in a burst: the
    // per-address rate of new connections (a guard against join/leave churn) would refuse them.
    // A fresh history store too, inside the spool directory the scenario deletes afterwards.
    String javaOpts = "-Xmx" + heap + " -Dpekko-chat.server.spool-directory=" + spool
        + " -Dpekko-chat.history.data-directory=" + spool.resolve("history")
        + " -Dpekko-chat.server.new-connections-per-address.burst=1000000"
        + (extraJavaOpts == null || extraJavaOpts.isBlank() ? "" : " " + extraJavaOpts.trim());
    return launch(home, List.of(script.toString(), "--host", HOST, "--port", Integer.toString(port)), javaOpts, log);
  }

  /**
   * Starts {@code command} in {@code home} (with {@code JAVA_OPTS=javaOpts} in its environment
   * unless null) and waits for its {@code listening on HOST:PORT} line.
   */
  static ServerProcess start(Path home, List<String> command, String javaOpts, Path log,
      Duration startTimeout) throws BenchFailure, InterruptedException {
    ServerProcess server = launch(home, command, javaOpts, log);
    server.awaitListening(startTimeout);
    return server;
  }

  /** Starts {@code command} as {@link #start(Path, List, String, Path, Duration)} does, without waiting. */
  static ServerProcess launch(Path home, List<String> command, String javaOpts, Path log) throws BenchFailure {
    ProcessBuilder pb = new ProcessBuilder(command)
        .directory(home.toFile())
        .redirectErrorStream(true);
    if (javaOpts != null) {
      pb.environment().put("JAVA_OPTS", javaOpts);
    }
    ServerProcess server;
    try {
      Files.createDirectories(log.getParent());
      Writer logWriter = Files.newBufferedWriter(log, StandardCharsets.UTF_8);
      logWriter.write("# " + String.join(" ", pb.command()) + "\n"
          + (javaOpts != null ? "# JAVA_OPTS=" + javaOpts + "\n" : ""));
      logWriter.flush();
      long launched = System.nanoTime();
      server = new ServerProcess(pb.start(), log, logWriter, launched);
    } catch (IOException e) {
      throw new BenchFailure("cannot start the server (" + command.get(0) + "): " + e.getMessage(), e);
    }
    try {
      server.process.getOutputStream().close(); // the server reads nothing from stdin
    } catch (IOException e) {
      // already closed
    }
    server.pump.start();
    return server;
  }

  /** Waits for the {@code listening on} line; on failure stops the process and says why. */
  void awaitListening(Duration startTimeout) throws BenchFailure, InterruptedException {
    try {
      port.get(startTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      close();
      throw new BenchFailure(withTail("the server printed no 'listening on' line within "
          + startTimeout.toSeconds() + " s"));
    } catch (ExecutionException e) {
      close();
      throw new BenchFailure(withTail(e.getCause().getMessage()));
    }
  }

  /** {@link System#nanoTime()} just before the process was started. */
  long launchedNanos() {
    return launchedNanos;
  }

  /** {@link System#nanoTime()} when the {@code listening on} line was read, or 0 before. */
  long listeningNanos() {
    return listeningNanos;
  }

  /** {@code message}, then where the server's log is and its last lines. */
  String withTail(String message) {
    StringBuilder b = new StringBuilder(message)
        .append("\nserver log ").append(log).append(", last lines:");
    for (String line : tail(40)) {
      b.append("\n  | ").append(line);
    }
    return b.toString();
  }

  private void pump(Writer logWriter) {
    try (logWriter;
         BufferedReader in = new BufferedReader(
             new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        long readAt = System.nanoTime();
        logWriter.write(line);
        logWriter.write('\n');
        logWriter.flush();
        synchronized (tail) {
          tail.addLast(line);
          if (tail.size() > TAIL_LINES) {
            tail.removeFirst();
          }
        }
        if (!port.isDone()) {
          Matcher m = LISTENING.matcher(line);
          if (m.find()) {
            listeningNanos = readAt;
            port.complete(Integer.parseInt(m.group(1)));
          }
        }
      }
    } catch (IOException e) {
      // the process is gone; what was read is in the log
    }
    if (!port.isDone()) {
      String code = process.isAlive() ? "still running" : "exit code " + exitCodeOrNeg();
      port.completeExceptionally(new IllegalStateException(
          "the server stopped before listening (" + code + ")"));
    }
  }

  private int exitCodeOrNeg() {
    try {
      return process.waitFor(2, TimeUnit.SECONDS) ? process.exitValue() : -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  int port() {
    return port.getNow(-1);
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Waits up to {@code millis} for the process to end; true if it has. */
  boolean awaitExit(long millis) {
    try {
      return process.waitFor(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !process.isAlive();
    }
  }

  /** The exit code if the process has ended. */
  Integer exitCode() {
    return process.isAlive() ? null : process.exitValue();
  }

  Path log() {
    return log;
  }

  /** How the last {@link #close()} went, e.g. "stopped by SIGTERM in 1.2 s, exit code 143". */
  String stopReport() {
    return stopReport;
  }

  /** The last {@code n} lines the server printed. */
  List<String> tail(int n) {
    synchronized (tail) {
      List<String> all = new ArrayList<>(tail);
      return all.subList(Math.max(0, all.size() - n), all.size());
    }
  }

  /** SIGTERM, wait up to 15 s, then SIGKILL. Idempotent. */
  @Override
  public synchronized void close() {
    if (stopReport != null) {
      return;
    }
    if (!process.isAlive()) {
      stopReport = "had already exited, exit code " + process.exitValue();
    } else {
      long start = System.nanoTime();
      process.destroy(); // SIGTERM: run-server execs java, so this is the server JVM itself
      boolean ended;
      try {
        ended = process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        ended = false;
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      if (ended) {
        stopReport = String.format(java.util.Locale.ROOT,
            "stopped by SIGTERM in %.1f s, exit code %d", seconds, process.exitValue());
      } else {
        process.destroyForcibly();
        try {
          process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        stopReport = "did not stop within " + STOP_GRACE.toSeconds() + " s of SIGTERM; killed (SIGKILL)";
      }
    }
    try {
      pump.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
