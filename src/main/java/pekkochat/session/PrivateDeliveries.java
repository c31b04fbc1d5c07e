package pekkochat.session;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import pekkochat.chat.ToUser;

/**
 * The private messages a connection was sent as live PRIVATE and PRIVATE_ACTION events (echoes of
 * its own included), counted from 1, with the latest {@code capacity} of them kept: what a resume
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
  private final ArrayDeque<ToUser.PrivateMessage> latest;
  private long count;

  PrivateDeliveries(int capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("capacity must not be negative: " + capacity);
    }
    this.capacity = capacity;
    this.latest = new ArrayDeque<>(Math.min(capacity, 64));
  }

  /** The next private event was sent. */
  void sent(ToUser.PrivateMessage message) {
    count++;
    if (capacity == 0) {
      return;
    }
    if (latest.size() == capacity) {
      latest.removeFirst();
    }
    latest.addLast(message);
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
