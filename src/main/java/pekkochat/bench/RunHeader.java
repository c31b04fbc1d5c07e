package pekkochat.bench;

import java.io.PrintStream;

/**
 * What every scenario prints first and records in its CSV rows: the machine, the build measured,
 * and the load average before the run (a busy machine makes a run's figures suspect).
 */
record RunHeader(String build, String loadBefore) {

  static RunHeader print(PrintStream out) {
    out.println(Machine.describe());
    RunHeader header = new RunHeader(BuildInfo.describe(Bench.home()), Machine.loadAverage());
    out.println("build: " + header.build() + "; load average before the run: " + header.loadBefore());
    return header;
  }
}
