package pekkochat.bench;

import java.time.Duration;
import picocli.CommandLine.Option;

/** How long and with which lines the chat-line scenarios ({@code fanout}, {@code rooms}) measure. */
final class LoadOptions {

  @Option(names = "--duration", paramLabel = "TIME", converter = FanoutScenario.Time.class,
      description = "Measured time of a run (or of a step or phase) (default: 10s; fanout --ramp: 4s).")
  Duration duration;

  @Option(names = "--warmup", paramLabel = "TIME", converter = FanoutScenario.Time.class,
      description = "Sending before the measured time, not recorded (default: 3s; fanout --ramp: 1s).")
  Duration warmup;

  @Option(names = "--drain", paramLabel = "TIME", converter = FanoutScenario.Time.class, defaultValue = "5s",
      description = "After the measured time, how long to wait for lines still on their way (default: ${DEFAULT-VALUE}).")
  Duration drain;

  @Option(names = "--line-bytes", paramLabel = "BYTES", defaultValue = "64",
      description = "Bytes of each chat line as sent, at least " + LineFormat.HEADER_BYTES
          + " (default: ${DEFAULT-VALUE}).")
  int lineBytes;

  @Option(names = "--readers", paramLabel = "THREADS", defaultValue = "1",
      description = "Bench threads reading the users' connections (default: ${DEFAULT-VALUE}).")
  int readers;

  Duration duration(boolean ramp) {
    return duration != null ? duration : Duration.ofSeconds(ramp ? 4 : 10);
  }

  Duration warmup(boolean ramp) {
    return warmup != null ? warmup : Duration.ofSeconds(ramp ? 1 : 3);
  }

  /** What is wrong with these options for {@code users} users (at most {@code maxLineBytes} a line), or null. */
  String problem(boolean ramp, int users, int maxLineBytes) {
    if (lineBytes < LineFormat.HEADER_BYTES || lineBytes > maxLineBytes) {
      return "--line-bytes must be between " + LineFormat.HEADER_BYTES + " and " + maxLineBytes;
    }
    if (readers < 1 || readers > users) {
      return "--readers must be between 1 and the number of users";
    }
    if (duration(ramp).isZero() || duration(ramp).isNegative() || warmup(ramp).isNegative()
        || drain.isNegative()) {
      return "--duration must be positive, --warmup and --drain not negative";
    }
    return null;
  }
}
