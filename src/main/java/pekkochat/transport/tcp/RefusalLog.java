package pekkochat.transport.tcp;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;

/**
 * Logs refused connections without flooding the log: a storm of 2,000 connections refused by the
 * per-address limit would otherwise write one line each.
 *
 * <p>The first refusal of an address (for a given reason) is logged at once, at INFO:
 * {@code Refused connection from ADDRESS: REASON}. Further ones within {@code interval} of it are
 * only counted; once the interval is over, the next call ({@link #refused} or {@link #flush}, which
 * the owner calls from a periodic timer) logs one line for it:
 * {@code Refused 1,899 more connection(s) from ADDRESS in the last 5 s: REASON}. A refusal after
 * that starts a new interval, logged at once again.
 *
 * <p>Memory is bounded whatever the number of addresses: at most {@code maxAddresses} are tracked;
 * refusals of further addresses while that many are tracked are counted together as {@code other
 * addresses} (the first of an interval logged at once, with its address).
 *
 * <p>Not thread-safe: meant to be owned by one actor. Time is {@link System#nanoTime()} as passed
 * by the caller, so tests need no clock and no sleeping.
 */
public final class RefusalLog {

  /** Addresses tracked at most unless the constructor says otherwise. */
  public static final int DEFAULT_MAX_ADDRESSES = 1024;
  static final String OTHER_ADDRESSES = "other addresses";

  /** Refusals of one address for one reason (or of the other addresses) in one interval. */
  private static final class Window {
    final long start;
    final String reason;
    long more; // refusals after the first, not logged yet
    boolean mixedReasons; // only for the other addresses

    Window(long start, String reason) {
      this.start = start;
      this.reason = reason;
    }
  }

  private record Key(InetAddress address, String reason) {}

  private final long intervalNanos;
  private final int maxAddresses;
  private final Logger log;
  // Insertion order = order of the windows' starts; all windows are equally long, so the ones that
  // have ended are always at the head.
  private final LinkedHashMap<Key, Window> windows = new LinkedHashMap<>();
  private Window others;

  public RefusalLog(Duration interval, Logger log) {
    this(interval, DEFAULT_MAX_ADDRESSES, log);
  }

  public RefusalLog(Duration interval, int maxAddresses, Logger log) {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("interval must be positive: " + interval);
    }
    if (maxAddresses < 1) {
      throw new IllegalArgumentException("maxAddresses must be at least 1: " + maxAddresses);
    }
    this.intervalNanos = interval.toNanos();
    this.maxAddresses = maxAddresses;
    this.log = Objects.requireNonNull(log, "log");
  }

  /** A connection from {@code address} was refused for {@code reason} at {@code nowNanos}. */
  public void refused(InetAddress address, String reason, long nowNanos) {
    flush(nowNanos);
    Key key = new Key(address, reason);
    Window w = windows.get(key);
    if (w != null) {
      w.more++;
      return;
    }
    if (windows.size() < maxAddresses) {
      windows.put(key, new Window(nowNanos, reason));
      log.info("Refused connection from {}: {}", address.getHostAddress(), reason);
      return;
    }
    if (others == null) {
      others = new Window(nowNanos, reason);
      log.info("Refused connection from {}: {}", address.getHostAddress(), reason);
      return;
    }
    others.more++;
    others.mixedReasons |= !others.reason.equals(reason);
  }

  /** Logs the count of every interval that has ended by {@code nowNanos}, and forgets it. */
  public void flush(long nowNanos) {
    Iterator<Map.Entry<Key, Window>> it = windows.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<Key, Window> e = it.next();
      if (nowNanos - e.getValue().start < intervalNanos) {
        break; // the rest started later
      }
      summarize(e.getKey().address().getHostAddress(), e.getValue(), intervalNanos);
      it.remove();
    }
    if (others != null && nowNanos - others.start >= intervalNanos) {
      summarize(OTHER_ADDRESSES, others, intervalNanos);
      others = null;
    }
  }

  /** Logs every count not logged yet, intervals still running included (e.g. when the server stops). */
  public void flushAll(long nowNanos) {
    for (Map.Entry<Key, Window> e : windows.entrySet()) {
      summarize(e.getKey().address().getHostAddress(), e.getValue(), nowNanos - e.getValue().start);
    }
    windows.clear();
    if (others != null) {
      summarize(OTHER_ADDRESSES, others, nowNanos - others.start);
      others = null;
    }
  }

  /** Addresses (with a reason) tracked now, for tests. */
  int tracked() {
    return windows.size();
  }

  private void summarize(String from, Window w, long spanNanos) {
    if (w.more == 0) {
      return; // the one refusal was logged when it happened
    }
    String reason = w.mixedReasons ? w.reason + " (and other reasons)" : w.reason;
    log.info("Refused {} more connection(s) from {} in the last {}: {}",
        String.format(Locale.ROOT, "%,d", w.more), from, seconds(Math.min(spanNanos, intervalNanos)), reason);
  }

  /** 5 s, 0.25 s, 1.5 s. */
  static String seconds(long nanos) {
    BigDecimal s = BigDecimal.valueOf(Math.max(0, nanos)).movePointLeft(9).setScale(3, RoundingMode.HALF_UP);
    return s.stripTrailingZeros().toPlainString() + " s";
  }
}
