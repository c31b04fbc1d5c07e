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
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bench startup}: how long {@code scripts/run-server} and {@code scripts/run-client} take
 * to start on a built tree.
 *
 * <p>The server: each run starts it on a free port the tool picked, connects to that port every
 * 5 ms until it is accepted, JOINs and waits for the welcome; it also notes when the server's
 * {@code listening on} line was read. Then the server is stopped and the next run begins.
 *
 * <p>The client: against one server started for the purpose (already listening), each run
 * launches the real {@code scripts/run-client 127.0.0.1 -p PORT -u NAME} and times it until it is
 * ready ({@link ClientStart}: its {@code Connected to ...} line followed by the server's welcome),
 * types {@code /quit} and waits for it to end. Piped (stdin and stdout are pipes, as for a bot),
 * and in a pseudo-terminal through {@code script(1)} when there is one (the JLine path a person
 * uses). The original's client ({@code python3 run_client.py}, the seed system) is timed the same
 * way as the reference. Rounds take one start of each kind in turn, so that a busy moment of the
 * machine falls on all of them alike.
 */
@Command(
    name = "startup",
    mixinStandardHelpOptions = true,
    version = "pekko-chat bench",
    description = {
        "Start-up: the time from launching scripts/run-server (on a built tree) to its "
            + "'listening on' log line, and to the welcome of a user's JOIN (connect attempts every 5 ms); "
            + "and from launching scripts/run-client (piped, and in a pseudo-terminal) until it shows the "
            + "server's welcome, beside the original's client.",
        "Repeats each --runs / --client-runs times and reports min, median and max."})
final class StartupScenario implements Callable<Integer> {

  static final String SCENARIO = "startup";
  static final String PROBE = "startup-probe";
  private static final long POLL_MILLIS = 5;

  static final String CLIENT_SCENARIO = "startup-client";
  /** The targets of issue 10. */
  static final double SERVER_TARGET_SECONDS = 1.0;
  static final double CLIENT_TARGET_SECONDS = 0.5;

  @Option(names = "--runs", paramLabel = "N", defaultValue = "5",
      description = "Server starts to time; 0: none (default: ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--client-runs", paramLabel = "N", defaultValue = "5",
      description = "Client starts to time of each kind (piped, terminal, original); 0: none (default: ${DEFAULT-VALUE}).")
  int clientRuns;

  @Option(names = "--no-terminal",
      description = "Do not time the client in a pseudo-terminal (script(1)); it is skipped anyway without script.")
  boolean noTerminal;

  @Option(names = "--original", paramLabel = "DIR",
      description = "The original system's folder (run_client.py), timed as the reference; 'none' to skip. "
          + "Default: ../shared/seed-original beside the project, else /work/shared/seed-original.")
  String original;

  @Mixin
  CommonOptions common;

  private final PrintStream out = System.out;
  private final PrintStream err = System.err;

  /** One start: seconds from launch to the 'listening on' line and to the welcome. */
  record Start(double listeningSeconds, double welcomeSeconds, String stop) {}

  /** A kind of client start that is timed. */
  enum ClientKind {
    PIPED("client piped"),
    TERMINAL("client terminal"),
    ORIGINAL("original client");

    final String label;

    ClientKind(String label) {
      this.label = label;
    }
  }

  /** The option mistake, or null when the options can be used. */
  String check() {
    if (runs < 0 || clientRuns < 0) {
      return "--runs and --client-runs cannot be negative";
    }
    if (runs == 0 && clientRuns == 0) {
      return "nothing to time: --runs and --client-runs are both 0";
    }
    if (common.host != null || common.port != null) {
      return "times the project's own server; --host/--port do not apply";
    }
    if (!common.serverHeap.matches("\\d+[kKmMgG]?")) {
      return "--server-heap must look like 256m or 1g, not '" + common.serverHeap + "'";
    }
    if (original != null && !original.equals("none") && !Files.isRegularFile(Path.of(original, "run_client.py"))) {
      return "--original " + original + " holds no run_client.py";
    }
    return null;
  }

  /** The original's folder: --original, else the usual places; empty for none. */
  Optional<Path> originalDir() {
    if (original != null) {
      return original.equals("none") ? Optional.empty() : Optional.of(Path.of(original).toAbsolutePath());
    }
    for (Path dir : List.of(Bench.home().resolve("../shared/seed-original").normalize(), Path.of("/work/shared/seed-original"))) {
      if (Files.isRegularFile(dir.resolve("run_client.py"))) {
        return Optional.of(dir);
      }
    }
    return Optional.empty();
  }

  /** The kinds of client start to time, in the order of each round. */
  List<ClientKind> clientKinds(boolean scriptAvailable, boolean originalFound) {
    List<ClientKind> kinds = new ArrayList<>();
    if (clientRuns == 0) {
      return kinds;
    }
    kinds.add(ClientKind.PIPED);
    if (!noTerminal && scriptAvailable) {
      kinds.add(ClientKind.TERMINAL);
    }
    if (originalFound) {
      kinds.add(ClientKind.ORIGINAL);
    }
    return kinds;
  }

  @Override
  public Integer call() throws InterruptedException {
    String problem = check();
    if (problem != null) {
      err.println("bench startup: " + problem);
      return 2;
    }
    RunHeader header = RunHeader.print(out);
    out.println("load: this machine may be shared; the load average before the run is in the line above.");
    List<Results> rows = new ArrayList<>();
    int status = 0;
    if (runs > 0) {
      status = serverRuns(header, rows);
    }
    if (status == 0 && clientRuns > 0) {
      status = clientRuns(header, rows);
    }
    if (!rows.isEmpty()) {
      out.println();
      Results.printTable(rows, out);
      out.println("command: " + Bench.commandLine());
    }
    return status;
  }

  private int serverRuns(RunHeader header, List<Results> rows) throws InterruptedException {
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
    return report(starts, build, load, rows);
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

  private int clientRuns(RunHeader header, List<Results> rows) throws InterruptedException {
    Path home = Bench.home();
    boolean script = onPath("script");
    Optional<Path> originalDir = originalDir();
    boolean python = originalDir.isPresent() && onPath("python3");
    List<ClientKind> kinds = clientKinds(script, python);
    out.println("client: scripts/run-client 127.0.0.1 -p <port> -u <name>, against one server started for it"
        + " (already listening); ready = its 'Connected to' line, then the server's welcome printed");
    if (kinds.contains(ClientKind.TERMINAL)) {
      out.println("  terminal: the same in a pseudo-terminal: script -qfec 'scripts/run-client ...' /dev/null");
    } else if (!noTerminal) {
      out.println("  terminal: skipped (no script(1) on the PATH)");
    }
    if (kinds.contains(ClientKind.ORIGINAL)) {
      out.println("  original: python3 -u " + originalDir.get().resolve("run_client.py") + " 127.0.0.1 -p <port> -u <name>,"
          + " piped, against the same server: the reference");
    } else {
      out.println("  original: skipped (" + (originalDir.isEmpty() ? "not found; --original DIR" : "no python3") + ")");
    }
    Map<ClientKind, List<ClientStart.Timing>> timings = new java.util.EnumMap<>(ClientKind.class);
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
    Path logs = home.resolve("target/bench/startup-client-" + stamp);
    try (Cleanup cleanup = new Cleanup()) {
      Path spool;
      Path work;
      try {
        spool = Files.createTempDirectory("pekko-chat-bench-spool-");
        work = Files.createTempDirectory("pekko-chat-bench-client-");
      } catch (IOException e) {
        throw new BenchFailure("cannot create a temporary directory: " + e.getMessage(), e);
      }
      cleanup.add(() -> TargetServer.deleteTree(spool));
      cleanup.add(() -> TargetServer.deleteTree(work));
      ServerProcess server = cleanup.add(ServerProcess.start(home, common.serverHeap, spool, common.serverJavaOpts,
          logs.resolve("server.log"), Duration.ofSeconds(common.startTimeoutSeconds)));
      int port = server.port();
      Map<String, String> env = Map.of(
          "PEKKOCHAT_CLIENT_LOG_DIR", logs.resolve("client-logs").toString(),
          "TERM", System.getenv().getOrDefault("TERM", "xterm-256color"));
      Duration timeout = Duration.ofSeconds(common.startTimeoutSeconds);
      for (int run = 1; run <= clientRuns; run++) {
        StringBuilder line = new StringBuilder(fmt("round %d/%d:", run, clientRuns));
        for (ClientKind kind : kinds) {
          String name = "start" + run + kind.name().charAt(0);
          List<String> command = clientCommand(kind, home, originalDir.orElse(null), port, name);
          ClientStart.Timing t;
          try {
            t = ClientStart.time(command, work, env, kind == ClientKind.TERMINAL ? "/quit\r" : "/quit\n", timeout,
                logs.resolve(kind.name().toLowerCase(Locale.ROOT) + "-" + run + ".log"));
          } catch (BenchFailure e) {
            throw new BenchFailure(kind.label + ", run " + run + ": " + e.getMessage(), e);
          }
          timings.computeIfAbsent(kind, k -> new ArrayList<>()).add(t);
          line.append(fmt(" %s %.3f s (connected %.3f s);", kind.label, t.welcomeSeconds(), t.connectedSeconds()));
          Thread.sleep(200);
        }
        out.println(line);
      }
    } catch (BenchFailure e) {
      err.println("bench startup: FAILED timing the client: " + e.getMessage());
      return 1;
    }
    for (ClientKind kind : kinds) {
      List<ClientStart.Timing> ts = timings.get(kind);
      long[] welcome = ts.stream().mapToLong(t -> Math.round(t.welcomeSeconds() * 1e6)).toArray();
      long[] connected = ts.stream().mapToLong(t -> Math.round(t.connectedSeconds() * 1e6)).toArray();
      boolean ours = kind != ClientKind.ORIGINAL;
      rows.add(new Results()
          .add("start", "kind", kind.label)
          .add("runs", "runs", ts.size())
          .add("ready min s", "min_s", s(min(welcome)))
          .add("ready median s", "median_s", s(ConnectionFigures.median(welcome)))
          .add("ready max s", "max_s", s(max(welcome)))
          .add("target", "target", ours ? "<= " + CLIENT_TARGET_SECONDS + " s" : "(reference)"));
      Results row = new Results()
          .csv("time", OffsetDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX")))
          .csv("scenario", CLIENT_SCENARIO)
          .csv("kind", kind.name().toLowerCase(Locale.ROOT))
          .csv("runs", ts.size())
          .csv("ready_min_s", s(min(welcome)))
          .csv("ready_median_s", s(ConnectionFigures.median(welcome)))
          .csv("ready_max_s", s(max(welcome)))
          .csv("connected_median_s", s(ConnectionFigures.median(connected)))
          .csv("ready_each_s", join(welcome))
          .csv("loadavg_before", header.loadBefore())
          .csv("build", header.build())
          .csv("command", Bench.commandLine());
      Path file = common.resultsFile(CLIENT_SCENARIO);
      try {
        row.appendCsv(file);
      } catch (IOException e) {
        err.println("bench startup: could not append to " + file + ": " + e);
      }
      if (ours) {
        double median = ConnectionFigures.median(welcome) / 1e6;
        out.println(fmt("target: %s ready within %.1f s of launch: %s at the median (%.3f s), %s for the slowest of %d (%.3f s)",
            kind.label, CLIENT_TARGET_SECONDS, median <= CLIENT_TARGET_SECONDS ? "met" : "MISSED", median,
            max(welcome) / 1e6 <= CLIENT_TARGET_SECONDS ? "met" : "missed", ts.size(), max(welcome) / 1e6));
      }
    }
    out.println("  ready: seconds from just before the client is launched until its output shows the server's welcome"
        + " after its 'Connected to' line; outputs and the server's log in " + logs);
    out.println("results: appended to " + common.resultsFile(CLIENT_SCENARIO));
    return 0;
  }

  /** The command line of one client start of {@code kind}. */
  static List<String> clientCommand(ClientKind kind, Path home, Path originalDir, int port, String name) {
    List<String> client = List.of(home.resolve("scripts/run-client").toString(), ServerProcess.HOST, "-p",
        Integer.toString(port), "-u", name);
    return switch (kind) {
      case PIPED -> client;
      case TERMINAL -> List.of("script", "-qfec", shellQuoted(client), "/dev/null");
      case ORIGINAL -> List.of("python3", "-u", originalDir.resolve("run_client.py").toString(), ServerProcess.HOST,
          "-p", Integer.toString(port), "-u", name);
    };
  }

  /** {@code words} as one sh command line, each word single-quoted. */
  static String shellQuoted(List<String> words) {
    StringBuilder b = new StringBuilder();
    for (String w : words) {
      b.append(b.length() == 0 ? "" : " ").append('\'').append(w.replace("'", "'\\''")).append('\'');
    }
    return b.toString();
  }

  private static boolean onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
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

  private int report(List<Start> starts, String build, String load, List<Results> rows) {
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
    rows.add(new Results()
        .add("start", "kind", "server")
        .add("runs", "runs", starts.size())
        .add("ready min s", "min_s", s(min(welcome)))
        .add("ready median s", "median_s", s(ConnectionFigures.median(welcome)))
        .add("ready max s", "max_s", s(max(welcome)))
        .add("target", "target", "<= " + SERVER_TARGET_SECONDS + " s (first welcome)"));
    out.println("  seconds from just before scripts/run-server is launched to the server's 'listening on' line "
        + "(as read from its output), and to the welcome of the first user's JOIN (connect attempts every "
        + POLL_MILLIS + " ms). median: the lower middle value for an even count.");
    long medianWelcome = ConnectionFigures.median(welcome);
    out.println(fmt("target: first user welcomed within %.1f s of scripts/run-server: %s at the median (%.3f s), "
        + "%s for the slowest of %d (%.3f s)", SERVER_TARGET_SECONDS,
        medianWelcome / 1e6 <= SERVER_TARGET_SECONDS ? "met" : "MISSED", medianWelcome / 1e6,
        maxWelcome <= SERVER_TARGET_SECONDS ? "met" : "missed", starts.size(), maxWelcome));
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
