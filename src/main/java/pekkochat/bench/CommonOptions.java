package pekkochat.bench;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options every scenario takes: which server to measure, how to start it, where results go. */
final class CommonOptions {

  @Option(names = "--host", paramLabel = "HOST",
      description = "Measure the server already running at HOST (with --port) instead of starting one. "
          + "Its memory is not measured then.")
  String host;

  @Option(names = "--port", paramLabel = "PORT",
      description = "Port of an already running server (HOST defaults to 127.0.0.1).")
  Integer port;

  @Option(names = "--server-heap", paramLabel = "SIZE", defaultValue = "256m",
      description = "-Xmx of the server this tool starts (default: ${DEFAULT-VALUE}).")
  String serverHeap;

  @Option(names = "--server-java-opts", paramLabel = "OPTS",
      description = "More JVM options (e.g. -D settings) for the server this tool starts.")
  String serverJavaOpts;

  @Option(names = "--results", paramLabel = "FILE",
      description = "CSV file the result row is appended to (default: target/bench/results-<scenario>.csv).")
  Path results;

  @Option(names = "--stall-timeout", paramLabel = "SECONDS", defaultValue = "60",
      description = "Give up when nothing progresses for this long (default: ${DEFAULT-VALUE}).")
  int stallTimeoutSeconds;

  @Option(names = "--start-timeout", paramLabel = "SECONDS", defaultValue = "180",
      description = "How long the started server may take to listen, a build included (default: ${DEFAULT-VALUE}).")
  int startTimeoutSeconds;

  Path resultsFile(String scenario) {
    return results != null ? results : Bench.home().resolve("target/bench/results-" + scenario + ".csv");
  }
}
