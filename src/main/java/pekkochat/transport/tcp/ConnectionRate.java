package pekkochat.transport.tcp;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How fast one remote address may open connections: a token bucket per address ({@code burst}
 * at once, then {@code ratePerSecond}). Addresses whose bucket is full again are forgotten, and at
 * most {@link #MAX_ADDRESSES} are remembered (the oldest go first), so memory stays bounded
 * whatever the number of addresses. Not thread-safe: owned by the {@link Listener}.
 */
final class ConnectionRate {

  static final int MAX_ADDRESSES = 65_536;

  private static final class Bucket {
    double tokens;
    long lastNanos;
  }

  private final int burst;
  private final double ratePerNano;
  private final Map<InetAddress, Bucket> buckets = new LinkedHashMap<>(16, 0.75f, true);

  ConnectionRate(int burst, double ratePerSecond) {
    this.burst = burst;
    this.ratePerNano = ratePerSecond / 1e9;
  }

  /** Takes one connection's token for {@code address}; false if it has none left. */
  boolean tryAcquire(InetAddress address, long nowNanos) {
    forgetFullBuckets(nowNanos);
    Bucket b = buckets.get(address);
    if (b == null) {
      if (buckets.size() >= MAX_ADDRESSES) {
        var eldest = buckets.keySet().iterator();
        eldest.next();
        eldest.remove();
      }
      b = new Bucket();
      b.tokens = burst;
      b.lastNanos = nowNanos;
      buckets.put(address, b);
    } else {
      b.tokens = Math.min(burst, b.tokens + (nowNanos - b.lastNanos) * ratePerNano);
      b.lastNanos = nowNanos;
    }
    if (b.tokens < 1) {
      return false;
    }
    b.tokens -= 1;
    return true;
  }

  /**
   * Forgets the least recently seen addresses whose bucket is full again (they are as good as
   * new); at most a few a call, so the cost stays constant.
   */
  private void forgetFullBuckets(long nowNanos) {
    var it = buckets.values().iterator();
    for (int n = 0; n < 4 && it.hasNext(); n++) {
      Bucket b = it.next();
      if (b.tokens + (nowNanos - b.lastNanos) * ratePerNano >= burst) {
        it.remove();
      } else {
        return;
      }
    }
  }

  /** Addresses remembered (for tests). */
  int size() {
    return buckets.size();
  }
}
