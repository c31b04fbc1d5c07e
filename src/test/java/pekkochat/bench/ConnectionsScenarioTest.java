package pekkochat.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pekkochat.server.ChatServer;
import pekkochat.testing.Servers;

/** The connections scenario end to end, small: two in-process workers against a real server. */
class ConnectionsScenarioTest {

  @TempDir Path spool;

  @Test
  void everyUserJoinsGetsEveryLaterJoinNoticeAndTheBroadcast() throws Exception {
    int users = 200;
    ConnectionsScenario.Plan plan = new ConnectionsScenario.Plan(users, 2, ConnectionsScenario.WorkerMode.threads,
        "64m", 20, 0, 50, 0, false, 0);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    try (ChatServer server = Servers.start(spool, Map.of(
            "pekko-chat.server.max-connections-per-address", 50));
        Cleanup cleanup = new Cleanup()) {
      ConnectionsScenario.Measurement m = ConnectionsScenario.measure(plan, "127.0.0.1",
          server.address().getPort(), null, 20, cleanup, new PrintStream(log, true, StandardCharsets.UTF_8));
      assertEquals(users, m.joinLatencyMicros().length, "every user was welcomed");
      assertEquals(users * (users - 1) / 2, m.joinNotices(), "n(n-1)/2 JOIN notices");
      assertEquals(0, m.leaveNotices());
      assertEquals(users - 1, m.broadcastMicros().length, "the line reached everyone else");
      for (long t : m.broadcastMicros()) {
        assertTrue(t >= 0, "arrived after it was sent: " + t);
      }
      assertTrue(m.joinSeconds() > 0);
      assertNotNull(m.serverStop());
    }
  }

  @Test
  void theCeilingServerPassesTheSameChecks() throws Exception {
    // What `connections --server ceiling` measures: the reference relay must satisfy the same
    // counts, or its join rate would not be comparable.
    int users = 200;
    ConnectionsScenario.Plan plan = new ConnectionsScenario.Plan(users, 2, ConnectionsScenario.WorkerMode.threads,
        "64m", 20, 0, 50, 0, false, 0);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    CeilingServer ceiling = CeilingServer.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
    Thread relay = new Thread(() -> {
      try {
        ceiling.run();
      } catch (java.io.IOException e) {
        throw new IllegalStateException(e);
      }
    }, "ceiling");
    relay.start();
    try (Cleanup cleanup = new Cleanup()) {
      ConnectionsScenario.Measurement m = ConnectionsScenario.measure(plan, "127.0.0.1",
          ceiling.port(), null, 20, cleanup, new PrintStream(log, true, StandardCharsets.UTF_8));
      assertEquals(users, m.joinLatencyMicros().length, "every user was welcomed");
      assertEquals(users * (users - 1) / 2, m.joinNotices(), "n(n-1)/2 JOIN notices");
      assertEquals(users - 1, m.broadcastMicros().length, "the line reached everyone else");
    } finally {
      ceiling.close();
      relay.join(5000);
    }
  }

  @Test
  void heapUsedIsReadFromGcHeapInfo() {
    String g1 = "12345:\n garbage-first heap   total 262144K, used 30592K [0x00000000f0000000, 0x0000000100000000)\n"
        + "  region size 1024K, 5 young (5120K), 0 survivors (0K)\n";
    assertEquals(30592L * 1024, ConnectionsScenario.heapUsed(g1));
    assertEquals(-1, ConnectionsScenario.heapUsed("no heap here"));
  }
}
