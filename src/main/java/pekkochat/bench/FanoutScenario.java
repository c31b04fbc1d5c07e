package pekkochat.bench;

import static pekkochat.bench.LoadReport.ms;
import static pekkochat.bench.LoadReport.pct;
import static pekkochat.bench.LoadReport.secs;
import static pekkochat.bench.LoadReport.trim;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code bench fanout}: chat lines to a full room. {@code --users} connections join one room and
 * {@code --senders} of them send lines at a fixed total rate; every line goes to the other users.
 * Reports how much of it arrived, how fast, and how late (from each line's intended send time;
 * see {@link FanoutLoad}). With {@code --ramp} it searches for the highest rate the server holds.
 * With {@code --server ceiling} it measures {@link CeilingServer} instead, the bare relay that
 * shows what this machine and this load generator can do.
 */
@Command(
    name = "fanout",
    mixinStandardHelpOptions = true,
    version = "pekko-chat bench",
    sortOptions = false,
    description = {
        "Fan-out of chat lines: N users in one room, S of them sending lines at a fixed total rate, each "
            + "line relayed to the N-1 others. Each line carries its intended send time; latency is measured "
            + "from it (no coordinated omission) and recorded in an HdrHistogram.",
        "Reports offered lines/s and deliveries/s, achieved deliveries/s, delivered/expected, latency "
            + "p50/p99/p99.9/max, CPU of the server and of the bench, and the started server's peak RSS.",
        "--ramp: the highest rate with p99 <= --max-p99 and every expected delivery made (100%%), "
            + "growing by --ramp-factor per step from --rate, then bisecting.",
        "The project's server is started with flood control and the per-address connection limit raised "
            + "(every bench user connects from 127.0.0.1, and each sender offers more than 5 lines/s); "
            + "--server ceiling measures the bare reference relay (CeilingServer) instead."})
final class FanoutScenario implements Callable<Integer> {

  static final String SCENARIO = "fanout";
  /** What the project's server is started with: its guards would otherwise measure themselves. */
  static final String SERVER_SETTINGS = "-Dpekko-chat.server.flood.burst=1000000"
      + " -Dpekko-chat.server.flood.rate=1000000000"
      + " -Dpekko-chat.server.max-connections-per-address=10000";
  static final String SERVER_SETTINGS_WHY = "flood control off in effect, and no per-address limit below "
      + "max-connections: every bench user connects from 127.0.0.1 and each sender offers more than the "
      + "default 20 then 5 lines/s";

  /** Share of the machine's CPU other processes may use during a measurement before it counts as disturbed. */
  static final double DISTURBED = 0.05;
  private static final Duration REPEAT_PAUSE = Duration.ofSeconds(5);

  @Option(names = "--users", paramLabel = "N", defaultValue = "100",
      description = "Users in the room, each on its own connection (default: ${DEFAULT-VALUE}).")
  int users;

  @Option(names = "--senders", paramLabel = "S", defaultValue = "10",
      description = "How many of the users send lines (default: ${DEFAULT-VALUE}).")
  int senders;

  /** --rate (default 1000 lines/s; with --ramp the first step's) or --deliveries. */
  @ArgGroup(exclusive = true)
  OfferedLoad load = new OfferedLoad();

  @Mixin
  LoadOptions options;

  @Mixin
  ServerChoice server;

  @Option(names = "--ramp",
      description = "Find the highest offered rate that holds p99 <= --max-p99 with every delivery made, "
          + "starting from --rate (default, as for a single run: 1000 lines/s).")
  boolean ramp;

  @Option(names = "--ramp-factor", paramLabel = "F", defaultValue = "1.3",
      description = "--ramp: rate growth per step until a step fails (default: ${DEFAULT-VALUE}).")
  double rampFactor;

  @Option(names = "--ramp-bisections", paramLabel = "N", defaultValue = "4",
      description = "--ramp: steps that bisect between the last rate that held and the first that failed "
          + "(default: ${DEFAULT-VALUE}).")
  int rampBisections;

  @Option(names = "--ramp-max", paramLabel = "LINES", converter = Amount.class, defaultValue = "1m",
      description = "--ramp: stop growing at this many lines/s (default: ${DEFAULT-VALUE}).")
  double rampMax;

  @Option(names = "--ramp-repeats", paramLabel = "N", defaultValue = "2",
      description = "--ramp: how often in a row a failed step is repeated when other processes used more than "
          + "5%% of the CPU during it (default: ${DEFAULT-VALUE}).")
  int rampRepeats;

  @Option(names = "--max-p99", paramLabel = "TIME", converter = Time.class, defaultValue = "50ms",
      description = "--ramp: the p99 latency a step must stay within (default: ${DEFAULT-VALUE}).")
  Duration maxP99;

  @Mixin
  CommonOptions common;

  private final PrintStream out = System.out;
  private final PrintStream err = System.err;

  @Override
  public Integer call() throws InterruptedException {
    List<Results> rows = new ArrayList<>();
    TargetServer.Launch launch = server.launch(SERVER_SETTINGS, SERVER_SETTINGS_WHY, "", "");
    return LoadReport.frame(SCENARIO, check(), launch, common, out, err, (target, build) -> {
      out.println(String.format(Locale.ROOT,
          "fanout: %d users, %d senders, %d-byte lines, %s s measured after %s s warm-up%s, drain up to %s s, "
              + "%d reader thread(s)",
          users, senders, options.lineBytes, secs(duration()), secs(warmup()), ramp ? " per step" : "",
          secs(options.drain), options.readers));
      return ramp ? ramp(target, build, rows) : fixed(target, build, rows);
    }, () -> {
      if (!rows.isEmpty()) {
        out.println();
        Results.printTable(rows, out); // the steps measured before the failure (already in the CSV)
      }
    });
  }

  private String check() {
    if (users < 2) {
      return "--users must be at least 2";
    }
    if (senders < 1 || senders > users) {
      return "--senders must be between 1 and --users";
    }
    String problem = options.problem(ramp, users, 60_000);
    if (problem != null) {
      return problem;
    }
    if (linesPerSecond() <= 0 || (load.lines != null && load.lines > rampMax && ramp)) {
      return "the rate must be positive (and at most --ramp-max with --ramp)";
    }
    if (rampFactor <= 1 || rampBisections < 0) {
      return "--ramp-factor must be above 1 and --ramp-bisections at least 0";
    }
    return null;
  }

  double linesPerSecond() {
    return load.linesPerSecond(users - 1, 1000);
  }

  Duration duration() {
    return options.duration(ramp);
  }

  Duration warmup() {
    return options.warmup(ramp);
  }

  /** One measurement: its outcome, or why it failed. */
  private record Step(int index, String phase, double rate, LoadReport.Attempt attempt) {
    FanoutLoad.Outcome outcome() {
      return attempt.outcome();
    }

    String failure() {
      return attempt.failure();
    }
  }

  private int fixed(TargetServer target, String build, List<Results> rows)
      throws BenchFailure, InterruptedException {
    Step step = step(target, 1, "run", linesPerSecond());
    record(rows, row(target, step, build, null));
    report(rows, List.of(step));
    if (step.outcome() != null && disturbed(step.outcome())) {
      out.println(String.format(Locale.ROOT, "WARNING: other processes used %.2f CPU-s during the measured time; "
          + "these figures are disturbed", step.outcome().otherCpuSeconds()));
    }
    if (step.failure() != null) {
      err.println("bench fanout: FAILED: " + step.failure());
      target.describeFailure(err);
      return 1;
    }
    return 0;
  }

  private int ramp(TargetServer target, String build, List<Results> rows)
      throws BenchFailure, InterruptedException {
    long start = Math.max(1, Math.round(linesPerSecond()));
    Ramp search = new Ramp(start, rampFactor, rampBisections, Math.max(start, Math.round(rampMax)));
    double limitMillis = maxP99.toNanos() / 1e6;
    List<Step> steps = new ArrayList<>();
    out.println(String.format(Locale.ROOT, "ramp: from %d lines/s, x%.2f per step, then %d bisection(s); a step "
        + "holds if p99 <= %s ms and delivered = expected (100%%, within the drain)",
        start, rampFactor, rampBisections, trim(limitMillis)));
    int repeats = 0;
    while (!search.done()) {
      Step step = step(target, steps.size() + 1, search.phase(), search.rate());
      boolean held = step.failure() == null && holds(step.outcome(), limitMillis);
      boolean repeat = !held && step.outcome() != null && disturbed(step.outcome()) && repeats < rampRepeats;
      String verdict = step.failure() != null ? "failed (see below)" : held ? "held"
          : repeat ? "failed, disturbed: repeated" : "failed";
      steps.add(step);
      record(rows, row(target, step, build, verdict));
      out.println(progressLine(step, verdict));
      if (repeat) {
        repeats++;
        out.println(String.format(Locale.ROOT, "  other processes used %.2f CPU-s during step %d; waiting %d s, "
            + "then repeating it", step.outcome().otherCpuSeconds(), step.index(), REPEAT_PAUSE.toSeconds()));
        Thread.sleep(REPEAT_PAUSE.toMillis());
      } else {
        repeats = 0;
        search.record(held);
      }
      Thread.sleep(500); // let the server finish with the last room's connections
      System.gc(); // and free the last room's direct buffers here, not during the next step
    }
    report(rows, steps);
    long best = search.best();
    if (best == 0) {
      long lowest = steps.stream().mapToLong(s -> Math.round(s.rate())).min().orElse(0);
      out.println("ramp maximum: none; no step held, down to " + lowest + " lines/s");
    } else {
      Step at = steps.stream().filter(s -> Math.round(s.rate()) == best && s.outcome() != null
              && holds(s.outcome(), limitMillis)).reduce((a, b) -> b).orElseThrow();
      out.println(String.format(Locale.ROOT,
          "ramp maximum: %d lines/s = %d deliveries/s offered (%d users, %d senders), achieved %.0f deliveries/s, "
              + "p99 %s ms%s",
          best, best * (users - 1), users, senders, at.outcome().achievedDeliveriesPerSecond(),
          ms(at.outcome().percentileMillis(99)),
          search.hitMax() ? " (stopped at --ramp-max; the server may hold more)" : ""));
    }
    return 0;
  }

  /**
   * Whether other processes used more than {@link #DISTURBED} of the machine's CPU during the
   * measured time: the bench and the server need all of it, so such figures are not clean.
   */
  static boolean disturbed(FanoutLoad.Outcome o) {
    double available = Runtime.getRuntime().availableProcessors() * o.seconds();
    return o.otherCpuSeconds() > DISTURBED * available;
  }

  /** Whether a ramp step held: nothing lost or left unsent, and p99 within the limit. */
  static boolean holds(FanoutLoad.Outcome o, double maxP99Millis) {
    return o.expected() > 0 && o.delivered() == o.expected() && o.unsent() == 0
        && o.percentileMillis(99) <= maxP99Millis;
  }

  private Step step(TargetServer target, int index, String phase, double rate)
      throws BenchFailure, InterruptedException {
    FanoutLoad.Params params = new FanoutLoad.Params(target.host(), target.port(), "b" + index + "-", users,
        senders, rate, warmup(), duration(), options.drain, options.lineBytes, options.readers);
    return new Step(index, phase, rate, LoadReport.attempt(params, target, common.stallTimeoutSeconds));
  }

  private String progressLine(Step s, String verdict) {
    if (s.outcome() == null) {
      return String.format(Locale.ROOT, "step %d (%s) %d lines/s: failed: %s", s.index(), s.phase(),
          Math.round(s.rate()), s.failure());
    }
    FanoutLoad.Outcome o = s.outcome();
    return String.format(Locale.ROOT,
        "step %d (%s) %d lines/s = %.0f deliveries/s offered: achieved %.0f/s, delivered %s%%, p99 %s ms, max %s ms: %s",
        s.index(), s.phase(), Math.round(s.rate()), s.rate() * (users - 1), o.achievedDeliveriesPerSecond(),
        pct(o.deliveredFraction()), ms(o.percentileMillis(99)), ms(o.maxMillis()), verdict);
  }

  private void report(List<Results> rows, List<Step> steps) {
    out.println();
    Results.printTable(rows, out);
    for (Step s : steps) {
      if (s.failure() != null) {
        out.println("  step " + s.index() + " failed: " + s.failure());
      } else {
        LoadReport.printUnsent("step " + s.index(), s.outcome(), out);
      }
    }
    out.println(LoadReport.legend("users - 1", duration()));
    out.println("command: " + Bench.commandLine());
    out.println("results: appended to " + common.resultsFile(SCENARIO));
  }

  private void record(List<Results> rows, Results row) {
    LoadReport.record(rows, row, common.resultsFile(SCENARIO), SCENARIO, err);
  }

  /** One row; {@code verdict} is the ramp's, null for a fixed run. */
  private Results row(TargetServer target, Step s, String build, String verdict) {
    FanoutLoad.Outcome o = s.outcome();
    Results r = LoadReport.start(SCENARIO)
        .add("server", "server", target.process() != null ? server.kind.name() : target.describe())
        .add("step", "step", ramp ? s.index() + " " + s.phase() : "1")
        .add("users", "users", users)
        .add("senders", "senders", senders)
        .add("offered lines/s", "offered_lines_per_s", Math.round(s.rate()))
        .add("offered deliv/s", "offered_deliveries_per_s", Math.round(s.rate() * (users - 1)));
    LoadReport.measured(r, o, target);
    if (verdict != null) {
      r.add("verdict", "ramp_verdict", verdict);
    } else {
      r.csv("ramp_verdict", ""); // the same columns for both kinds of run
    }
    LoadReport.details(r, o, s.failure());
    return LoadReport.run(r, duration(), warmup(), options, target,
        !server.ceiling() && target.process() != null ? SERVER_SETTINGS : "", s.attempt().loadBefore(), build);
  }

  /** A count with an optional decimal suffix: 1500, 30k, 3m, 3.5M. */
  static final class Amount implements ITypeConverter<Double> {
    private static final Pattern SYNTAX = Pattern.compile("(\\d+(?:\\.\\d+)?)([kKmM]?)");

    @Override
    public Double convert(String value) {
      Matcher m = SYNTAX.matcher(value.trim());
      if (!m.matches()) {
        throw new TypeConversionException("not a number: '" + value + "' (e.g. 1500, 30k, 3m)");
      }
      double base = Double.parseDouble(m.group(1));
      return switch (m.group(2).toLowerCase(Locale.ROOT)) {
        case "k" -> base * 1e3;
        case "m" -> base * 1e6;
        default -> base;
      };
    }
  }

  /** A duration: 10s, 500ms, 2m, or plain seconds. */
  static final class Time implements ITypeConverter<Duration> {
    private static final Pattern SYNTAX = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m)?");

    @Override
    public Duration convert(String value) {
      Matcher m = SYNTAX.matcher(value.trim());
      if (!m.matches()) {
        throw new TypeConversionException("not a duration: '" + value + "' (e.g. 10s, 500ms, 2m)");
      }
      double amount = Double.parseDouble(m.group(1));
      String unit = m.group(2) == null ? "s" : m.group(2);
      double nanos = switch (unit) {
        case "ms" -> amount * 1e6;
        case "m" -> amount * 60e9;
        default -> amount * 1e9;
      };
      return Duration.ofNanos(Math.round(nanos));
    }
  }
}
