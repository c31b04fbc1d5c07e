package pekkochat.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pekkochat.server.ChatServer;
import pekkochat.testing.Servers;

/**
 * {@code bench fanout}'s load generator against both servers it measures, briefly: 5 users, 2 of
 * them sending 200 lines/s for 1 s; every line must reach the 4 others, with its latency recorded.
 */
class FanoutEndToEndTest {

  @TempDir Path spool;

  private static FanoutLoad.Params params(int port) {
    return new FanoutLoad.Params("127.0.0.1", port, "t-", 5, 2, 200, Duration.ofMillis(200),
        Duration.ofSeconds(1), Duration.ofSeconds(3), 64, 1);
  }

  private static void assertAllDelivered(FanoutLoad.Outcome o) {
    assertEquals(200, o.lines(), "lines due in 1 s at 200/s");
    assertEquals(o.lines() * 4, o.expected());
    assertEquals(o.expected(), o.delivered(), "every line reached the 4 others");
    assertEquals(o.delivered(), o.latency().getTotalCount(), "a latency for each");
    assertEquals(0, o.unsent());
    assertTrue(o.percentileMillis(50) > 0 && o.maxMillis() < 3000, "latencies: p50 " + o.percentileMillis(50)
        + " ms, max " + o.maxMillis() + " ms");
    assertTrue(o.receivedInWindow() > 0);
  }

  @Test
  void theCeilingServerRelaysEveryLine() throws Exception {
    try (RunningCeiling ceiling = new RunningCeiling(); Watchdog watchdog = new Watchdog(20, null)) {
      assertAllDelivered(FanoutLoad.run(params(ceiling.port()), watchdog, null));
    }
  }

  @Test
  void inRoomsTheCeilingRelaysEachLineToItsRoomOnly() throws Exception {
    try (RunningCeiling ceiling = new RunningCeiling(); Watchdog watchdog = new Watchdog(20, null)) {
      // 4 rooms of 3, everyone sending: 300 lines in 1 s, each to the 2 others of its room.
      FanoutLoad.Params rooms = new FanoutLoad.Params("127.0.0.1", ceiling.port(), "t-", 12, 12, 300,
          Duration.ofMillis(300), Duration.ofSeconds(1), Duration.ofSeconds(3), 64, 2, 3);
      FanoutLoad.Outcome o = FanoutLoad.run(rooms, watchdog, null);
      assertEquals(300, o.lines());
      assertEquals(600, o.expected());
      assertEquals(600, o.delivered(), "each line reached the 2 others of its room, and nobody else");
      assertEquals(0, o.errors());
    }
  }

  @Test
  void theProjectsServerRelaysEveryLine() throws Exception {
    try (ChatServer server = Servers.start(spool, Map.of(
            "pekko-chat.server.flood.burst", 1_000_000,
            "pekko-chat.server.flood.rate", 1_000_000_000));
         Watchdog watchdog = new Watchdog(20, null)) {
      assertAllDelivered(FanoutLoad.run(params(server.address().getPort()), watchdog, null));
    }
  }
}
