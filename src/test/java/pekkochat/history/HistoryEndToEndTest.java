package pekkochat.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static pekkochat.testing.RawPeer.ERROR;
import static pekkochat.testing.RawPeer.JOIN;
import static pekkochat.testing.RawPeer.TEXT;
import static pekkochat.testing.RawPeer.event;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pekkochat.protocol.Event;
import pekkochat.server.ChatServer;
import pekkochat.testing.RawPeer;
import pekkochat.testing.Servers;

/**
 * Durable history over real TCP with the real store (embedded H2 in a temp directory, or a real
 * PostgreSQL in the {@code postgres} profile: docs/HISTORY.md): replay on
 * entering a room for an extended client, {@code /history} and its paging for an original one,
 * rooms and topics surviving a restart, and a full store refusing lines.
 */
class HistoryEndToEndTest {

  private static final int EVENT = 7;
  private static final Pattern HISTORY_LINE = Pattern.compile("\\[#(\\d+) \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\] (.*)");

  @TempDir Path dir;

  private ChatServer start(Map<String, Object> overrides) throws ChatServer.StartFailed {
    return Servers.start(dir, overrides);
  }

  /** Says {@code lines} in the active room, then waits until {@code witness} has seen the last. */
  private static void say(RawPeer speaker, RawPeer witness, String speakerName, List<String> lines) throws IOException {
    for (String line : lines) {
      speaker.send(TEXT, line);
    }
    witness.awaitText(speakerName + "::" + lines.get(lines.size() - 1));
  }



  private static List<String> numbered(String prefix, int from, int to) {
    List<String> lines = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      lines.add(prefix + i);
    }
    return lines;
  }

  /** Reads a /history answer: the lines between its head and its end, and the end line. */
  private static List<String> readHistory(RawPeer peer, List<Long> ids) throws IOException {
    peer.awaitText("[Server] History of ");
    List<String> lines = new ArrayList<>();
    while (true) {
      String text = peer.expectType(TEXT).text();
      if (text.startsWith("[Server] End of history")) {
        lines.add(text);
        return lines;
      }
      Matcher m = HISTORY_LINE.matcher(text);
      assertTrue(m.matches(), () -> "not a history line: " + text);
      ids.add(Long.parseLong(m.group(1)));
      lines.add(m.group(2));
    }
  }

  @Test
  void anExtendedClientEnteringARoomIsReplayedItsLastLinesMarkedAsHistory() throws Exception {
    try (ChatServer server = start(Map.of("pekko-chat.history.replay-on-join", 3));
        RawPeer alice = RawPeer.joined(server.address(), "alice");
        RawPeer witness = RawPeer.joined(server.address(), "witness")) {
      alice.expect(JOIN, "witness joined the chat.");
      say(alice, witness, "alice", numbered("line ", 1, 5));
      try (RawPeer bob = RawPeer.joined(server.address(), "bob")) {
        bob.send(TEXT, "/extended 1");
        assertEquals(Event.Kind.HELLO, event(bob.expectType(EVENT)).kind());
        assertEquals(Event.Kind.RESUME, event(bob.expectType(EVENT)).kind());
        assertEquals(Event.Kind.ENTERED, event(bob.expectType(EVENT)).kind());
        Event begin = event(bob.expectType(EVENT));
        assertEquals(Event.Kind.HISTORY, begin.kind());
        assertEquals("begin", begin.text());
        assertEquals("3", begin.to());
        long lastSeq = 0;
        for (int i = 3; i <= 5; i++) {
          Event line = event(bob.expectType(EVENT));
          assertEquals(Event.Kind.MESSAGE, line.kind());
          assertEquals("alice", line.from());
          assertEquals("line " + i, line.text());
          assertEquals("#lobby", line.room());
          assertTrue(line.seq() > lastSeq, "in order, with their ids");
          lastSeq = line.seq();
        }
        Event end = event(bob.expectType(EVENT));
        assertEquals(Event.Kind.HISTORY, end.kind());
        assertEquals("end", end.text());
        assertEquals("more", end.to(), "lines 1 and 2 are older");
        assertEquals(Event.Kind.ACTIVE, event(bob.expectType(EVENT)).kind());
        // Then live, and nothing twice.
        alice.send(TEXT, "live");
        Event live = event(bob.expectType(EVENT));
        assertEquals("live", live.text());
        assertTrue(live.seq() > lastSeq);
      }
    }
  }

  @Test
  void anOriginalClientGetsHistoryOnlyWhenItAsksAndPagesBack() throws Exception {
    // Few lines in memory, so that paging back reads the store itself.
    try (ChatServer server = start(Map.of("pekko-chat.history.keep-in-memory", 4));
        RawPeer alice = RawPeer.joined(server.address(), "alice");
        RawPeer bob = RawPeer.joined(server.address(), "bob")) {
      alice.expect(JOIN, "bob joined the chat.");
      say(alice, bob, "alice", numbered("m", 1, 12));
      bob.send(TEXT, "/history 5");
      List<Long> ids = new ArrayList<>();
      List<String> page = readHistory(bob, ids);
      assertEquals(List.of("alice::m8", "alice::m9", "alice::m10", "alice::m11", "alice::m12"), page.subList(0, 5));
      assertEquals("[Server] End of history. Older lines: /history #lobby 5 before " + ids.get(0), page.get(5));
      bob.send(TEXT, "/history #lobby 5 before " + ids.get(0));
      List<Long> older = new ArrayList<>();
      List<String> back = readHistory(bob, older);
      assertEquals(List.of("alice::m3", "alice::m4", "alice::m5", "alice::m6", "alice::m7"), back.subList(0, 5));
      assertTrue(older.get(older.size() - 1) < ids.get(0));
      bob.send(TEXT, "/history 50 before " + older.get(0));
      List<String> first = readHistory(bob, new ArrayList<>());
      assertEquals(List.of("alice::m1", "alice::m2", "[Server] End of history of #lobby."), first);
      bob.send(TEXT, "/history many");
      bob.expect(ERROR, "Usage: /history [#room|@nick] [count] [before <id>]");
    }
  }

  @Test
  void roomsTopicsAndHistorySurviveARestart() throws Exception {
    // Snapshots every few events, so recovery starts from one and reads the lines before it back.
    Map<String, Object> settings = Map.of("pekko-chat.history.snapshot-every", 5, "pekko-chat.history.keep-in-memory", 50);
    try (ChatServer server = start(settings);
        RawPeer alice = RawPeer.joined(server.address(), "alice")) {
      alice.send(TEXT, "/join #dev");
      alice.awaitText("[Server] You joined #dev");
      alice.send(TEXT, "/topic release on friday");
      alice.awaitText("[Server] alice set the topic");
      try (RawPeer bob = RawPeer.joined(server.address(), "bob")) {
        bob.send(TEXT, "/join #dev");
        alice.awaitText("[Server] bob joined #dev");
        say(alice, bob, "alice", numbered("d", 1, 20));
      }
    }
    try (ChatServer server = start(settings);
        RawPeer carol = RawPeer.joined(server.address(), "carol")) {
      carol.send(TEXT, "/join #dev");
      String joined = carol.awaitText("[Server] You joined #dev");
      assertTrue(joined.contains("release on friday"), joined);
      carol.send(TEXT, "/history 30");
      List<String> lines = readHistory(carol, new ArrayList<>());
      List<String> expected = new ArrayList<>();
      expected.add("[Server] alice set the topic: release on friday");
      numbered("alice::d", 1, 20).forEach(expected::add);
      expected.add("[Server] End of history of #dev.");
      assertEquals(expected, lines);
    }
  }

  @Test
  void aRoomKeepsTheSpellingItWasCreatedWithAcrossARestartWhateverTheNextJoinSays() throws Exception {
    // #dev snapshots (every 2 events), so its name comes back from a snapshot; #Ops has one event
    // only, so its name comes back from that event.
    Map<String, Object> settings = Map.of("pekko-chat.history.snapshot-every", 2);
    try (ChatServer server = start(settings);
        RawPeer alice = RawPeer.joined(server.address(), "alice")) {
      alice.send(TEXT, "/join #dev");
      alice.awaitText("[Server] You joined #dev");
      alice.send(TEXT, "/topic spelled in lower case");
      alice.awaitText("[Server] alice set the topic");
      alice.send(TEXT, "/join #Ops");
      alice.awaitText("[Server] You joined #Ops");
      try (RawPeer bob = RawPeer.joined(server.address(), "bob")) {
        bob.send(TEXT, "/join #DEV");
        assertTrue(bob.awaitText("[Server] You joined ").startsWith("[Server] You joined #dev "), "a live room keeps its name");
      }
    }
    try (ChatServer server = start(settings);
        RawPeer carol = RawPeer.joined(server.address(), "carol")) {
      carol.send(TEXT, "/join #DEV");
      String joined = carol.awaitText("[Server] You joined ");
      assertTrue(joined.startsWith("[Server] You joined #dev "), joined);
      assertTrue(joined.contains("spelled in lower case"), joined);
      carol.send(TEXT, "/join #OPS");
      joined = carol.awaitText("[Server] You joined ");
      assertTrue(joined.startsWith("[Server] You joined #Ops "), joined);
      carol.send(TEXT, "/topic");
      carol.expect(TEXT, "[Server] #Ops has no topic.");
      carol.send(TEXT, "/rooms");
      String rooms = carol.awaitText("[Server] Rooms");
      assertTrue(rooms.contains("\n#dev (1 user): spelled in lower case"), rooms);
      assertTrue(rooms.contains("\n#Ops (1 user)"), rooms);
      assertTrue(!rooms.contains("#DEV") && !rooms.contains("#OPS"), rooms);
    }
  }

  @Test
  void aFullStoreRefusesLinesAndDeliversNothingUnstored() throws Exception {
    Map<String, Object> settings = new HashMap<>();
    settings.put("pekko-chat.history.max-store-size", "1 KiB"); // the empty store is already larger
    try (ChatServer server = start(settings);
        RawPeer alice = RawPeer.joined(server.address(), "alice");
        RawPeer bob = RawPeer.joined(server.address(), "bob")) {
      alice.expect(JOIN, "bob joined the chat.");
      alice.send(TEXT, "hello");
      String error = alice.awaitText("Your line was not sent: the history store is full");
      assertTrue(error.contains("of 1.0 KiB used"), error);
      alice.send(TEXT, "/post p-1 #lobby with an id");
      assertTrue(alice.awaitText("Your line (post p-1) was not sent: the history store is full").contains("of 1.0 KiB used"),
          "a refused post names its id, for the client to stop waiting for it");
      bob.send(TEXT, "/users");
      // bob's next frame is the answer to /users: alice's refused line never reached him.
      assertTrue(bob.expectType(TEXT).text().startsWith("[Server] Online users: "));
    }
  }

  @Test
  void withHistoryOffRoomsForgetAndSaySo() throws Exception {
    try (ChatServer server = start(Map.of("pekko-chat.history.enabled", false));
        RawPeer alice = RawPeer.joined(server.address(), "alice")) {
      alice.send(TEXT, "/history");
      alice.expect(ERROR, "This server keeps no history.");
    }
  }

  private static boolean isUsersAnswer(RawPeer.Frame f) {
    return f.type() == TEXT && f.text().startsWith("[Server] Online users:");
  }


  @Test
  void retentionKeepsARoomToItsLastEventsInMemoryInTheStoreAndAfterARestart() throws Exception {
    // At most 10 events: snapshots every 5 delete what is older than the last 10.
    Map<String, Object> settings = Map.of(
        "pekko-chat.history.max-events-per-room", 10,
        "pekko-chat.history.snapshot-every", 5,
        "pekko-chat.server.flood.burst", 1000);
    for (int round = 0; round < 2; round++) {
      try (ChatServer server = start(settings);
          RawPeer alice = RawPeer.joined(server.address(), "alice");
          RawPeer bob = RawPeer.joined(server.address(), "bob")) {
        alice.expect(JOIN, "bob joined the chat.");
        if (round == 0) {
          say(alice, bob, "alice", numbered("r", 1, 40));
        }
        bob.send(TEXT, "/history 100");
        List<String> lines = readHistory(bob, new ArrayList<>());
        List<String> said = lines.subList(0, lines.size() - 1);
        int r = round;
        assertTrue(said.size() <= 15 && said.size() >= 5, () -> "round " + r + ": a room keeps about its last 10 events: " + lines);
        assertEquals("alice::r40", said.get(said.size() - 1));
        assertTrue(!said.contains("alice::r1") && !said.contains("alice::r20"), "older lines are gone: " + lines);
        if (round == 0) {
          // And from the store itself (the same embedded database, opened beside the server).
          long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
          long rows;
          while ((rows = pekkochat.testing.TestStore.journalRows(dir, "room|#lobby")) > 20 && System.nanoTime() < deadline) {
            Thread.sleep(50); // the deletion follows the snapshot
          }
          assertTrue(rows <= 20, "events kept in the store: " + rows);
        }
      }
    }
  }

  @Test
  void retentionByAgeDeletesOldLinesFromTheStoreAndNeverShowsThem() throws Exception {
    Map<String, Object> settings = Map.of(
        "pekko-chat.history.max-age", "2s",
        "pekko-chat.history.age-check-interval", "200ms",
        "pekko-chat.history.snapshot-every", 5,
        "pekko-chat.server.flood.burst", 1000);
    try (ChatServer server = start(settings);
        RawPeer alice = RawPeer.joined(server.address(), "alice");
        RawPeer bob = RawPeer.joined(server.address(), "bob")) {
      alice.expect(JOIN, "bob joined the chat.");
      say(alice, bob, "alice", numbered("old", 1, 12));
      bob.send(TEXT, "/history 5");
      assertEquals("alice::old12", readHistory(bob, new ArrayList<>()).get(4), "fresh lines are shown");
      // Once the lines are past max-age, /history shows none of them (deleted or not yet).
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (true) {
        bob.send(TEXT, "/history 50");
        String head = bob.awaitText("[Server] ");
        if (head.equals("[Server] #lobby has no history yet.")) {
          break;
        }
        assertTrue(head.startsWith("[Server] History of #lobby"), head);
        bob.awaitText("[Server] End of history");
        assertTrue(System.nanoTime() < deadline, "lines still shown 20 s later");
        Thread.sleep(100); // until they are 2 s old
      }
      {
        long rows;
        while ((rows = pekkochat.testing.TestStore.journalRows(dir, "room|#lobby")) > 4 && System.nanoTime() < deadline) {
          Thread.sleep(100); // the next sweep
        }
        assertTrue(rows <= 4, "old events deleted from the store, those after the last snapshot kept: " + rows);
      }
      alice.send(TEXT, "new");
      bob.expect(TEXT, "alice::new");
      bob.send(TEXT, "/history 50");
      List<String> lines = readHistory(bob, new ArrayList<>());
      assertEquals(List.of("alice::new", "[Server] End of history of #lobby."), lines);
    }
  }

  @Test
  void aSenderOutrunningTheStoreIsRefusedLinesAndNoLineIsLostSilently() throws Exception {
    Map<String, Object> settings = Map.of(
        "pekko-chat.history.max-pending", 2,
        "pekko-chat.server.flood.burst", 100_000,
        "pekko-chat.server.flood.rate", 100_000);
    int sent = 300;
    try (ChatServer server = start(settings);
        RawPeer alice = RawPeer.joined(server.address(), "alice");
        RawPeer bob = RawPeer.joined(server.address(), "bob")) {
      alice.expect(JOIN, "bob joined the chat.");
      for (int i = 1; i <= sent; i++) {
        alice.send(TEXT, "burst " + i);
      }
      alice.send(TEXT, "/users"); // its answer comes after every refusal
      int refused = 0;
      while (true) {
        RawPeer.Frame f = alice.read(Duration.ofSeconds(10));
        if (f.type() == ERROR) {
          assertTrue(f.text().startsWith("Your line was not sent: #lobby is busy storing"), f.text());
          refused++;
        } else if (isUsersAnswer(f)) {
          break;
        }
      }
      // A last line, said until it is taken: once bob has it, every line taken before it is stored.
      boolean taken = false;
      while (!taken) {
        alice.send(TEXT, "the end");
        alice.send(TEXT, "/users");
        taken = true;
        for (RawPeer.Frame f = alice.read(Duration.ofSeconds(10)); !isUsersAnswer(f); f = alice.read(Duration.ofSeconds(10))) {
          taken &= f.type() != ERROR; // refused: again
        }
      }
      bob.awaitText("alice::the end");
      bob.send(TEXT, "/history 500");
      List<String> stored = readHistory(bob, new ArrayList<>());
      int delivered = stored.size() - 2; // not "the end" nor the end-of-history line
      assertEquals(sent, delivered + refused, "each line stored or refused: " + delivered + " stored, " + refused + " refused");
      assertTrue(refused > 0, "a burst of " + sent + " outran a store allowed 2 waiting events");
    }
  }
}
