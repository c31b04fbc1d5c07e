package pekkochat.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ConnectionFiguresTest {

  @Test
  void joinNoticesGrowAsTheSquareOfTheUsers() {
    assertEquals(0, ConnectionFigures.expectedJoinNotices(1));
    assertEquals(1, ConnectionFigures.expectedJoinNotices(2));
    assertEquals(49_995_000, ConnectionFigures.expectedJoinNotices(10_000));
    assertEquals(112_492_500, ConnectionFigures.expectedJoinNotices(15_000));
  }

  @Test
  void memoryPerUserIsTheGrowthOverTheUsersInDecimalKilobytes() {
    // 300 MB more for 10,000 users: 30 KB each (KB = 1000 bytes, not 1024).
    assertEquals(30.0, ConnectionFigures.perUserKb(100_000_000, 400_000_000, 10_000), 1e-9);
    assertEquals(1.024, ConnectionFigures.perUserKb(0, 1024 * 1000, 1000), 1e-9);
    // Memory can shrink (a GC in between): the figure says so rather than hiding it.
    assertEquals(-1.0, ConnectionFigures.perUserKb(2_000_000, 1_000_000, 1000), 1e-9);
    assertThrows(IllegalArgumentException.class, () -> ConnectionFigures.perUserKb(0, 1, 0));
  }

  @Test
  void workersStayUnderEightThousandUsersEach() {
    assertEquals(1, ConnectionFigures.defaultWorkers(1));
    assertEquals(1, ConnectionFigures.defaultWorkers(8000));
    assertEquals(2, ConnectionFigures.defaultWorkers(8001));
    assertEquals(2, ConnectionFigures.defaultWorkers(15_000));
    assertEquals(3, ConnectionFigures.defaultWorkers(20_000));
  }

  @Test
  void usersAreSharedEvenlyAndContiguously() {
    assertEquals(4, ConnectionFigures.share(10, 3, 0));
    assertEquals(3, ConnectionFigures.share(10, 3, 1));
    assertEquals(3, ConnectionFigures.share(10, 3, 2));
    assertEquals(0, ConnectionFigures.firstUser(10, 3, 0));
    assertEquals(4, ConnectionFigures.firstUser(10, 3, 1));
    assertEquals(7, ConnectionFigures.firstUser(10, 3, 2));
  }

  @Test
  void percentilesAreNearestRank() {
    long[] hundred = new long[100];
    for (int i = 0; i < 100; i++) {
      hundred[99 - i] = i + 1; // 100 .. 1, unsorted
    }
    assertEquals(99, ConnectionFigures.percentile(hundred, 99));
    assertEquals(100, ConnectionFigures.percentile(hundred, 100));
    assertEquals(50, ConnectionFigures.percentile(hundred, 50));
    assertEquals(50, ConnectionFigures.median(hundred));
    assertEquals(7, ConnectionFigures.percentile(new long[] {7}, 99));
    assertEquals(2, ConnectionFigures.median(new long[] {3, 1, 2}));
    assertEquals(100, hundred[0], "the input is not reordered");
    assertThrows(IllegalArgumentException.class, () -> ConnectionFigures.percentile(new long[0], 50));
  }

  @Test
  void theServerGetsLimitsRaisedOnlyWhereTheDefaultsAreTooLow() {
    assertEquals("-Dpekko-chat.server.max-connections=10000 -Dpekko-chat.server.max-connections-per-address=1000"
        + " -Dpekko-chat.server.join-timeout=60s", ConnectionFigures.serverLimits(10_000, 1000));
    assertEquals("-Dpekko-chat.server.max-connections=15000 -Dpekko-chat.server.max-connections-per-address=15000"
        + " -Dpekko-chat.server.join-timeout=60s", ConnectionFigures.serverLimits(15_000, 0));
    assertEquals("-Dpekko-chat.server.max-connections=10000 -Dpekko-chat.server.max-connections-per-address=100"
        + " -Dpekko-chat.server.join-timeout=60s", ConnectionFigures.serverLimits(50, 1000));
  }
}
