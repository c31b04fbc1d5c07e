package pekkochat.client;

import java.time.Duration;
import java.util.function.DoubleSupplier;
import pekkochat.config.ClientSettings;

/**
 * How long {@link Reconnecting} waits before an attempt: {@code min-backoff} before the first,
 * doubled for each one after, at most {@code max-backoff}, each off by up to {@code random-factor}
 * either way, so that clients cut off together (a server restart) do not all come back at once.
 */
final class Backoff {

  private final ClientSettings.Reconnect settings;
  /** Uniform in [0, 1). */
  private final DoubleSupplier random;

  Backoff(ClientSettings.Reconnect settings, DoubleSupplier random) {
    this.settings = settings;
    this.random = random;
  }

  /** The wait before attempt {@code attempt} (1 for the first). */
  Duration before(int attempt) {
    double base = settings.minBackoff().toNanos() * Math.pow(2, Math.min(attempt - 1, 40));
    double capped = Math.min(base, settings.maxBackoff().toNanos());
    double jitter = 1 + settings.randomFactor() * (2 * random.getAsDouble() - 1);
    return Duration.ofNanos((long) (capped * jitter));
  }

  /** {@code 1.4 s}: tenths of a second. */
  static String seconds(Duration d) {
    long tenths = Math.round(d.toMillis() / 100.0);
    return (tenths / 10) + "." + (tenths % 10) + " s";
  }

  /** {@code 5 min}, {@code 90 s}: how long reconnecting was tried, for the user. */
  static String span(Duration d) {
    long s = d.toSeconds();
    return s >= 60 && s % 60 == 0 ? (s / 60) + " min" : s + " s";
  }
}
