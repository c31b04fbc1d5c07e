package pekkochat.transport.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * {@link ConnectionRate}: a token bucket per remote address, with the clock injected (no
 * sleeping): {@code burst} connections at once, then one per {@code 1 / rate} seconds; addresses
 * do not share a bucket; at most {@link ConnectionRate#MAX_ADDRESSES} are remembered.
 */
class ConnectionRateTest {

  private static final long MS = 1_000_000L;
  private static final long T0 = 123_456_789_000L;

  private static InetAddress ip(int a, int b, int c, int d) {
    try {
      return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  /** The {@code i}-th address of 10.0.0.0/8. */
  private static InetAddress nth(int i) {
    return ip(10, i >>> 16, i >>> 8, i);
  }

  /** How many connections {@code address} may open at {@code now}, taking them all. */
  private static int drain(ConnectionRate rate, InetAddress address, long now) {
    int n = 0;
    while (rate.tryAcquire(address, now)) {
      n++;
      assertTrue(n <= 1_000_000, "never refused");
    }
    return n;
  }

  @Test
  void aBurstIsAllowedAtOnceThenRefused() {
    ConnectionRate rate = new ConnectionRate(5, 1);
    InetAddress a = ip(127, 0, 0, 1);
    for (int i = 0; i < 5; i++) {
      assertTrue(rate.tryAcquire(a, T0), "connection " + (i + 1) + " of the burst");
    }
    assertFalse(rate.tryAcquire(a, T0));
    assertFalse(rate.tryAcquire(a, T0), "a refusal takes nothing and gives nothing");
    assertEquals(1, rate.size());
  }

  @Test
  void tokensComeBackAtTheRate() {
    ConnectionRate rate = new ConnectionRate(3, 2); // two a second: one every 500 ms
    InetAddress a = ip(192, 168, 1, 7);
    assertEquals(3, drain(rate, a, T0));
    assertFalse(rate.tryAcquire(a, T0 + 499 * MS), "not a whole token after 499 ms");
    assertTrue(rate.tryAcquire(a, T0 + 501 * MS), "one token after 500 ms");
    assertFalse(rate.tryAcquire(a, T0 + 501 * MS));
    // Refusals in between do not delay the refill: time is counted from the last token.
    assertFalse(rate.tryAcquire(a, T0 + 700 * MS));
    assertTrue(rate.tryAcquire(a, T0 + 1_002 * MS));
    // Two seconds: four tokens' worth, capped at the burst of three.
    assertEquals(3, drain(rate, a, T0 + 3_002 * MS));
    // An hour: still only the burst.
    assertEquals(3, drain(rate, a, T0 + 3_600_000 * MS));
  }

  @Test
  void aSteadyRateIsAllowedIndefinitely() {
    ConnectionRate rate = new ConnectionRate(1, 10); // one every 100 ms
    InetAddress a = ip(127, 0, 0, 1);
    long now = T0;
    for (int i = 0; i < 1_000; i++) {
      assertTrue(rate.tryAcquire(a, now), "connection " + i);
      assertFalse(rate.tryAcquire(a, now + 90 * MS), "connection " + i + " again after 90 ms");
      now += 101 * MS;
    }
  }

  @Test
  void fractionalTokensAddUp() {
    ConnectionRate rate = new ConnectionRate(1, 0.5); // one every 2 s
    InetAddress a = ip(127, 0, 0, 1);
    assertTrue(rate.tryAcquire(a, T0));
    assertFalse(rate.tryAcquire(a, T0 + 1_000 * MS));
    assertFalse(rate.tryAcquire(a, T0 + 1_999 * MS));
    assertTrue(rate.tryAcquire(a, T0 + 2_001 * MS));
  }

  @Test
  void theClockMayWrapAround() {
    ConnectionRate rate = new ConnectionRate(1, 1);
    InetAddress a = ip(127, 0, 0, 1);
    long beforeWrap = Long.MAX_VALUE - 400 * MS;
    assertTrue(rate.tryAcquire(a, beforeWrap));
    assertFalse(rate.tryAcquire(a, beforeWrap + 500 * MS), "500 ms later, across the wrap");
    assertTrue(rate.tryAcquire(a, beforeWrap + 1_001 * MS), "1 s later, across the wrap");
  }

  @Test
  void addressesHaveTheirOwnBuckets() throws UnknownHostException {
    ConnectionRate rate = new ConnectionRate(2, 1);
    InetAddress a = ip(127, 0, 0, 1);
    InetAddress b = ip(127, 0, 0, 2);
    InetAddress v6 = InetAddress.getByName("::1");
    assertEquals(2, drain(rate, a, T0));
    assertEquals(2, drain(rate, b, T0), "a second address is not held back by the first");
    assertEquals(2, drain(rate, v6, T0), "nor is IPv6 loopback by IPv4's");
    // A second later each has one token again; an equal address (another instance) is the same bucket.
    assertTrue(rate.tryAcquire(ip(127, 0, 0, 1), T0 + 1_001 * MS));
    assertFalse(rate.tryAcquire(a, T0 + 1_001 * MS), "127.0.0.1 took its token as another InetAddress instance");
    assertTrue(rate.tryAcquire(b, T0 + 1_001 * MS));
    assertFalse(rate.tryAcquire(b, T0 + 1_001 * MS));
    assertEquals(3, rate.size());
  }

  @Test
  void atMostMaxAddressesAreRemembered() {
    ConnectionRate rate = new ConnectionRate(2, 1);
    for (int i = 0; i < ConnectionRate.MAX_ADDRESSES + 1_000; i++) {
      assertTrue(rate.tryAcquire(nth(i), T0), "the first connection of address " + i);
      assertTrue(rate.size() <= ConnectionRate.MAX_ADDRESSES, () -> rate.size() + " addresses");
    }
    assertEquals(ConnectionRate.MAX_ADDRESSES, rate.size());
  }

  @Test
  void theLeastRecentlySeenAddressIsForgottenFirst() {
    ConnectionRate rate = new ConnectionRate(2, 1);
    InetAddress old = ip(172, 16, 0, 1);
    InetAddress busy = ip(172, 16, 0, 2);
    assertEquals(2, drain(rate, old, T0));
    assertEquals(2, drain(rate, busy, T0));
    for (int i = 0; i < ConnectionRate.MAX_ADDRESSES - 2; i++) {
      rate.tryAcquire(nth(i), T0);
    }
    assertEquals(ConnectionRate.MAX_ADDRESSES, rate.size());
    // busy is seen again (refused): now old is the least recently seen.
    assertFalse(rate.tryAcquire(busy, T0));
    rate.tryAcquire(nth(ConnectionRate.MAX_ADDRESSES), T0);
    assertEquals(ConnectionRate.MAX_ADDRESSES, rate.size());
    assertFalse(rate.tryAcquire(busy, T0), "busy is still remembered, and still empty");
    assertEquals(2, drain(rate, old, T0), "old was forgotten: a fresh burst");
  }

  /**
   * The class's javadoc: "Addresses whose bucket is full again are forgotten". They are not: only
   * the bound evicts, so the map holds every address seen until MAX_ADDRESSES of them have been.
   */
  @Test
  void anAddressWhoseBucketIsFullAgainIsForgotten() {
    ConnectionRate rate = new ConnectionRate(2, 1);
    InetAddress a = ip(127, 0, 0, 1);
    assertTrue(rate.tryAcquire(a, T0));
    // Much later another address connects: a's bucket has long been full again.
    assertTrue(rate.tryAcquire(ip(127, 0, 0, 2), T0 + 60_000 * MS));
    assertEquals(1, rate.size(), "a, full again, should have been forgotten");
  }
}
