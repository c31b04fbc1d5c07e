package pekkochat.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * What the chat-line scenarios ({@code fanout}, {@code rooms}) share around a {@link FanoutLoad}
 * run: one measurement with its failure kept, the result columns of its outcome, the CSV append,
 * the legend under the table and the number formats.
 */
final class LoadReport {

  private LoadReport() {}

  /** What a scenario measures once its server runs: its exit status. */
  interface Body {
    int run(TargetServer target, String build) throws BenchFailure, InterruptedException;
  }

  /**
   * The frame of a scenario: refuses bad options ({@code problem}, exit status 2), prints the
   * header, starts the server {@code launch} names (or uses --host/--port), runs {@code body} and
   * stops the server. A {@link BenchFailure} out of the body ends it with status 1: {@code
   * onFailure} first prints what was measured, then the reason and the server's last log lines.
   */
  static int frame(String scenario, String problem, TargetServer.Launch launch, CommonOptions common,
      PrintStream out, PrintStream err, Body body, Runnable onFailure) throws InterruptedException {
    if (problem != null) {
      err.println("bench " + scenario + ": " + problem);
      return 2;
    }
    String build = RunHeader.print(out).build();
    try (Cleanup cleanup = new Cleanup()) {
      TargetServer target = null;
      try {
        target = TargetServer.open(scenario, common, launch, cleanup, out);
        return body.run(target, build);
      } catch (BenchFailure e) {
        onFailure.run();
        err.println("bench " + scenario + ": FAILED: " + e.getMessage());
        if (target != null) {
          target.describeFailure(err); // before the cleanup stops the server
        }
        return 1;
      } finally {
        if (target != null) {
          target.stop(out);
        }
      }
    }
  }

  /** One measurement: its outcome, or why it failed; and the load average before it. */
  record Attempt(FanoutLoad.Outcome outcome, String failure, String loadBefore) {}

  /**
   * Runs one measurement. A failure while the server lives is returned (the scenario goes on or
   * reports it); a dead server ends the scenario with the {@link BenchFailure}.
   */
  static Attempt attempt(FanoutLoad.Params params, TargetServer target, int stallTimeoutSeconds)
      throws BenchFailure, InterruptedException {
    String loadBefore = Machine.loadAverage();
    Watchdog watchdog = new Watchdog(stallTimeoutSeconds, target.process());
    try {
      return new Attempt(FanoutLoad.run(params, watchdog, target.process()), null, loadBefore);
    } catch (BenchFailure e) {
      ServerProcess p = target.process();
      if (p != null && !p.isAlive()) {
        throw e; // nothing more to measure
      }
      return new Attempt(null, e.getMessage(), loadBefore);
    } finally {
      watchdog.close();
    }
  }

  /** The time and scenario columns every row starts with (CSV only). */
  static Results start(String scenario) {
    return new Results()
        .csv("time", OffsetDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX")))
        .csv("scenario", scenario);
  }

  /** The measured columns, achieved deliveries to the server's peak RSS (n/a where it failed). */
  static Results measured(Results r, FanoutLoad.Outcome o, TargetServer target) {
    ServerProcess p = target.process();
    String rss = p != null ? Rss.read(p.pid(), "VmHWM").stream().mapToObj(ByteSize::mib).findFirst().orElse("n/a")
        : "n/a";
    String na = "n/a";
    return r
        .add("achieved deliv/s", "achieved_deliveries_per_s", o == null ? na : fmt("%.0f", o.achievedDeliveriesPerSecond()))
        .add("delivered %", "delivered_pct", o == null ? na : pct(o.deliveredFraction()))
        .add("p50 ms", "p50_ms", o == null ? na : ms(o.percentileMillis(50)))
        .add("p99 ms", "p99_ms", o == null ? na : ms(o.percentileMillis(99)))
        .add("p99.9 ms", "p999_ms", o == null ? na : ms(o.percentileMillis(99.9)))
        .add("max ms", "max_ms", o == null ? na : ms(o.maxMillis()))
        .add("server CPU s", "server_cpu_seconds", o == null || Double.isNaN(o.serverCpuSeconds()) ? na
            : fmt("%.2f", o.serverCpuSeconds()))
        .add("bench CPU s", "bench_cpu_seconds", o == null ? na : fmt("%.2f", o.benchCpuSeconds()))
        .add("other CPU s", "other_cpu_seconds", o == null || Double.isNaN(o.otherCpuSeconds()) ? na
            : fmt("%.2f", o.otherCpuSeconds()))
        .add("server peak RSS MiB", "server_peak_rss_mib", rss);
  }

  /** The CSV-only columns after the measured ones: machine CPU, counts, the failure. */
  static Results details(Results r, FanoutLoad.Outcome o, String failure) {
    String na = "n/a";
    Machine.CpuTimes m = o == null ? null : o.machine();
    return r
        .csv("machine_interrupt_cpu_seconds", m == null ? na : fmt("%.2f", m.interruptSeconds()))
        .csv("machine_idle_cpu_seconds", m == null ? na : fmt("%.2f", m.idleSeconds()))
        .csv("machine_steal_cpu_seconds", m == null ? na : fmt("%.2f", m.stealSeconds()))
        .csv("expected", o == null ? na : o.expected())
        .csv("delivered", o == null ? na : o.delivered())
        .csv("lost", o == null ? na : o.expected() - o.delivered())
        .csv("stragglers", o == null ? na : o.stragglers())
        .csv("unsent_lines", o == null ? na : o.unsent())
        .csv("max_send_backlog_bytes", o == null ? na : o.maxBacklogBytes())
        .csv("other_frames", o == null ? na : o.otherFrames())
        .csv("latency_count", o == null ? na : o.latency().getTotalCount())
        .csv("failure", failure == null ? "" : failure.replace('\n', ' '));
  }

  /** The CSV-only columns that describe the run: times, line size, server, load, build, command. */
  static Results run(Results r, Duration duration, Duration warmup, LoadOptions load, TargetServer target,
      String serverSettings, String loadBefore, String build) {
    return r
        .csv("seconds", secs(duration))
        .csv("warmup_seconds", secs(warmup))
        .csv("drain_seconds", secs(load.drain))
        .csv("line_bytes", load.lineBytes)
        .csv("readers", load.readers)
        .csv("server_heap", target.heap())
        .csv("server_settings", serverSettings)
        .csv("loadavg_before", loadBefore)
        .csv("build", build)
        .csv("command", Bench.commandLine());
  }

  /** Adds a row and appends it to the CSV at once, so a run that dies later keeps its earlier rows. */
  static void record(List<Results> rows, Results row, Path file, String scenario, PrintStream err) {
    rows.add(row);
    try {
      row.appendCsv(file);
    } catch (IOException e) {
      err.println("bench " + scenario + ": could not append to " + file + ": " + e);
    }
  }

  /** Lines that were not sent, under the table. */
  static void printUnsent(String what, FanoutLoad.Outcome o, PrintStream out) {
    if (o != null && o.unsent() > 0) {
      out.println("  " + what + ": " + o.unsent() + " line(s) not sent: the bench's buffer for a sender was full "
          + "(the server did not read them)");
    }
  }

  /**
   * What the columns mean, under the table; {@code recipients} says to how many users a line goes
   * ({@code users - 1}, {@code room size - 1}).
   */
  static String legend(String recipients, Duration duration) {
    int cpus = Runtime.getRuntime().availableProcessors();
    return "  offered = the schedule's lines/s, and x (" + recipients + ") deliveries/s; achieved = relays that "
        + "arrived per second of the measured time; delivered = relays of the measured lines that arrived, "
        + "drain included, of lines x (" + recipients + "); latency from each line's intended send time to its "
        + "arrival, in ms; CPU s = user + system CPU of the server JVM, of the bench JVM, and of all other processes "
        + "during the measured time (" + cpus + " CPUs x " + secs(duration) + " s = "
        + trim(cpus * duration.toNanos() / 1e9) + " CPU-s available; the kernel's network processing, softirq, is "
        + "mostly counted in the time of the process it interrupted; other CPU above 5% of what is available marks a "
        + "disturbed measurement).";
  }

  static String ms(double millis) {
    return Double.isNaN(millis) ? "n/a" : fmt("%.3f", millis);
  }

  static String pct(double fraction) {
    return fmt("%.3f", fraction * 100);
  }

  static String secs(Duration d) {
    return trim(d.toNanos() / 1e9);
  }

  static String trim(double v) {
    return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }

  static String fmt(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
