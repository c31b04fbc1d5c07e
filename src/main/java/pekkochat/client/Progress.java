package pekkochat.client;

import java.time.Duration;
import java.util.Locale;
import pekkochat.files.Sizes;

/** The figures of a transfer in progress or done: percent, bytes, rate, time left. */
final class Progress {

  private Progress() {}

  /**
   * {@code "↑ notes.iso  42%  420.0 MiB of 1.0 GiB  312.4 MB/s  0:02 left"}. {@code direction}
   * (which may name the sender) and {@code fileName} may come from a peer: both pass {@link
   * Display#inline}, so no escape sequence or line break reaches the status line.
   */
  static String line(String direction, String fileName, long done, long total, Duration elapsed) {
    int percent = total == 0 ? 100 : (int) (done * 100 / total);
    double rate = rate(done, elapsed);
    String left = rate <= 0 ? "--:--" : clock(Duration.ofMillis((long) ((total - done) / rate * 1000)));
    return String.format(
        Locale.ROOT,
        "%s %s  %3d%%  %s of %s  %s  %s left",
        Display.inline(direction),
        Display.inline(fileName),
        percent,
        Sizes.human(done),
        Sizes.human(total),
        megabytesPerSecond(rate),
        left);
  }

  /** {@code "in 2.1 s, 480.3 MB/s"}. */
  static String summary(long bytes, Duration elapsed) {
    return String.format(
        Locale.ROOT, "in %.1f s, %s", elapsed.toNanos() / 1e9, megabytesPerSecond(rate(bytes, elapsed)));
  }

  /** Bytes per second. */
  static double rate(long bytes, Duration elapsed) {
    double seconds = elapsed.toNanos() / 1e9;
    return seconds <= 0 ? 0 : bytes / seconds;
  }

  private static String megabytesPerSecond(double bytesPerSecond) {
    return String.format(Locale.ROOT, "%.1f MB/s", bytesPerSecond / 1e6);
  }

  private static String clock(Duration d) {
    long s = d.toSeconds();
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s / 60) % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
