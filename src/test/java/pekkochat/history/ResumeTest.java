package pekkochat.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static pekkochat.testing.RawPeer.TEXT;
import static pekkochat.testing.RawPeer.event;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pekkochat.protocol.Event;
import pekkochat.server.ChatServer;
import pekkochat.testing.RawPeer;
import pekkochat.testing.Servers;

/**
 * Resuming over real TCP with the real store: a client whose connection died mid-burst comes
 * back, says which line of each room it saw last, and gets exactly the lines it missed, once
 * each and in order, between HISTORY events, then live lines after them.
 */
class ResumeTest {

  private static final int EVENT = 7;

  @TempDir Path dir;


  /** A line event of {@code room} by {@code from} (MESSAGE), or null for anything else. */
  private static Event line(RawPeer.Frame f, String from) {
    if (f.type() != EVENT) {
      return null;
    }
    Event e = event(f);
    return e.kind() == Event.Kind.MESSAGE && e.from().equals(from) ? e : null;
  }

  @Test
  void aClientCutOffMidBurstGetsExactlyWhatItMissedInEveryRoomThenGoesOnLive() throws Exception {
    Map<String, Object> noFlood = Map.of("pekko-chat.server.flood.burst", 100_000, "pekko-chat.server.flood.rate", 100_000);
    try (ChatServer server = Servers.start(dir, noFlood);
        RawPeer bob = RawPeer.joined(server.address(), "bob")) {
      InetSocketAddress address = server.address();
      bob.send(TEXT, "/join #dev");
      Map<String, Long> lastSeen = new HashMap<>();
      Map<String, List<String>> seen = new HashMap<>();
      seen.put("#lobby", new ArrayList<>());
      seen.put("#dev", new ArrayList<>());
      RawPeer alice = RawPeer.joined(address, "alice");
      alice.send(TEXT, "/extended 1");
      alice.send(TEXT, "/join #dev");
      // bob talks in both rooms; alice reads some of it, then her connection dies.
      int total = 200;
      for (int i = 1; i <= total; i++) {
        bob.send(TEXT, "/post b-" + i + (i % 2 == 0 ? " #dev " : " #lobby ") + "n" + i);
      }
      while (seen.get("#lobby").size() + seen.get("#dev").size() < 40) {
        Event e = line(alice.read(Duration.ofSeconds(10)), "bob");
        if (e != null) {
          seen.get(e.room()).add(e.text());
          lastSeen.put(e.room(), e.seq());
        }
      }
      alice.abort(); // reset, mid-burst: what was on its way is lost with the connection
      // bob goes on while alice is away.
      for (int i = total + 1; i <= total + 20; i++) {
        bob.send(TEXT, "/post b-" + i + (i % 2 == 0 ? " #dev " : " #lobby ") + "n" + i);
      }
      // Once bob's own acknowledgements are in, every line is stored.
      int acked = 0;
      while (acked < total + 20) {
        RawPeer.Frame f = bob.read(Duration.ofSeconds(10));
        if (f.type() == TEXT && f.text().startsWith("[Server] Your line")) {
          throw new AssertionError(f.text());
        }
        // bob is an original client: he gets no STORED; wait for alice to be gone instead
        if (f.type() == TEXT && f.text().startsWith("[Server] alice left #dev")) {
          acked = total + 20;
        }
      }
      try (RawPeer back = RawPeer.joined(address, "alice")) {
        back.send(TEXT, "/extended 1 after #lobby=" + lastSeen.getOrDefault("#lobby", 0L));
        back.send(TEXT, "/join #dev after " + lastSeen.getOrDefault("#dev", 0L));
        bob.send(TEXT, "/post b-live #dev live");
        List<String> history = new ArrayList<>();
        boolean sawLive = false;
        while (!sawLive) {
          RawPeer.Frame f = back.read(Duration.ofSeconds(10));
          Event e = line(f, "bob");
          if (e == null) {
            continue;
          }
          if (e.text().equals("live")) {
            sawLive = true;
          } else {
            assertTrue(e.seq() > lastSeen.getOrDefault(e.room(), 0L), "nothing seen twice: " + e);
            seen.get(e.room()).add(e.text());
            lastSeen.put(e.room(), e.seq());
            history.add(e.text());
          }
        }
        assertTrue(!history.isEmpty(), "something was missed and replayed");
        List<String> lobby = new ArrayList<>();
        List<String> dev = new ArrayList<>();
        for (int i = 1; i <= total + 20; i++) {
          (i % 2 == 0 ? dev : lobby).add("n" + i);
        }
        assertEquals(lobby, seen.get("#lobby"), "every #lobby line once, in order");
        assertEquals(dev, seen.get("#dev"), "every #dev line once, in order");
      }
    }
  }
}
