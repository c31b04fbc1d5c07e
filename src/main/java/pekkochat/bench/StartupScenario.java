package pekkochat.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bench startup}: how long {@code scripts/run-server} on a built tree takes until a user
 * is welcomed. Each run starts the server on a free port the tool picked, connects to that port
 * every 5 ms until it is accepted, JOINs and waits for the welcome; it also notes when the server's
 * {@code listening on} line was read. Then the server is stopped and the next run begins.
 */
@Command(
    name = "startup",
    mixinStandardHelpOptions = true,
    version = "pekko-chat bench",
    description = {
        "Server start-up: the time from launching scripts/run-server (on a built tree) to its "
            + "'listening on' log line, and to the welcome of a user's JOIN (connect attempts every 5 ms).",
        "Repeats --runs times, a fresh server each time, and reports min, median and max."})
final class StartupScenario implements Callable<Integer> {

  static final String SCENARIO = "startup";
  static final String PROBE = "startup-probe";
  private static final long POLL_MILLIS = 5;

  @Option(names = "--runs", paramLabel = "N", defaultValue = "5",
      description = "Server starts to time (default: ${DEFAULT-VALUE}).")
  int runs;

  @Mixin
  CommonOptions common;

  private final PrintStream out = System.out;
  private final PrintStream err = System.err;

  /** One start: seconds from launch to the 'listening on' line and to the welcome. */
  record Start(double listeningSeconds, double welcomeSeconds, String stop) {}

  @Override
  public Integer call() throws InterruptedException {
    if (runs < 1) {
      err.println("bench startup: --runs must be at least 1");
      return 2;
    }
    if (common.host != null || common.port != null) {
      err.println("bench startup: times the project's own server; --host/--port do not apply");
      return 2;
    }
    if (!common.serverHeap.matches("\\d+[kKmMgG]?")) {
      err.println("bench startup: --server-heap must look like 256m or 1g, not '" + common.serverHeap + "'");
      return 2;
    }
    RunHeader header = RunHeader.print(out);
    String build = header.build();
    String load = header.loadBefore();
    out.println("server: scripts/run-server --host 127.0.0.1 --port <free port>, JAVA_OPTS=-Xmx" + common.serverHeap
        + (common.serverJavaOpts == null ? "" : " " + common.serverJavaOpts) + " (and a fresh spool directory)");
    List<Start> starts = new ArrayList<>();
    for (int run = 1; run <= runs; run++) {
      try (Cleanup cleanup = new Cleanup()) {
        Start s = start(run, cleanup);
        starts.add(s);
        out.println(fmt("run %d/%d: 'listening on' after %.3f s, welcome after %.3f s; server %s", run, runs,
            s.listeningSeconds(), s.welcomeSeconds(), s.stop()));
      } catch (BenchFailure e) {
        err.println("bench startup: FAILED in run " + run + ": " + e.getMessage());
        return 1;
      }
      Thread.sleep(500);
    }
    return report(starts, build, load);
  }

  private Start start(int run, Cleanup cleanup) throws BenchFailure, InterruptedException {
    Path home = Bench.home();
    Path spool;
    try {
      spool = Files.createTempDirectory("pekko-chat-bench-spool-");
    } catch (IOException e) {
      throw new BenchFailure("cannot create a temporary spool directory: " + e.getMessage(), e);
    }
    cleanup.add(() -> TargetServer.deleteTree(spool));
    int port = freePort();
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
    Path log = home.resolve("target/bench/server-" + SCENARIO + "-" + stamp + ".log");
    ServerProcess server = cleanup.add(ServerProcess.launch(home, common.serverHeap, spool, common.serverJavaOpts,
        log, port));
    long launched = server.launchedNanos();
    long deadline = launched + Duration.ofSeconds(common.startTimeoutSeconds).toNanos();
    Watchdog watchdog = cleanup.add(new Watchdog(common.startTimeoutSeconds, server));
    long welcomed;
    try (ChatPeer peer = pollConnect(port, server, deadline, watchdog)) {
      watchdog.phase("waiting for the welcome");
      peer.join(watchdog);
      welcomed = System.nanoTime();
    } catch (IOException e) {
      watchdog.checkServerAfterIoFailure();
      watchdog.throwIfFailed();
      throw new BenchFailure(server.withTail("the probe user could not join: " + e.getMessage()), e);
    }
    server.awaitListening(Duration.ofSeconds(10));
    watchdog.close();
    server.close();
    return new Start((server.listeningNanos() - launched) / 1e9, (welcomed - launched) / 1e9, server.stopReport());
  }

  /** Connects to 127.0.0.1:port, retrying every 5 ms while the connection is refused. */
  private static ChatPeer pollConnect(int port, ServerProcess server, long deadline, Watchdog watchdog)
      throws BenchFailure, InterruptedException, IOException {
    watchdog.phase("connecting");
    while (true) {
      try {
        return ChatPeer.connect(ServerProcess.HOST, port, PROBE);
      } catch (IOException e) {
        if (!(e.getCause() instanceof ConnectException)) {
          throw e;
        }
      }
      watchdog.throwIfFailed();
      if (!server.isAlive()) {
        throw new BenchFailure(server.withTail("the server exited (exit code " + server.exitCode() + ") before accepting"));
      }
      if (System.nanoTime() > deadline) {
        throw new BenchFailure(server.withTail("the server did not accept a connection on port " + port + " in time"));
      }
      watchdog.progress();
      Thread.sleep(POLL_MILLIS);
    }
  }

  /** A port free on 127.0.0.1 a moment ago (the kernel's choice for an ephemeral bind). */
  static int freePort() throws BenchFailure {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(ServerProcess.HOST, 0));
      return s.getLocalPort();
    } catch (IOException e) {
      throw new BenchFailure("cannot find a free port: " + e.getMessage(), e);
    }
  }

  private int report(List<Start> starts, String build, String load) {
    long[] listening = starts.stream().mapToLong(s -> Math.round(s.listeningSeconds() * 1e6)).toArray();
    long[] welcome = starts.stream().mapToLong(s -> Math.round(s.welcomeSeconds() * 1e6)).toArray();
    double maxWelcome = max(welcome) / 1e6;
    Results row = new Results()
        .csv("time", OffsetDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX")))
        .add("scenario", "scenario", SCENARIO)
        .add("runs", "runs", starts.size())
        .add("listening min s", "listening_min_s", s(min(listening)))
        .add("listening median s", "listening_median_s", s(ConnectionFigures.median(listening)))
        .add("listening max s", "listening_max_s", s(max(listening)))
        .add("welcome min s", "welcome_min_s", s(min(welcome)))
        .add("welcome median s", "welcome_median_s", s(ConnectionFigures.median(welcome)))
        .add("welcome max s", "welcome_max_s", s(max(welcome)))
        .add("server -Xmx", "server_heap", common.serverHeap)
        .csv("listening_each_s", join(listening))
        .csv("welcome_each_s", join(welcome))
        .csv("loadavg_before", load)
        .csv("build", build)
        .csv("command", Bench.commandLine());
    row.print(out);
    out.println("  seconds from just before scripts/run-server is launched to the server's 'listening on' line "
        + "(as read from its output), and to the welcome of the first user's JOIN (connect attempts every "
        + POLL_MILLIS + " ms). median: the lower middle value for an even count.");
    out.println(fmt("target: first user accepted within 2 s of scripts/run-server: %s (slowest of %d: %.3f s)",
        maxWelcome <= 2.0 ? "met" : "MISSED", starts.size(), maxWelcome));
    out.println("command: " + Bench.commandLine());
    Path file = common.resultsFile(SCENARIO);
    try {
      row.appendCsv(file);
      out.println("results: appended to " + file);
    } catch (IOException e) {
      err.println("bench startup: could not append to " + file + ": " + e);
    }
    return 0;
  }

  private static long min(long[] v) {
    long m = Long.MAX_VALUE;
    for (long x : v) {
      m = Math.min(m, x);
    }
    return m;
  }

  private static long max(long[] v) {
    long m = Long.MIN_VALUE;
    for (long x : v) {
      m = Math.max(m, x);
    }
    return m;
  }

  private static String s(long micros) {
    return fmt("%.3f", micros / 1e6);
  }

  private static String join(long[] micros) {
    StringBuilder b = new StringBuilder();
    for (long m : micros) {
      b.append(b.length() == 0 ? "" : " ").append(s(m));
    }
    return b.toString();
  }

  private static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
