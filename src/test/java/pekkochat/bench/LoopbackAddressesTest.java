package pekkochat.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LoopbackAddressesTest {

  @Test
  void usersFillOneAddressAfterAnotherStartingAfterTheServers() {
    LoopbackAddresses a = new LoopbackAddresses(1000);
    assertEquals("127.0.0.2", a.forUser(0));
    assertEquals("127.0.0.2", a.forUser(999));
    assertEquals("127.0.0.3", a.forUser(1000));
    assertEquals("127.0.0.11", a.forUser(9999));
    assertEquals(10, a.addressesFor(10_000));
    assertEquals(11, a.addressesFor(10_001));
    assertEquals(1, a.addressesFor(1));
  }

  @Test
  void addressesCarryIntoTheHigherBytes() {
    LoopbackAddresses a = new LoopbackAddresses(1);
    assertEquals("127.0.0.255", a.forUser(253));
    assertEquals("127.0.1.0", a.forUser(254));
    assertEquals("127.1.0.0", a.forUser(65_534));
    assertEquals("127.255.255.255", a.forUser(LoopbackAddresses.MAX_ADDRESSES - 1));
    assertThrows(IllegalArgumentException.class, () -> a.forUser(LoopbackAddresses.MAX_ADDRESSES));
  }

  @Test
  void nonsenseIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new LoopbackAddresses(0));
    assertThrows(IllegalArgumentException.class, () -> new LoopbackAddresses(5).forUser(-1));
  }

  @Test
  void onlyIpv4LoopbackCountsAsLoopback() {
    assertTrue(LoopbackAddresses.isLoopback("127.0.0.1"));
    assertTrue(LoopbackAddresses.isLoopback("127.0.0.9"));
    assertFalse(LoopbackAddresses.isLoopback("10.0.0.1"));
    assertFalse(LoopbackAddresses.isLoopback("::1"));
  }
}
