package pekkochat.bench;

/**
 * The search behind {@code bench fanout --ramp}: the highest offered rate that still holds (the
 * caller decides what holding means). Rates grow by {@code factor} per step from {@code start}
 * until one fails or {@code max} holds; then the gap between the highest rate that held and the
 * lowest that failed is halved (geometrically) {@code bisections} times, or until it is within 2%.
 * Rates are whole lines per second. Plain arithmetic, so it is tested without a server.
 */
final class Ramp {

  /** Bisection stops once the lowest failing rate is within this factor of the highest that held. */
  static final double RESOLUTION = 1.02;

  private final double factor;
  private final int bisections;
  private final long max;
  private long rate;
  private long held; // highest rate that held, 0 if none yet
  private long failed = Long.MAX_VALUE; // lowest rate that failed
  private int bisected;
  private boolean done;

  Ramp(long start, double factor, int bisections, long max) {
    if (start < 1 || factor <= 1 || bisections < 0 || max < start) {
      throw new IllegalArgumentException("ramp: need 1 <= start <= max, factor > 1, bisections >= 0");
    }
    this.factor = factor;
    this.bisections = bisections;
    this.max = max;
    this.rate = start;
  }

  /** The rate to try next (lines per second); meaningless once {@link #done()}. */
  long rate() {
    return rate;
  }

  /** "ramp" while growing, "bisect" after the first failure. */
  String phase() {
    return failed == Long.MAX_VALUE ? "ramp" : "bisect";
  }

  boolean done() {
    return done;
  }

  /** The highest rate that held, 0 if none did. */
  long best() {
    return held;
  }

  /** Whether the search stopped at {@code max} without a failure (the true maximum may be higher). */
  boolean hitMax() {
    return done && held == max;
  }

  /** Records whether {@link #rate()} held and picks the next rate (or ends the search). */
  void record(boolean ok) {
    if (done) {
      throw new IllegalStateException("ramp is over");
    }
    if (ok) {
      held = Math.max(held, rate);
    } else {
      failed = Math.min(failed, rate);
    }
    if (failed == Long.MAX_VALUE) {
      if (rate >= max) {
        done = true;
      } else {
        rate = Math.min(max, Math.max(rate + 1, Math.round(rate * factor)));
      }
      return;
    }
    if (bisected >= bisections || failed <= 1 || (held > 0 && failed <= held * RESOLUTION)
        || failed - held <= 1) {
      done = true;
      return;
    }
    bisected++;
    long next = held > 0 ? Math.round(Math.sqrt((double) held * failed)) : failed / 2;
    rate = Math.max(held + 1, Math.min(failed - 1, next));
  }
}
