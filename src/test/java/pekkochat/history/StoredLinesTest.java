package pekkochat.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static pekkochat.testing.RawPeer.ERROR;
import static pekkochat.testing.RawPeer.TEXT;
import static pekkochat.testing.RawPeer.event;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pekkochat.protocol.Event;
import pekkochat.server.ChatServer;
import pekkochat.testing.RawPeer;
import pekkochat.testing.ServerProcess;
import pekkochat.testing.Servers;

/**
 * Lines posted with a client-chosen id ({@code /post}): acknowledged with STORED once stored,
 * stored once however often they are retried, and, across a {@code kill -9} of the server, every
 * acknowledged line is in the history and a retry of the others stores each exactly once.
 */
class StoredLinesTest {

  private static final int EVENT = 7;
  private static final Pattern HISTORY_LINE = Pattern.compile("\\[#(\\d+) [^\\]]+\\] (\\* )?alice::(.*)");

  @TempDir Path dir;


  /** Joins as {@code nick} and turns the extended protocol on, reading up to its ACTIVE. */
  private static RawPeer extended(java.net.InetSocketAddress address, String nick) throws IOException {
    RawPeer peer = RawPeer.joined(address, nick);
    peer.send(TEXT, "/extended 1");
    while (true) {
      RawPeer.Frame f = peer.read(Duration.ofSeconds(10));
      if (f.type() == EVENT && event(f).kind() == Event.Kind.HELLO) {
        assertTrue(event(f).text().contains("post"), "the server offers /post: " + event(f).text());
      }
      if (f.type() == EVENT && event(f).kind() == Event.Kind.ACTIVE) {
        return peer;
      }
    }
  }

  /** The next STORED event, skipping anything else (the welcome's lines, joins). */
  private static Event nextStored(RawPeer peer) throws IOException {
    while (true) {
      RawPeer.Frame f = peer.read(Duration.ofSeconds(10));
      assertTrue(f.type() != ERROR, () -> "ERROR: " + f.text());
      if (f.type() == EVENT && event(f).kind() == Event.Kind.STORED) {
        return event(f);
      }
    }
  }

  /** alice's lines in #lobby's history, oldest first, as {@code /history} shows them to bob. */
  private static List<String> historyOfAlice(RawPeer bob) throws IOException {
    bob.send(TEXT, "/history 500");
    List<String> lines = new ArrayList<>();
    boolean inside = false;
    while (true) {
      String text = bob.expectType(TEXT).text();
      if (text.startsWith("[Server] History of ")) {
        inside = true;
      } else if (inside && text.startsWith("[Server] End of history")) {
        return lines;
      } else if (inside) {
        Matcher m = HISTORY_LINE.matcher(text);
        if (m.matches()) {
          lines.add((m.group(2) == null ? "" : "* ") + m.group(3));
        }
      }
    }
  }

  @Test
  void aPostIsAcknowledgedWithItsIdAndARetryIsStoredOnce() throws Exception {
    try (ChatServer server = Servers.start(dir);
        RawPeer alice = extended(server.address(), "alice");
        RawPeer bob = RawPeer.joined(server.address(), "bob")) {
      alice.send(TEXT, "/post c1-1 #lobby hello");
      Event stored = nextStored(alice);
      assertEquals("c1-1", stored.to());
      assertEquals("#lobby", stored.room());
      assertTrue(stored.seq() > 0);
      bob.expect(TEXT, "alice::hello");
      // The acknowledgement was "lost": the same id again is not a second line.
      alice.send(TEXT, "/post c1-1 #lobby hello");
      Event again = nextStored(alice);
      assertEquals(stored.seq(), again.seq());
      alice.send(TEXT, "/post c1-2 #lobby /me waves");
      assertEquals("c1-2", nextStored(alice).to());
      bob.expect(TEXT, "* alice::waves");
      assertEquals(List.of("hello", "* waves"), historyOfAlice(bob));
      alice.send(TEXT, "/post bad id #lobby x"); // "id" is not a room
      RawPeer.Frame usage = alice.expectType(ERROR);
      assertTrue(usage.text().startsWith("Usage: /post <id> <#room> <text>"), usage.text());
    }
  }

  @Test
  void afterAKillDashNineEveryAcknowledgedLineIsStoredAndRetriesStoreTheRestOnce() throws Exception {
    Path spool = dir.resolve("spool");
    String[] noFloodControl = {"-Dpekko-chat.server.flood.burst=100000", "-Dpekko-chat.server.flood.rate=100000"};
    int sent = 100;
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    ServerProcess first = ServerProcess.start(spool, 0, noFloodControl);
    try (RawPeer alice = extended(first.address(), "alice")) {
      CountDownLatch someStored = new CountDownLatch(50);
      Thread reader = new Thread(() -> {
        try {
          while (true) {
            acknowledged.add(nextStored(alice).to());
            someStored.countDown();
          }
        } catch (IOException | AssertionError e) {
          // the server died
        }
      }, "stored-reader");
      reader.setDaemon(true);
      reader.start();
      for (int i = 1; i <= sent; i++) {
        alice.send(TEXT, "/post a-" + i + " #lobby line " + i);
      }
      // Killed as soon as half of them are acknowledged: the rest are in flight somewhere.
      assertTrue(someStored.await(30, TimeUnit.SECONDS), "50 lines acknowledged");
      first.kill();
      reader.join(10_000);
    } catch (IOException e) {
      // writing to the killed server
    } finally {
      first.kill();
    }
    Set<String> acked = new LinkedHashSet<>(acknowledged);
    assertTrue(acked.size() >= 50, "acknowledged before the kill: " + acked.size());

    ServerProcess second = ServerProcess.start(spool, 0, noFloodControl);
    try (RawPeer alice = extended(second.address(), "alice");
        RawPeer bob = RawPeer.joined(second.address(), "bob")) {
      List<String> afterCrash = historyOfAlice(bob);
      for (String id : acked) {
        assertTrue(afterCrash.contains("line " + id.substring(2)), "acknowledged " + id + " is stored");
      }
      // The client retries every line it sent whose acknowledgement it did not see.
      Map<String, Long> seqs = new HashMap<>();
      for (int i = 1; i <= sent; i++) {
        alice.send(TEXT, "/post a-" + i + " #lobby line " + i);
        Event stored = nextStored(alice);
        seqs.put(stored.to(), stored.seq());
      }
      assertEquals(sent, seqs.size());
      List<String> finalHistory = historyOfAlice(bob);
      List<String> expected = new ArrayList<>();
      for (int i = 1; i <= sent; i++) {
        expected.add("line " + i);
      }
      assertEquals(expected.size(), finalHistory.size(), "each line once: " + finalHistory);
      assertEquals(new LinkedHashSet<>(expected), new LinkedHashSet<>(finalHistory));
    } finally {
      second.close();
    }
  }
}
