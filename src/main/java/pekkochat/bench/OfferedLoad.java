package pekkochat.bench;

import picocli.CommandLine.Option;

/**
 * {@code --rate LINES | --deliveries D}: the offered load of the scenarios that send chat lines
 * ({@code fanout}, {@code rooms}), as lines per second or as deliveries per second (each line is
 * delivered to the other users of its room). An exclusive picocli group.
 */
final class OfferedLoad {

  @Option(names = "--rate", paramLabel = "LINES", converter = FanoutScenario.Amount.class,
      description = "Offered lines per second, all senders together (k and m suffixes: 30k).")
  Double lines;

  @Option(names = "--deliveries", paramLabel = "D", converter = FanoutScenario.Amount.class,
      description = "Offered deliveries per second instead: lines/s = D / (users of a room - 1) (e.g. 3m).")
  Double deliveries;

  /** Lines per second for rooms whose lines each reach {@code recipients} users; {@code fallback} if neither is given. */
  double linesPerSecond(int recipients, double fallback) {
    if (deliveries != null) {
      return deliveries / recipients;
    }
    return lines != null ? lines : fallback;
  }
}
