package pekkochat.bench;

import static pekkochat.bench.LoadReport.fmt;
import static pekkochat.bench.LoadReport.pct;
import static pekkochat.bench.LoadReport.secs;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code bench rooms}: many small rooms against one large one at the same offered load. {@code
 * --rooms} rooms of {@code --room-size} users, everyone talking; then, against the same server, one
 * room of {@code --compare-users} users, everyone talking, offered the same deliveries per second.
 * Each user joins, sends {@code /join #<room>} and {@code /part #lobby}; the lines, their schedule
 * and their latency are those of {@code bench fanout} ({@link FanoutLoad} in rooms).
 */
@Command(
    name = "rooms",
    mixinStandardHelpOptions = true,
    version = "pekko-chat bench",
    sortOptions = false,
    description = {
        "Rooms: --rooms rooms of --room-size users each (every user on its own connection: TEXT /join #<room>, "
            + "then /part #lobby), everyone talking at a fixed total rate; each line is relayed to the others of "
            + "its room. Then, against the same server, one room of --compare-users users, everyone talking, at "
            + "the same offered deliveries per second. Lines carry their intended send time, as in fanout.",
        "Reports for each phase offered lines/s and deliveries/s, achieved deliveries/s, delivered/expected, "
            + "latency p50/p99/p99.9/max and CPU, then the ratio of the rooms phase to the one room.",
        "The offered load: --deliveries (default 100k) or --rate, lines/s of the rooms phase; the one room gets "
            + "the same deliveries/s, so fewer, more widely relayed lines. The project's server is started with "
            + "flood control and the connection limits raised; --server ceiling measures the bare reference "
            + "relay (CeilingServer) instead."})
final class RoomsScenario implements Callable<Integer> {

  static final String SCENARIO = "rooms";
  static final double DEFAULT_DELIVERIES = 100_000;
  /** What the project's server is started with: its guards would otherwise measure themselves. */
  static final String SERVER_SETTINGS = "-Dpekko-chat.server.flood.burst=1000000"
      + " -Dpekko-chat.server.flood.rate=1000000000"
      + " -Dpekko-chat.server.max-connections=50000"
      + " -Dpekko-chat.server.max-connections-per-address=50000";
  static final String SERVER_SETTINGS_WHY = "flood control off in effect, and the connection limits above the "
      + "users of both phases: every bench user connects from 127.0.0.1, and a phase's connections may still be "
      + "closing when the next one joins";
  static final String CEILING_WHY = "direct memory for the buffers of every connection (about 128 KiB each)";
  /** Lines longer than this would make the per-connection read buffers of 10,000 users too large. */
  static final int MAX_LINE_BYTES = 8_000;

  @Option(names = "--rooms", paramLabel = "R", defaultValue = "1000",
      description = "Rooms of the first phase (default: ${DEFAULT-VALUE}).")
  int rooms;

  @Option(names = "--room-size", paramLabel = "N", defaultValue = "10",
      description = "Users in each of them, all talking (default: ${DEFAULT-VALUE}).")
  int roomSize;

  @Option(names = "--compare-users", paramLabel = "N", defaultValue = "100",
      description = "Users of the one room measured after them at the same offered deliveries/s, all talking "
          + "(0: none) (default: ${DEFAULT-VALUE}).")
  int compareUsers;

  /** --rate (lines/s of the rooms phase) or --deliveries (default 100k). */
  @ArgGroup(exclusive = true)
  OfferedLoad load = new OfferedLoad();

  @Mixin
  LoadOptions options;

  @Mixin
  ServerChoice server;

  @Mixin
  CommonOptions common;

  private final PrintStream out = System.out;
  private final PrintStream err = System.err;

  /** One phase: the rooms, or the one room to compare with. */
  record Phase(String name, int rooms, int roomSize, double linesPerSecond) {
    int users() {
      return rooms * roomSize;
    }

    double deliveriesPerSecond() {
      return linesPerSecond * (roomSize - 1);
    }
  }

  @Override
  public Integer call() throws InterruptedException {
    TargetServer.Launch launch = server.launch(SERVER_SETTINGS, SERVER_SETTINGS_WHY,
        ConnectionsScenario.CEILING_SETTINGS, CEILING_WHY);
    List<Results> rows = new ArrayList<>();
    List<LoadReport.Attempt> attempts = new ArrayList<>();
    return LoadReport.frame(SCENARIO, check(), launch, common, out, err,
        (target, build) -> measure(target, build, rows, attempts), () -> report(rows, attempts));
  }

  private int measure(TargetServer target, String build, List<Results> rows, List<LoadReport.Attempt> attempts)
      throws BenchFailure, InterruptedException {
    List<Phase> phases = phases();
    out.println(String.format(Locale.ROOT,
        "rooms: %d rooms of %d users, then one room of %d users, everyone talking; %s deliveries/s offered; "
            + "%d-byte lines, %s s measured after %s s warm-up, drain up to %s s, %d reader thread(s)",
        rooms, roomSize, compareUsers, fmt("%.0f", phases.get(0).deliveriesPerSecond()), options.lineBytes,
        secs(options.duration(false)), secs(options.warmup(false)), secs(options.drain), options.readers));
    for (int i = 0; i < phases.size(); i++) {
      Phase phase = phases.get(i);
      if (i > 0) {
        Thread.sleep(500); // let the server finish with the last phase's connections
        System.gc(); // and free the last phase's direct buffers here, not during the next one
      }
      out.println(String.format(Locale.ROOT, "phase %d: %s: %d users, %.0f lines/s = %.0f deliveries/s offered",
          i + 1, phase.name(), phase.users(), phase.linesPerSecond(), phase.deliveriesPerSecond()));
      LoadReport.Attempt attempt = LoadReport.attempt(params(target, i + 1, phase), target,
          common.stallTimeoutSeconds);
      attempts.add(attempt);
      LoadReport.record(rows, row(target, phase, attempt, build), common.resultsFile(SCENARIO), SCENARIO, err);
    }
    report(rows, attempts);
    for (int i = 0; i < attempts.size(); i++) {
      LoadReport.Attempt a = attempts.get(i);
      if (a.outcome() != null && FanoutScenario.disturbed(a.outcome())) {
        out.println(String.format(Locale.ROOT, "WARNING: other processes used %.2f CPU-s during the measured time "
            + "of phase %d (%s); its figures are disturbed", a.outcome().otherCpuSeconds(), i + 1, phases.get(i).name()));
      }
    }
    for (LoadReport.Attempt a : attempts) {
      if (a.failure() != null) {
        err.println("bench rooms: FAILED: " + a.failure());
        target.describeFailure(err);
        return 1;
      }
    }
    return 0;
  }

  String check() {
    if (rooms < 1 || roomSize < 2) {
      return "--rooms must be at least 1 and --room-size at least 2";
    }
    if (compareUsers != 0 && compareUsers < 2) {
      return "--compare-users must be 0 or at least 2";
    }
    if ((long) rooms * roomSize > 15_000 || compareUsers > 15_000) {
      return "at most 15,000 users a phase: the bench holds every connection in one process (20,000 open files)";
    }
    if (phases().get(0).linesPerSecond() <= 0) {
      return "the rate must be positive";
    }
    return options.problem(false, Math.min(rooms * roomSize, compareUsers == 0 ? Integer.MAX_VALUE : compareUsers),
        MAX_LINE_BYTES);
  }

  /** The rooms, then the one room at the same offered deliveries/s (unless --compare-users 0). */
  List<Phase> phases() {
    double lines = load.linesPerSecond(roomSize - 1, DEFAULT_DELIVERIES / (roomSize - 1));
    Phase many = new Phase("rooms", rooms, roomSize, lines);
    if (compareUsers == 0) {
      return List.of(many);
    }
    return List.of(many, new Phase("one room", 1, compareUsers, many.deliveriesPerSecond() / (compareUsers - 1)));
  }

  private FanoutLoad.Params params(TargetServer target, int index, Phase p) {
    return new FanoutLoad.Params(target.host(), target.port(), "m" + index + "-", p.users(), p.users(),
        p.linesPerSecond(), options.warmup(false), options.duration(false), options.drain, options.lineBytes,
        options.readers, p.roomSize());
  }

  private Results row(TargetServer target, Phase p, LoadReport.Attempt a, String build) {
    Results r = LoadReport.start(SCENARIO)
        .add("server", "server", target.process() != null ? server.kind.name() : target.describe())
        .add("phase", "phase", p.name())
        .add("rooms", "rooms", p.rooms())
        .add("room size", "room_size", p.roomSize())
        .add("senders", "senders", p.users())
        .add("offered lines/s", "offered_lines_per_s", Math.round(p.linesPerSecond()))
        .add("offered deliv/s", "offered_deliveries_per_s", Math.round(p.deliveriesPerSecond()));
    LoadReport.measured(r, a.outcome(), target);
    LoadReport.details(r, a.outcome(), a.failure())
        .csv("errors", a.outcome() == null ? "n/a" : a.outcome().errors())
        .csv("first_error", a.outcome() == null || a.outcome().firstError() == null ? ""
            : a.outcome().firstError().replace('\n', ' '));
    return LoadReport.run(r, options.duration(false), options.warmup(false), options, target,
        !server.ceiling() && target.process() != null ? SERVER_SETTINGS : "", a.loadBefore(), build);
  }

  private void report(List<Results> rows, List<LoadReport.Attempt> attempts) {
    if (rows.isEmpty()) {
      return;
    }
    out.println();
    Results.printTable(rows, out);
    List<Phase> phases = phases();
    for (int i = 0; i < attempts.size(); i++) {
      LoadReport.Attempt a = attempts.get(i);
      String what = "phase " + (i + 1) + " (" + phases.get(i).name() + ")";
      if (a.failure() != null) {
        out.println("  " + what + " failed: " + a.failure());
      } else {
        LoadReport.printUnsent(what, a.outcome(), out);
        if (a.outcome().errors() > 0) {
          out.println("  " + what + ": the server sent " + a.outcome().errors() + " ERROR(s) after the welcomes, "
              + "e.g. " + a.outcome().firstError());
        }
      }
    }
    if (attempts.size() == 2 && attempts.get(0).outcome() != null && attempts.get(1).outcome() != null) {
      out.println(ratio(attempts.get(0).outcome(), attempts.get(1).outcome()));
    }
    out.println(LoadReport.legend("room size - 1", options.duration(false)));
    out.println("command: " + Bench.commandLine());
    out.println("results: appended to " + common.resultsFile(SCENARIO));
  }

  /** The rooms phase as a ratio to the one room at the same offered load. */
  static String ratio(FanoutLoad.Outcome rooms, FanoutLoad.Outcome one) {
    return String.format(Locale.ROOT, "rooms / one room, same offered deliveries/s: achieved deliveries/s x%s, "
            + "delivered %s%% vs %s%%, p50 x%s, p99 x%s",
        times(rooms.achievedDeliveriesPerSecond(), one.achievedDeliveriesPerSecond()),
        pct(rooms.deliveredFraction()), pct(one.deliveredFraction()),
        times(rooms.percentileMillis(50), one.percentileMillis(50)),
        times(rooms.percentileMillis(99), one.percentileMillis(99)));
  }

  private static String times(double a, double b) {
    return Double.isNaN(a) || Double.isNaN(b) || b == 0 ? "n/a" : fmt("%.2f", a / b);
  }

}
