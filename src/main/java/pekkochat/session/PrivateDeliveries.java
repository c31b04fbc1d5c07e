package pekkochat.session;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import pekkochat.chat.ToUser;

/**
 * The private messages a connection was sent as live PRIVATE and PRIVATE_ACTION events (echoes of
 * its own included), counted from 1, with the latest of them kept, at most {@code capacity} and
 * {@code maxBytes} (so that a connection filling it with 64 KiB lines holds little): what a resume
 * of the connection hands over when its client says how many it received ({@code /resume <token>
 * <count>}). The client counts the same events, outside HISTORY brackets.
 */
final class PrivateDeliveries {

  /**
   * What the client did not receive: {@code missed}, oldest first, and {@code lost}, how many
   * more before them were no longer kept.
   */
  record Missed(List<ToUser.PrivateMessage> missed, long lost) {}

  private final int capacity;
  private final long maxBytes;
  private final ArrayDeque<ToUser.PrivateMessage> latest;
  private long count;
  private long bytes;

  PrivateDeliveries(int capacity, long maxBytes) {
    if (capacity < 0 || maxBytes < 0) {
      throw new IllegalArgumentException("capacity and maxBytes must not be negative: " + capacity + ", " + maxBytes);
    }
    this.capacity = capacity;
    this.maxBytes = maxBytes;
    this.latest = new ArrayDeque<>(Math.min(capacity, 64));
  }

  /** The next private event was sent. */
  void sent(ToUser.PrivateMessage message) {
    count++;
    long size = sizeOf(message);
    if (capacity == 0 || size > maxBytes) {
      return;
    }
    while (latest.size() >= capacity || bytes + size > maxBytes) {
      bytes -= sizeOf(latest.removeFirst());
    }
    latest.addLast(message);
    bytes += size;
  }

  /** What a message holds of the heap, near enough: its strings' chars and the objects around them. */
  static long sizeOf(ToUser.PrivateMessage m) {
    return 2L * (m.text().length() + m.from().length() + m.to().length()) + 96;
  }

  /** How many were sent so far. */
  long count() {
    return count;
  }

  /**
   * What a client that received the first {@code received} missed. A count higher than what was
   * sent (a client counting wrong, or lying) misses nothing.
   */
  Missed after(long received) {
    if (received >= count) {
      return new Missed(List.of(), 0);
    }
    long firstKept = count - latest.size() + 1;
    long from = Math.max(Math.max(received, 0) + 1, firstKept);
    List<ToUser.PrivateMessage> missed = new ArrayList<>();
    long n = firstKept;
    for (ToUser.PrivateMessage s : latest) {
      if (n >= from) {
        missed.add(s);
      }
      n++;
    }
    return new Missed(missed, from - Math.max(received, 0) - 1);
  }
}
