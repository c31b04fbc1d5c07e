package pekkochat.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bench connections}: N users join one after another (up to {@code --concurrency} JOINs
 * in flight), each on its own connection, and stay. Measures the join rate, the server's resident
 * memory per user, the JOIN-notice traffic (every JOIN is announced to everyone already in, so
 * n(n-1)/2 notices) and how long one chat line takes to reach all the others.
 *
 * <p>The users live in {@code --workers} client processes (child JVMs of the bench, driven over
 * stdin/stdout by {@link WorkerProtocol}) so that none needs more than its 20,000 open files; each
 * serves its users from one thread with non-blocking sockets ({@link UserSwarm}). On loopback the
 * users' sockets are bound to source addresses 127.0.0.2, 127.0.0.3, ... ({@link LoopbackAddresses})
 * so no address runs out of ephemeral ports.
 */
@Command(
    name = "connections",
    mixinStandardHelpOptions = true,
    version = "pekko-chat bench",
    description = {
        "Many users at once: N users JOIN (at most --concurrency JOINs in flight, optionally paced at "
            + "--join-rate per second) and stay connected, reading everything the server sends them.",
        "Reports the join rate (users / seconds from the first connect to the last welcome), the JOIN "
            + "notices received against the expected n(n-1)/2, the server's resident memory per user "
            + "((VmRSS with all joined - VmRSS before) / N, KB = 1000 bytes), and the time one chat line "
            + "takes to reach all N-1 others (max and p99). Exits 1 if the server sends an ERROR, closes "
            + "a user or the notice count is off."})
final class ConnectionsScenario implements Callable<Integer> {

  static final String SCENARIO = "connections";
  private static final Pattern HEAP_USED = Pattern.compile("heap\\s+total (\\d+)K, used (\\d+)K");

  /** How to run the workers. */
  enum WorkerMode {
    /** One worker in this JVM, several as child JVMs. */
    auto,
    /** All workers as threads of this JVM (the open-file limit then covers them all). */
    threads,
    /** All workers as child JVMs. */
    processes
  }

  @Option(names = "--users", paramLabel = "N", defaultValue = "10000",
      description = "Users to connect and join (default: ${DEFAULT-VALUE}).")
  int users;

  @Option(names = "--workers", paramLabel = "K",
      description = "Client processes holding the users (default: ceil(N / " + ConnectionFigures.USERS_PER_WORKER
          + "), so each stays well under the 20,000 open files a process may have).")
  Integer workers;

  @Option(names = "--worker-mode", paramLabel = "MODE", defaultValue = "auto",
      description = "auto: a single worker runs in the bench JVM, several as child JVMs; threads; processes "
          + "(default: ${DEFAULT-VALUE}).")
  WorkerMode workerMode;

  @Option(names = "--worker-heap", paramLabel = "SIZE", defaultValue = "256m",
      description = "-Xmx of each child worker JVM (default: ${DEFAULT-VALUE}).")
  String workerHeap;

  @Option(names = "--concurrency", paramLabel = "C", defaultValue = "200",
      description = "JOINs in flight at most (connected, not yet welcomed), over all workers (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--join-rate", paramLabel = "USERS_PER_S", defaultValue = "0",
      description = "Start at most this many users per second (default: 0 = as fast as --concurrency allows).")
  double joinRate;

  @Option(names = "--users-per-address", paramLabel = "M", defaultValue = "1000",
      description = "On loopback, bind M users to each source address 127.0.0.2, 127.0.0.3, ... "
          + "(0: let the kernel choose; default: ${DEFAULT-VALUE}).")
  int usersPerAddress;

  @Option(names = "--settle", paramLabel = "SECONDS", defaultValue = "2",
      description = "Wait this long before sampling the server's memory, before and after joining (default: ${DEFAULT-VALUE}).")
  double settleSeconds;

  @Option(names = "--gc", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "After the memory sample with all joined, run 'jcmd <pid> GC.run' and sample again "
          + "(reported separately; default: on).")
  boolean gc;

  @Option(names = "--hold", paramLabel = "SECONDS", defaultValue = "0",
      description = "Keep everyone connected this long after the broadcast, e.g. to take 'jcmd <pid> "
          + "GC.class_histogram' or 'VM.native_memory summary' of the server (default: ${DEFAULT-VALUE}).")
  double holdSeconds;

  @Mixin
  ServerChoice server;

  /**
   * The ceiling keeps a direct input buffer per connection, room for a frame of {@link
   * CeilingServer#MAX_FRAME} and one more read (about 128 KiB); the JVM's default direct-memory
   * limit (the heap size, 256 MiB) would hold about 2,000 of them.
   */
  static final String CEILING_SETTINGS = "-XX:MaxDirectMemorySize=8g";

  @Mixin
  CommonOptions common;

  private final PrintStream out = System.out;
  private final PrintStream err = System.err;

  /** What one run is asked to do. */
  record Plan(int users, int workers, WorkerMode mode, String workerHeap, int concurrency, double joinRate,
      int usersPerAddress, double settleSeconds, boolean gc, double holdSeconds) {

    List<WorkerProtocol.Spec> specs(String host, int port) {
      List<WorkerProtocol.Spec> specs = new ArrayList<>();
      for (int i = 0; i < workers; i++) {
        int n = ConnectionFigures.share(users, workers, i);
        specs.add(new WorkerProtocol.Spec(i, host, port, ConnectionFigures.firstUser(users, workers, i), n,
            Math.max(1, ConnectionFigures.share(concurrency, workers, i)),
            joinRate <= 0 ? 0 : joinRate * n / users, usersPerAddress));
      }
      return specs;
    }

    boolean inProcess() {
      return mode == WorkerMode.threads || (mode == WorkerMode.auto && workers == 1);
    }
  }

  /** Server memory figures in bytes; absent (-1) for an external server. */
  record Memory(long baseline, long allJoined, long afterGc, long heapUsedAfterGc, Rss.Peak peak) {}

  /** What one run measured. */
  record Measurement(int users, double joinSeconds, long[] joinLatencyMicros, long joinNotices,
      long expectedJoinNotices, long leaveNotices, double noticeSeconds, double serverCpuJoin,
      double serverCpuNotices, double benchCpuJoin, long[] broadcastMicros, Memory memory, String serverStop,
      double wallSeconds) {

    double joinsPerSecond() {
      return users / joinSeconds;
    }
  }

  @Override
  public Integer call() throws InterruptedException {
    if (users < 2) {
      err.println("bench connections: --users must be at least 2 (one sends, the others receive)");
      return 2;
    }
    int k = workers != null ? workers : ConnectionFigures.defaultWorkers(users);
    if (k < 1 || k > users) {
      err.println("bench connections: --workers must be between 1 and --users");
      return 2;
    }
    if (concurrency < 1 || joinRate < 0 || usersPerAddress < 0 || settleSeconds < 0 || holdSeconds < 0) {
      err.println("bench connections: --concurrency must be at least 1; --join-rate, --users-per-address, "
          + "--settle and --hold may not be negative");
      return 2;
    }
    if (!workerHeap.matches("\\d+[kKmMgG]?")) {
      err.println("bench connections: --worker-heap must look like 256m, not '" + workerHeap + "'");
      return 2;
    }
    RunHeader header = RunHeader.print(out);
    String build = header.build();
    String load = header.loadBefore();
    try (Cleanup cleanup = new Cleanup()) {
      TargetServer target = null;
      try {
        String host = common.host != null ? common.host : ServerProcess.HOST;
        int perAddress = LoopbackAddresses.isLoopback(host) ? usersPerAddress : 0;
        String limits = ConnectionFigures.serverLimits(users, perAddress);
        boolean external = common.host != null || common.port != null;
        if (!external && !server.ceiling()) {
          out.println("server limits for this run: " + limits.replace("-Dpekko-chat.server.", "")
              + " (defaults: max-connections=" + ConnectionFigures.DEFAULT_MAX_CONNECTIONS
              + ", max-connections-per-address=" + ConnectionFigures.DEFAULT_MAX_CONNECTIONS_PER_ADDRESS
              + ", join-timeout=10s); outbound-queue-size and flood.* stay at their defaults");
        }
        target = TargetServer.open(SCENARIO, common, server.launch(limits, "the connection limits this run needs",
            CEILING_SETTINGS, "its input buffers are direct memory, one per connection"), cleanup, out);
        Plan plan = new Plan(users, k, workerMode, workerHeap, concurrency, joinRate, perAddress, settleSeconds, gc,
            holdSeconds);
        out.println(describe(plan));
        Measurement m = measure(plan, target.host(), target.port(), target.process(), common.stallTimeoutSeconds,
            cleanup, out);
        return report(target, plan, m, build, load);
      } catch (BenchFailure e) {
        err.println("bench connections: FAILED: " + e.getMessage());
        if (target != null) {
          target.describeFailure(err); // before the cleanup stops the server
        }
        return 1;
      }
    }
  }

  static String describe(Plan p) {
    return fmt("clients: %d user(s) in %d worker(s) (%s), at most %d JOIN(s) in flight%s; %s",
        p.users(), p.workers(), p.inProcess() ? "threads of this JVM" : "child JVMs, -Xmx" + p.workerHeap(),
        p.concurrency(), p.joinRate() > 0 ? fmt(", paced at %.0f users/s", p.joinRate()) : "",
        p.usersPerAddress() > 0
            ? fmt("source addresses 127.0.0.2.. (%d), %d users each", new LoopbackAddresses(p.usersPerAddress())
                .addressesFor(p.users()), p.usersPerAddress())
            : "source addresses chosen by the kernel");
  }

  /**
   * Runs the scenario against the server at {@code host:port}; {@code server} is its process
   * (memory and CPU are measured) or null (an external server, or one in this JVM). Everything
   * started is registered with {@code cleanup}.
   */
  static Measurement measure(Plan plan, String host, int port, ServerProcess server, int stallTimeoutSeconds,
      Cleanup cleanup, PrintStream out) throws BenchFailure, InterruptedException {
    long wallStart = System.nanoTime();
    long pid = server != null ? server.pid() : -1;
    Watchdog watchdog = cleanup.add(new Watchdog(stallTimeoutSeconds, server));
    List<WorkerLink> links = new ArrayList<>();
    cleanup.add(() -> links.forEach(WorkerLink::close));
    watchdog.status(() -> fmt("%d of %d welcomed, %d JOIN notices received", sum(links, l -> l.welcomed),
        plan.users(), sum(links, l -> l.joinNotices)));

    // Baseline: the server started and idle, nobody connected.
    long baseline = -1;
    Rss.Sampler sampler = null;
    if (server != null) {
      watchdog.phase("sampling the idle server's memory");
      baseline = settledRss(pid, plan.settleSeconds(), watchdog);
      sampler = cleanup.add(Rss.sample(pid, 50));
      out.println(fmt("server RSS before connecting: %s MiB", ByteSize.mib(baseline)));
    }

    // Workers up.
    watchdog.phase("starting " + plan.workers() + " worker(s)");
    for (WorkerProtocol.Spec spec : plan.specs(host, port)) {
      links.add(plan.inProcess() ? WorkerLink.inProcess(spec, watchdog) : WorkerLink.child(spec, plan.workerHeap(), watchdog));
    }
    await("waiting for the workers to start", () -> links.stream().allMatch(l -> l.ready), watchdog);
    for (WorkerLink l : links) {
      long lag = l.readyReceivedNanos - l.readyNanos;
      if (lag < -1_000_000 || lag > TimeUnit.SECONDS.toNanos(10)) {
        throw new BenchFailure("worker " + l.spec().worker() + "'s System.nanoTime differs from the bench's by "
            + lag + " ns: the processes' clocks cannot be compared on this system (use --worker-mode threads)");
      }
    }

    // Join.
    double cpu0 = cpu(pid);
    double bench0 = benchCpu(links);
    for (WorkerLink l : links) {
      l.send(WorkerProtocol.JOIN);
    }
    awaitReporting("joining", () -> links.stream().allMatch(l -> l.joined), watchdog, out,
        () -> fmt("%d of %d welcomed, %d JOIN notices", sum(links, l -> l.welcomed), plan.users(),
            sum(links, l -> l.joinNotices)));
    double cpuJoined = cpu(pid);
    double benchJoined = benchCpu(links);
    long first = links.stream().mapToLong(l -> l.firstConnect).min().orElseThrow();
    long lastWelcome = links.stream().mapToLong(l -> l.lastWelcome).max().orElseThrow();
    double joinSeconds = (lastWelcome - first) / 1e9;
    long[] latencies = links.stream().flatMapToLong(l -> LongStream.of(l.joinLatencyMicros)).toArray();
    out.println(fmt("joined: %d users in %.3f s (%.0f users/s)", plan.users(), joinSeconds, plan.users() / joinSeconds));

    // The JOIN notices still on their way.
    long expected = ConnectionFigures.expectedJoinNotices(plan.users());
    awaitReporting("receiving the JOIN notices", () -> sum(links, l -> l.joinNotices) >= expected, watchdog, out,
        () -> fmt("%d of %d JOIN notices", sum(links, l -> l.joinNotices), expected));
    double cpuNotices = cpu(pid);
    long lastNotice = links.stream().mapToLong(l -> l.lastNotice).max().orElseThrow();
    double noticeSeconds = (Math.max(lastNotice, lastWelcome) - first) / 1e9;
    out.println(fmt("JOIN notices: %d received in %.3f s from the first connect", sum(links, l -> l.joinNotices),
        noticeSeconds));

    // Memory with everyone in.
    long allJoined = -1;
    long afterGc = -1;
    long heapUsed = -1;
    Rss.Peak peak = null;
    if (server != null) {
      watchdog.phase("sampling the server's memory");
      allJoined = settledRss(pid, plan.settleSeconds(), watchdog);
      out.println(fmt("server RSS with %d users: %s MiB; %.1f KB per user", plan.users(), ByteSize.mib(allJoined),
          ConnectionFigures.perUserKb(baseline, allJoined, plan.users())));
      if (plan.gc()) {
        watchdog.phase("jcmd GC.run");
        jcmd(pid, "GC.run");
        afterGc = settledRss(pid, 1, watchdog);
        heapUsed = heapUsed(jcmd(pid, "GC.heap_info"));
        out.println(fmt("after jcmd GC.run: server RSS %s MiB (%.1f KB per user), heap used %s MiB",
            ByteSize.mib(afterGc), ConnectionFigures.perUserKb(baseline, afterGc, plan.users()),
            heapUsed >= 0 ? ByteSize.mib(heapUsed) : "?"));
      }
    }

    // One line to everyone.
    for (WorkerLink l : links) {
      l.send(WorkerProtocol.AWAIT_BROADCAST);
    }
    links.get(0).send(WorkerProtocol.BROADCAST);
    await("broadcasting one line to " + (plan.users() - 1) + " users",
        () -> links.get(0).sentNanos != 0 && links.stream().allMatch(l -> l.arrivals != null), watchdog);
    long sent = links.get(0).sentNanos;
    long[] broadcast = links.stream().flatMapToLong(l -> LongStream.of(l.arrivals)).map(t -> (t - sent) / 1000).toArray();
    if (plan.holdSeconds() > 0) {
      out.println(fmt("holding %d users connected for %.0f s (server pid %d)", plan.users(), plan.holdSeconds(), pid));
      long until = System.nanoTime() + (long) (plan.holdSeconds() * 1e9);
      watchdog.phase("holding the users connected");
      while (System.nanoTime() < until) {
        watchdog.throwIfFailed();
        watchdog.progress();
        Thread.sleep(100);
      }
    }
    long leaves = sum(links, l -> l.leaveNotices);
    long notices = sum(links, l -> l.joinNotices);

    // Wind down: the memory sampler, then the server (it closes every connection), then the workers.
    watchdog.phase("closing");
    if (sampler != null) {
      peak = sampler.stop();
    }
    for (WorkerLink l : links) {
      l.send(WorkerProtocol.EXPECT_EOF);
    }
    watchdog.close();
    String serverStop = "external, left running";
    if (server != null) {
      server.close();
      serverStop = server.stopReport();
    }
    links.forEach(WorkerLink::close);
    double wall = (System.nanoTime() - wallStart) / 1e9;
    return new Measurement(plan.users(), joinSeconds, latencies, notices, expected, leaves, noticeSeconds,
        cpuJoined - cpu0, cpuNotices - cpu0, benchJoined - bench0, broadcast,
        new Memory(baseline, allJoined, afterGc, heapUsed, peak), serverStop, wall);
  }

  private interface LongField {
    long of(WorkerLink l);
  }

  private static long sum(List<WorkerLink> links, LongField f) {
    long total = 0;
    for (WorkerLink l : links) {
      total += f.of(l);
    }
    return total;
  }

  private static void await(String phase, BooleanSupplier done, Watchdog watchdog)
      throws BenchFailure, InterruptedException {
    watchdog.phase(phase);
    while (!done.getAsBoolean()) {
      watchdog.throwIfFailed();
      Thread.sleep(5);
    }
    watchdog.throwIfFailed();
  }

  /** {@link #await}, printing {@code status} every 5 s for a long phase. */
  private static void awaitReporting(String phase, BooleanSupplier done, Watchdog watchdog, PrintStream out,
      java.util.function.Supplier<String> status) throws BenchFailure, InterruptedException {
    watchdog.phase(phase);
    long next = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!done.getAsBoolean()) {
      watchdog.throwIfFailed();
      Thread.sleep(5);
      if (System.nanoTime() > next) {
        out.println("  " + phase + ": " + status.get());
        next += TimeUnit.SECONDS.toNanos(5);
      }
    }
    watchdog.throwIfFailed();
  }

  /** Waits {@code settleSeconds}, then samples VmRSS 5 times, 200 ms apart, and returns the median. */
  static long settledRss(long pid, double settleSeconds, Watchdog watchdog) throws BenchFailure, InterruptedException {
    Thread.sleep((long) (settleSeconds * 1000));
    long[] samples = new long[5];
    for (int i = 0; i < samples.length; i++) {
      if (i > 0) {
        Thread.sleep(200);
      }
      OptionalLong v = Rss.read(pid, "VmRSS");
      if (v.isEmpty()) {
        watchdog.throwIfFailed();
        throw new BenchFailure("cannot read VmRSS of the server (pid " + pid + ")");
      }
      samples[i] = v.getAsLong();
      watchdog.progress();
    }
    return ConnectionFigures.median(samples);
  }

  /** Runs {@code jcmd <pid> <command>} and returns its output. */
  static String jcmd(long pid, String command) throws BenchFailure, InterruptedException {
    Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
    try {
      Process p = new ProcessBuilder(Files.isExecutable(jcmd) ? jcmd.toString() : "jcmd", Long.toString(pid), command)
          .redirectErrorStream(true).start();
      p.getOutputStream().close();
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new BenchFailure("jcmd " + pid + " " + command + " failed: " + text.strip());
      }
      return text;
    } catch (IOException e) {
      throw new BenchFailure("cannot run jcmd " + pid + " " + command + ": " + e.getMessage(), e);
    }
  }

  /** The heap in use from {@code jcmd <pid> GC.heap_info} ("garbage-first heap total 262144K, used 30592K"), or -1. */
  static long heapUsed(String heapInfo) {
    Matcher m = HEAP_USED.matcher(heapInfo);
    return m.find() ? Long.parseLong(m.group(2)) * 1024 : -1;
  }

  /** CPU seconds (user + system) a process has used so far; 0 for pid -1 or if unknown. */
  private static double cpu(long pid) {
    if (pid < 0) {
      return 0;
    }
    return ProcessHandle.of(pid).flatMap(h -> h.info().totalCpuDuration()).orElse(Duration.ZERO).toNanos() / 1e9;
  }

  /** CPU seconds of this JVM and of the child workers. */
  private static double benchCpu(List<WorkerLink> links) {
    double total = cpu(ProcessHandle.current().pid());
    for (WorkerLink l : links) {
      total += l.cpu().toNanos() / 1e9;
    }
    return total;
  }

  // --- report -------------------------------------------------------------------------------

  private int report(TargetServer target, Plan plan, Measurement m, String build, String loadBefore) {
    boolean noticesOk = m.joinNotices() == m.expectedJoinNotices() && m.leaveNotices() == 0;
    Results row = row(target, plan, m, noticesOk, build, loadBefore);
    row.print(out);
    Memory mem = m.memory();
    out.println("  join s: from the first connect to the last welcome; joins/s = users / join s; "
        + "join p50/p99 ms: connect to welcome per user. notices: JOIN notices received / expected n(n-1)/2; "
        + "notices s: first connect to the last notice.");
    if (mem.baseline() >= 0) {
      out.println("  RSS: median of 5 VmRSS samples after " + fmt("%.0f", plan.settleSeconds())
          + " s of quiet; KB/user = (RSS all - RSS base) / users, KB = 1000 bytes"
          + (mem.afterGc() >= 0 ? "; after GC: the same after 'jcmd <pid> GC.run'" : "")
          + "; peak: the larger of VmRSS sampled every 50 ms and VmHWM.");
    }
    out.println("  broadcast: one TEXT from " + WorkerProtocol.userName(0) + " to the " + (m.users() - 1)
        + " others, from just before it is written to each arrival (max and p99). server CPU s: user+system during "
        + "the join phase (to the last welcome), and to the last JOIN notice in the CSV.");
    if (m.users() >= 10_000 && mem.baseline() >= 0 && !target.describe().equals("ceiling")) {
      double kb = ConnectionFigures.perUserKb(mem.baseline(), mem.allJoined(), m.users());
      out.println(fmt("targets (10,000 users): <= 30 KB per user: %s (%.1f KB); >= 2,000 joins/s: %s (%.0f/s)",
          kb <= 30 ? "met" : "MISSED", kb, m.joinsPerSecond() >= 2000 ? "met" : "MISSED", m.joinsPerSecond()));
    }
    out.println("command: " + Bench.commandLine());
    out.println("server: " + m.serverStop() + fmt("; run took %.1f s", m.wallSeconds()));
    java.nio.file.Path file = common.resultsFile(SCENARIO);
    try {
      row.appendCsv(file);
      out.println("results: appended to " + file);
    } catch (IOException e) {
      err.println("bench connections: could not append to " + file + ": " + e);
    }
    if (!noticesOk) {
      err.println("bench connections: FAILED: " + m.joinNotices() + " JOIN notices received, expected "
          + m.expectedJoinNotices() + "; " + m.leaveNotices() + " LEAVE notices (expected none)");
      target.describeFailure(err);
      return 1;
    }
    return 0;
  }

  private Results row(TargetServer target, Plan plan, Measurement m, boolean noticesOk, String build,
      String loadBefore) {
    Memory mem = m.memory();
    boolean measured = mem.baseline() >= 0;
    String perUser = measured ? fmt("%.1f", ConnectionFigures.perUserKb(mem.baseline(), mem.allJoined(), m.users())) : "n/a";
    String perUserGc = measured && mem.afterGc() >= 0
        ? fmt("%.1f", ConnectionFigures.perUserKb(mem.baseline(), mem.afterGc(), m.users())) : "n/a";
    return new Results()
        .csv("time", OffsetDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX")))
        .add("scenario", "scenario", SCENARIO)
        .add("users", "users", m.users())
        .add("workers", "workers", plan.workers() + (plan.inProcess() ? "t" : "p"))
        .csv("concurrency", plan.concurrency())
        .csv("join_rate_limit", plan.joinRate() > 0 ? fmt("%.0f", plan.joinRate()) : "none")
        .csv("users_per_address", plan.usersPerAddress())
        .add("join s", "join_seconds", fmt("%.3f", m.joinSeconds()))
        .add("joins/s", "joins_per_second", fmt("%.0f", m.joinsPerSecond()))
        .add("join p50 ms", "join_p50_ms", ms(ConnectionFigures.median(m.joinLatencyMicros())))
        .add("join p99 ms", "join_p99_ms", ms(ConnectionFigures.percentile(m.joinLatencyMicros(), 99)))
        .csv("join_max_ms", ms(LongStream.of(m.joinLatencyMicros()).max().orElse(0)))
        .add("notices", null, m.joinNotices() + "/" + m.expectedJoinNotices() + (noticesOk ? "" : " MISMATCH"))
        .csv("join_notices", m.joinNotices())
        .csv("join_notices_expected", m.expectedJoinNotices())
        .csv("leave_notices", m.leaveNotices())
        .add("notices s", "notices_seconds", fmt("%.3f", m.noticeSeconds()))
        .add("RSS base MiB", "server_rss_baseline_mib", measured ? ByteSize.mib(mem.baseline()) : "n/a")
        .add("RSS all MiB", "server_rss_all_mib", measured ? ByteSize.mib(mem.allJoined()) : "n/a")
        .add("KB/user", "kb_per_user", perUser)
        .add("KB/user after GC", "kb_per_user_after_gc", perUserGc)
        .csv("server_rss_after_gc_mib", measured && mem.afterGc() >= 0 ? ByteSize.mib(mem.afterGc()) : "n/a")
        .csv("server_heap_used_after_gc_mib", mem.heapUsedAfterGc() >= 0 ? ByteSize.mib(mem.heapUsedAfterGc()) : "n/a")
        .add("peak RSS MiB", "server_peak_rss_mib", mem.peak() != null ? ByteSize.mib(mem.peak().peak()) : "n/a")
        .add("bcast max ms", "broadcast_max_ms", ms(LongStream.of(m.broadcastMicros()).max().orElse(0)))
        .add("bcast p99 ms", "broadcast_p99_ms", ms(ConnectionFigures.percentile(m.broadcastMicros(), 99)))
        .csv("broadcast_p50_ms", ms(ConnectionFigures.median(m.broadcastMicros())))
        .add("server CPU s", "server_cpu_join_seconds", measured ? fmt("%.2f", m.serverCpuJoin()) : "n/a")
        .csv("server_cpu_to_last_notice_seconds", measured ? fmt("%.2f", m.serverCpuNotices()) : "n/a")
        .csv("bench_cpu_join_seconds", fmt("%.2f", m.benchCpuJoin()))
        .add("server -Xmx", "server_heap", target.heap())
        .add("server", "server", target.describe())
        .csv("wall_seconds", fmt("%.1f", m.wallSeconds()))
        .csv("loadavg_before", loadBefore)
        .csv("loadavg_after", Machine.loadAverage())
        .csv("build", build)
        .csv("command", Bench.commandLine());
  }

  private static String ms(long micros) {
    return fmt("%.1f", micros / 1000.0);
  }

  private static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
