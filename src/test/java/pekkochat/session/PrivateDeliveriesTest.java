package pekkochat.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import pekkochat.chat.ToUser;

class PrivateDeliveriesTest {

  private static ToUser.PrivateMessage pm(int n) {
    return new ToUser.PrivateMessage("bob", "alice", "pm" + n, false, n);
  }

  private static List<String> texts(PrivateDeliveries.Missed missed) {
    return missed.missed().stream().map(ToUser.PrivateMessage::text).toList();
  }

  @Test
  void whatFollowsTheCountReceivedIsMissedAndNothingBeforeIt() {
    PrivateDeliveries d = new PrivateDeliveries(5, Long.MAX_VALUE);
    for (int i = 1; i <= 4; i++) {
      d.sent(pm(i));
    }
    assertEquals(4, d.count());
    assertEquals(List.of("pm3", "pm4"), texts(d.after(2)));
    assertEquals(0, d.after(2).lost());
    assertEquals(List.of("pm1", "pm2", "pm3", "pm4"), texts(d.after(0)));
    assertEquals(List.of(), texts(d.after(4)));
  }

  @Test
  void onlyTheLatestAreKeptAndTheOlderOnesMissedAreCounted() {
    PrivateDeliveries d = new PrivateDeliveries(3, Long.MAX_VALUE);
    for (int i = 1; i <= 10; i++) {
      d.sent(pm(i));
    }
    PrivateDeliveries.Missed missed = d.after(2);
    assertEquals(List.of("pm8", "pm9", "pm10"), texts(missed));
    assertEquals(5, missed.lost(), "3 to 7");
    assertEquals(List.of("pm9", "pm10"), texts(d.after(8)));
    assertEquals(0, d.after(8).lost());
  }

  @Test
  void aCountBeyondWhatWasSentOrBelowZeroCannotReachFurther() {
    PrivateDeliveries d = new PrivateDeliveries(3, Long.MAX_VALUE);
    d.sent(pm(1));
    d.sent(pm(2));
    assertEquals(List.of(), texts(d.after(Long.MAX_VALUE)));
    assertEquals(List.of("pm1", "pm2"), texts(d.after(-5)));
    assertEquals(0, d.after(-5).lost());
  }

  @Test
  void bigMessagesAreKeptOnlyWithinTheByteBoundAndTheRestCountsAsLost() {
    long one = PrivateDeliveries.sizeOf(new ToUser.PrivateMessage("bob", "alice", "x".repeat(1000), false, 0));
    PrivateDeliveries d = new PrivateDeliveries(200, 3 * one);
    for (int i = 1; i <= 10; i++) {
      d.sent(new ToUser.PrivateMessage("bob", "alice", String.valueOf(i % 10).repeat(1000), false, i));
    }
    PrivateDeliveries.Missed missed = d.after(0);
    assertEquals(3, missed.missed().size(), "three fit");
    assertEquals(7, missed.lost());
    assertEquals(8, missed.missed().get(0).time(), "the latest three");
    PrivateDeliveries tiny = new PrivateDeliveries(200, one - 1);
    tiny.sent(new ToUser.PrivateMessage("bob", "alice", "x".repeat(1000), false, 1));
    assertEquals(1, tiny.after(0).lost(), "one larger than the bound is not kept at all");
  }

  @Test
  void aBufferOfNoneKeepsNothingButStillCounts() {
    PrivateDeliveries d = new PrivateDeliveries(0, Long.MAX_VALUE);
    d.sent(pm(1));
    d.sent(pm(2));
    assertEquals(2, d.count());
    assertEquals(List.of(), texts(d.after(0)));
    assertEquals(2, d.after(0).lost());
    assertThrows(IllegalArgumentException.class, () -> new PrivateDeliveries(-1, 0));
  }
}
