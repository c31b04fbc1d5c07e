package pekkochat.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The server a scenario measures: either the project's server, started here as a separate JVM on
 * a free loopback port with a fresh temporary spool directory (its memory sampled), the {@link
 * CeilingServer} started the same way, or a server named by {@code --host/--port} (memory not
 * measured).
 */
final class TargetServer {

  private final String host;
  private final int port;
  private final ServerProcess process;
  private final String heap;
  private final Path spool;
  private final boolean ceiling;

  private TargetServer(String host, int port, ServerProcess process, String heap, Path spool) {
    this(host, port, process, heap, spool, false);
  }

  private TargetServer(String host, int port, ServerProcess process, String heap, Path spool, boolean ceiling) {
    this.ceiling = ceiling;
    this.host = host;
    this.port = port;
    this.process = process;
    this.heap = heap;
    this.spool = spool;
  }

  /**
   * How a scenario wants its server started: which one, and the options it needs (for the
   * project's server, {@code -Dkey=value} settings; printed with the reason).
   *
   * @param ceiling start {@link CeilingServer} instead of the project's server
   * @param settings JVM options for the server, before --server-java-opts (which win)
   * @param why what {@code settings} are for, printed with them
   */
  record Launch(boolean ceiling, String settings, String why) {
    static final Launch DEFAULT = new Launch(false, "", "");
  }

  /** Starts the server (unless --host/--port name one); everything started is registered with {@code cleanup}. */
  static TargetServer open(String scenario, CommonOptions o, Cleanup cleanup, PrintStream out)
      throws BenchFailure, InterruptedException {
    return open(scenario, o, Launch.DEFAULT, cleanup, out);
  }

  /** Starts the server {@code launch} names (unless --host/--port name one), registered with {@code cleanup}. */
  static TargetServer open(String scenario, CommonOptions o, Launch launch, Cleanup cleanup, PrintStream out)
      throws BenchFailure, InterruptedException {
    if (o.host != null || o.port != null) {
      if (o.port == null) {
        throw new BenchFailure("--host needs --port");
      }
      String host = o.host != null ? o.host : ServerProcess.HOST;
      out.println("server: external, " + host + ":" + o.port + " (its memory is not measured"
          + (launch.settings().isBlank() ? "" : "; for comparable figures start it with " + launch.settings()
              + " (" + launch.why() + ")") + ")");
      return new TargetServer(host, o.port, null, null, null);
    }
    if (!o.serverHeap.matches("\\d+[kKmMgG]?")) {
      throw new BenchFailure("--server-heap must look like 256m or 1g, not '" + o.serverHeap + "'");
    }
    Path home = Bench.home();
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
    if (launch.ceiling()) {
      Path log = home.resolve("target/bench/ceiling-" + scenario + "-" + stamp + ".log");
      List<String> command = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx" + o.serverHeap));
      if (!launch.settings().isBlank()) {
        command.addAll(List.of(launch.settings().trim().split("\\s+")));
      }
      if (o.serverJavaOpts != null && !o.serverJavaOpts.isBlank()) {
        command.addAll(List.of(o.serverJavaOpts.trim().split("\\s+")));
      }
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), CeilingServer.class.getName(),
          "--host", ServerProcess.HOST, "--port", "0"));
      ServerProcess p = cleanup.add(ServerProcess.start(home, command, null, log,
          Duration.ofSeconds(o.startTimeoutSeconds)));
      out.println("server: ceiling (" + CeilingServer.class.getSimpleName() + ", one NIO thread), pid "
          + p.pid() + " on " + ServerProcess.HOST + ":" + p.port() + ", -Xmx" + o.serverHeap
          + (launch.settings().isBlank() ? "" : " " + launch.settings())
          + (o.serverJavaOpts == null ? "" : " " + o.serverJavaOpts) + ", log " + relative(log));
      if (!launch.settings().isBlank()) {
        out.println("server settings: " + launch.settings() + " (" + launch.why() + ")");
      }
      return new TargetServer(ServerProcess.HOST, p.port(), p, o.serverHeap, null, true);
    }
    Path spool;
    try {
      spool = Files.createTempDirectory("pekko-chat-bench-spool-");
    } catch (IOException e) {
      throw new BenchFailure("cannot create a temporary spool directory: " + e.getMessage(), e);
    }
    cleanup.add(() -> deleteTree(spool));
    Path log = home.resolve("target/bench/server-" + scenario + "-" + stamp + ".log");
    String extra = (launch.settings() + " " + (o.serverJavaOpts == null ? "" : o.serverJavaOpts)).trim();
    ServerProcess p = cleanup.add(ServerProcess.start(home, o.serverHeap, spool, extra, log,
        Duration.ofSeconds(o.startTimeoutSeconds)));
    out.println("server: pid " + p.pid() + " on " + ServerProcess.HOST + ":" + p.port()
        + ", -Xmx" + o.serverHeap
        + (extra.isEmpty() ? "" : " " + extra)
        + ", spool " + spool + ", log " + relative(log));
    if (!launch.settings().isBlank()) {
      out.println("server settings: " + launch.settings() + " (" + launch.why() + ")");
    }
    return new TargetServer(ServerProcess.HOST, p.port(), p, o.serverHeap, spool);
  }

  String host() {
    return host;
  }

  int port() {
    return port;
  }

  /** The process, or null for an external server. */
  ServerProcess process() {
    return process;
  }

  /** Stops a server started here and prints how it went ({@code server: stopped ...}); nothing for an external one. */
  void stop(PrintStream out) {
    if (process != null) {
      process.close();
      out.println("server: " + process.stopReport());
    }
  }

  /** The -Xmx given to the started server, or "n/a". */
  String heap() {
    return heap != null ? heap : "n/a";
  }

  /** "self" for a started server ("ceiling" for the ceiling server), else host:port. */
  String describe() {
    return ceiling ? "ceiling" : process != null ? "self" : host + ":" + port;
  }

  /** Starts sampling the server's resident memory; null for an external server. */
  Rss.Sampler sampleMemory() {
    return process != null ? Rss.sample(process.pid(), 50) : null;
  }

  /**
   * Waits up to {@code wait} for the spool directory to empty (the server deletes a relayed file
   * once every recipient has it) and describes what is left.
   */
  String spoolAfter(Duration wait) throws InterruptedException {
    if (spool == null) {
      return "n/a";
    }
    long deadline = System.nanoTime() + wait.toNanos();
    List<Path> left;
    do {
      left = list(spool);
      if (left.isEmpty()) {
        return "empty";
      }
      Thread.sleep(50);
    } while (System.nanoTime() < deadline);
    long bytes = left.stream().mapToLong(TargetServer::sizeOf).sum();
    return left.size() + " file(s), " + ByteSize.human(bytes) + " left after " + wait.toSeconds() + " s";
  }

  /** For a failure report: the server's log and last lines, or nothing for an external server. */
  void describeFailure(PrintStream err) {
    if (process != null) {
      String state = process.isAlive() ? "still running" : "exited with code " + process.exitCode();
      err.println(process.withTail("server (pid " + process.pid() + ") " + state));
    }
  }

  private static List<Path> list(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.collect(Collectors.toList());
    } catch (IOException e) {
      return List.of();
    }
  }

  private static long sizeOf(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return 0;
    }
  }

  /** {@code p} relative to the working directory when it is under it. */
  private static String relative(Path p) {
    Path cwd = Path.of("").toAbsolutePath();
    return p.startsWith(cwd) ? cwd.relativize(p).toString() : p.toString();
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
        Files.deleteIfExists(p);
      }
    }
  }
}
