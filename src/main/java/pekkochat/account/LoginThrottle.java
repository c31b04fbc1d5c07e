package pekkochat.account;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Failed logins counted per key (an account, a remote address) over a sliding window: once a key
 * has {@code maxFailures} within {@code window}, it is refused for {@code coolDown}, without its
 * password being checked. Keys with nothing recent are forgotten, so an attacker trying many
 * addresses or names costs at most a few entries each for a window. Not thread-safe: one actor
 * owns each. Times are {@link System#nanoTime} values passed in, so tests need no clock.
 */
final class LoginThrottle {

  private final int maxFailures;
  private final long windowNanos;
  private final long coolDownNanos;
  private final Map<String, Entry> entries = new HashMap<>();

  private static final class Entry {
    final ArrayDeque<Long> failures = new ArrayDeque<>();
    long blockedUntil;
  }

  LoginThrottle(int maxFailures, Duration window, Duration coolDown) {
    this.maxFailures = maxFailures;
    this.windowNanos = window.toNanos();
    this.coolDownNanos = coolDown.toNanos();
  }

  /** How long {@code key} must wait before its next attempt: zero when it may try now. */
  Duration waitFor(String key, long now) {
    Entry e = entries.get(key);
    if (e == null || e.blockedUntil - now <= 0) {
      return Duration.ZERO;
    }
    return Duration.ofNanos(e.blockedUntil - now);
  }

  /** Counts a failed attempt of {@code key}; returns how long it must wait now (zero: not yet blocked). */
  Duration failed(String key, long now) {
    Entry e = entries.computeIfAbsent(key, k -> new Entry());
    prune(e, now);
    e.failures.addLast(now);
    if (e.failures.size() >= maxFailures) {
      e.failures.clear();
      e.blockedUntil = now + coolDownNanos;
      return Duration.ofNanos(coolDownNanos);
    }
    return Duration.ZERO;
  }

  /** A successful login clears the key's failures (for an account; never for an address). */
  void succeeded(String key) {
    Entry e = entries.get(key);
    if (e != null && e.blockedUntil == 0) {
      entries.remove(key);
    } else if (e != null) {
      e.failures.clear();
    }
  }

  /** Forgets keys with no failure in the window and no cool-down running. */
  void sweep(long now) {
    for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
      Entry e = it.next();
      prune(e, now);
      if (e.failures.isEmpty() && e.blockedUntil - now <= 0) {
        it.remove();
      }
    }
  }

  int size() {
    return entries.size();
  }

  private void prune(Entry e, long now) {
    while (!e.failures.isEmpty() && now - e.failures.peekFirst() > windowNanos) {
      e.failures.removeFirst();
    }
  }

  /** Seconds for a message, rounded up: {@code 42 s}. */
  static long seconds(Duration wait) {
    return Math.max(1, (wait.toMillis() + 999) / 1000);
  }
}
