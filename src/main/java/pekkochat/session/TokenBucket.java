package pekkochat.session;

/**
 * Flood control for one connection, as modern IRC servers do it: up to {@code burst} messages at
 * once, then {@code ratePerSecond} in the long run. A message over the allowance is not refused:
 * {@link #take} says how long to wait, and the session holds back its acknowledgement (and with
 * it all reading from that connection) for that long. Time is passed in, so this is plain,
 * testable arithmetic.
 */
final class TokenBucket {

  private final double burst;
  private final double perNano;
  private double tokens;
  private long last;

  TokenBucket(int burst, double ratePerSecond, long nowNanos) {
    this.burst = burst;
    this.perNano = ratePerSecond / 1e9;
    this.tokens = burst;
    this.last = nowNanos;
  }

  /**
   * Counts one message sent at {@code nowNanos}: returns 0 if it is within the allowance, or else
   * the nanoseconds to wait before reading the next one. The message is counted either way.
   */
  long take(long nowNanos) {
    return take(nowNanos, 1);
  }

  /**
   * Counts a message that costs {@code cost} messages' worth (one that fans out to many rooms),
   * as {@link #take(long)} counts one.
   */
  long take(long nowNanos, int cost) {
    tokens = Math.min(burst, tokens + (nowNanos - last) * perNano);
    last = nowNanos;
    tokens -= cost;
    return tokens >= 0 ? 0 : (long) Math.ceil(-tokens / perNano);
  }
}
