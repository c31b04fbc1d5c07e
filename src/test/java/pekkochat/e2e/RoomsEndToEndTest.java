package pekkochat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static pekkochat.testing.RawPeer.ERROR;
import static pekkochat.testing.RawPeer.FILE;
import static pekkochat.testing.RawPeer.JOIN;
import static pekkochat.testing.RawPeer.LEAVE;
import static pekkochat.testing.RawPeer.TEXT;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pekkochat.protocol.Event;
import pekkochat.server.ChatServer;
import pekkochat.testing.RawPeer;
import pekkochat.testing.Servers;

/**
 * Rooms, private messages, nicks, away and topics over real loopback TCP, with raw peers that
 * speak the original protocol byte for byte (what an original client sends and gets), and one
 * that asks for the extended protocol.
 */
class RoomsEndToEndTest {

  private static final int EVENT = 7;

  @TempDir Path spool;
  private ChatServer server;
  private InetSocketAddress address;

  @BeforeEach
  void start() throws Exception {
    server = Servers.start(spool);
    address = server.address();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** alice and bob, just joined in that order, both enter #dev; alice has seen all of it. */
  private static void bothInDev(RawPeer alice, RawPeer bob) throws IOException {
    alice.expect(JOIN, "bob joined the chat.");
    join(alice, "#dev");
    join(bob, "#dev");
    alice.expect(TEXT, "[Server] bob joined #dev.");
  }

  /** Joins {@code room} and reads the reply, skipping what else arrives before it. */
  private static String join(RawPeer peer, String room) throws IOException {
    peer.send(TEXT, "/join " + room);
    return awaitText(peer, "[Server] You joined ");
  }

  private static String awaitText(RawPeer peer, String prefix) throws IOException {
    List<String> seen = new ArrayList<>();
    while (true) {
      RawPeer.Frame f = peer.read(Duration.ofSeconds(5));
      if (f.type() == TEXT && f.text().startsWith(prefix)) {
        return f.text();
      }
      seen.add(f.toString());
      assertTrue(seen.size() < 50, () -> "no TEXT starting with " + prefix + " in " + seen);
    }
  }

  @Test
  void linesGoToTheActiveRoomAndShowTheirRoomElsewhere() throws IOException {
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer bob = RawPeer.joined(address, "bob")) {
      alice.expect(JOIN, "bob joined the chat.");
      assertEquals("[Server] You joined #dev (1 user). Plain lines now go to #dev.", join(alice, "#dev"));
      assertEquals("[Server] You joined #dev (2 users). Plain lines now go to #dev.", join(bob, "dev"));
      alice.expect(TEXT, "[Server] bob joined #dev.");

      bob.send(TEXT, "in dev");
      alice.expect(TEXT, "bob::in dev");
      // alice makes the lobby active again: #dev's lines now carry their room.
      alice.send(TEXT, "/join #lobby");
      alice.expect(TEXT, "[Server] Plain lines now go to #lobby.");
      bob.send(TEXT, "still dev");
      alice.expect(TEXT, "[#dev] bob::still dev");
      alice.send(TEXT, "lobby line");
      bob.expect(TEXT, "[#lobby] alice::lobby line");

      bob.send(TEXT, "/me waves");
      alice.expect(TEXT, "[#dev] * bob::waves");
      // bob never gets his own line or action back: the next frame he gets is his /users reply.
      bob.send(TEXT, "/users");
      bob.expect(TEXT, "[Server] Users in #dev: alice, bob");
    }
  }

  @Test
  void partTellsTheRoomAndMovesTheActiveRoom() throws IOException {
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer bob = RawPeer.joined(address, "bob")) {
      bothInDev(alice, bob);
      bob.send(TEXT, "/part");
      bob.expect(TEXT, "[Server] You left #dev. Plain lines now go to #lobby.");
      alice.expect(TEXT, "[Server] bob left #dev.");
      bob.send(TEXT, "/part #dev");
      bob.expect(ERROR, "You are not in #dev.");
      bob.send(TEXT, "/part #lobby");
      bob.expect(TEXT, "[Server] You left #lobby. You are in no room now: /join one.");
      alice.expect(LEAVE, "bob left the chat.");
      bob.send(TEXT, "anyone?");
      bob.expect(ERROR, "You are in no room: /join one first.");
    }
  }

  @Test
  void usersListsTheActiveRoomOrANamedOneWithAwayMarks() throws IOException {
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer bob = RawPeer.joined(address, "bob")) {
      alice.expect(JOIN, "bob joined the chat.");
      bob.send(TEXT, "/away lunch");
      bob.expect(TEXT, "[Server] You are marked as away: lunch");
      alice.send(TEXT, "/users");
      alice.expect(TEXT, "[Server] Online users: alice, bob");
      alice.expect(TEXT, "[Server] bob is away: lunch");
      join(alice, "#dev");
      alice.send(TEXT, "/USERS");
      alice.expect(TEXT, "[Server] Users in #dev: alice");
      alice.send(TEXT, "/users #lobby");
      alice.expect(TEXT, "[Server] Online users: alice, bob");
      alice.expect(TEXT, "[Server] bob is away: lunch");
      bob.send(TEXT, "/away");
      bob.expect(TEXT, "[Server] You are back.");
    }
  }

  @Test
  void roomsAreListedWithTopics() throws IOException {
    try (RawPeer alice = RawPeer.joined(address, "alice")) {
      join(alice, "#dev");
      alice.send(TEXT, "/topic release on friday");
      alice.expect(TEXT, "[Server] alice set the topic of #dev: release on friday");
      alice.send(TEXT, "/topic");
      alice.expect(TEXT, "[Server] Topic of #dev: release on friday");
      alice.send(TEXT, "/rooms");
      String rooms = alice.expectType(TEXT).text();
      assertTrue(rooms.startsWith("[Server] Rooms:\n"), rooms);
      assertTrue(rooms.contains("\n#dev (1 user): release on friday"), rooms);
      assertTrue(rooms.contains("\n#lobby (1 user)"), rooms);
      alice.send(TEXT, "/topic -");
      alice.expect(TEXT, "[Server] alice cleared the topic of #dev.");
      alice.send(TEXT, "/topic bad\u001b[2Jtopic");
      alice.expect(ERROR, "Topic must not contain control characters.");
    }
  }

  @Test
  void privateMessagesReachOnlyTheirTargetAndAwayIsReported() throws IOException {
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer bob = RawPeer.joined(address, "bob");
        RawPeer carol = RawPeer.joined(address, "carol")) {
      alice.expect(JOIN, "bob joined the chat.");
      alice.expect(JOIN, "carol joined the chat.");
      bob.expect(JOIN, "carol joined the chat.");
      alice.send(TEXT, "/msg BOB psst, a secret");
      bob.expect(TEXT, "[PM] alice::psst, a secret");
      alice.send(TEXT, "/msg nobody hi");
      alice.expect(ERROR, "No such user online: nobody.");
      bob.send(TEXT, "/away in a meeting");
      bob.expect(TEXT, "[Server] You are marked as away: in a meeting");
      alice.send(TEXT, "/msg bob ping");
      bob.expect(TEXT, "[PM] alice::ping");
      alice.expect(TEXT, "[Server] bob is away: in a meeting");
      alice.send(TEXT, "/msg bob");
      alice.expect(ERROR, "Usage: /msg <nick> <text>");
      // None of them reached carol: the first private message she gets is the one to her.
      alice.send(TEXT, "/msg carol marker");
      carol.expect(TEXT, "[PM] alice::marker");
    }
  }

  @Test
  void aNickChangeIsAnnouncedOnceToEveryoneWhoSharesARoom() throws IOException {
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer bob = RawPeer.joined(address, "bob")) {
      bothInDev(alice, bob);
      bob.send(TEXT, "/nick robert");
      bob.expect(TEXT, "[Server] You are now known as robert.");
      // Two shared rooms, one notice.
      alice.expect(TEXT, "[Server] bob is now known as robert.");
      bob.send(TEXT, "hi as robert");
      alice.expect(TEXT, "robert::hi as robert");
      bob.send(TEXT, "/nick ALICE");
      bob.expect(ERROR, "The name ALICE is taken.");
      try (RawPeer newBob = RawPeer.joined(address, "bob")) {
        alice.expect(JOIN, "bob joined the chat.");
      }
    }
  }

  @Test
  void aLineOverTheRelayLimitIsRefusedAndNobodyIsCutOff() throws IOException {
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer bob = RawPeer.joined(address, "bob")) {
      alice.expect(JOIN, "bob joined the chat.");
      join(bob, "#dev");
      join(alice, "#dev");
      // The biggest TEXT a client may send: relayed as it was, it would exceed the limit.
      String huge = "x".repeat(64 * 1024);
      bob.send(TEXT, huge);
      RawPeer.Frame refused = skipNotices(bob);
      assertEquals(ERROR, refused.type(), refused.toString());
      String refusal = refused.text();
      assertTrue(refusal.startsWith("Line too long: at most "), refusal);
      int max = Integer.parseInt(refusal.replaceAll("\\D+", " ").trim().split(" ")[0]);
      bob.send(TEXT, "y".repeat(max));
      RawPeer.Frame relayed = alice.expectType(TEXT);
      assertEquals("bob::" + "y".repeat(max), relayed.text());
      // Even tagged with its room, it fits the limit every client accepts.
      alice.send(TEXT, "/join #lobby");
      alice.expect(TEXT, "[Server] Plain lines now go to #lobby.");
      bob.send(TEXT, "\u00e9".repeat(max / 2));
      RawPeer.Frame tagged = alice.expectType(TEXT);
      assertTrue(tagged.payload().length <= 64 * 1024, "frame of " + tagged.payload().length + " bytes");
      bob.send(TEXT, "still here");
      alice.expect(TEXT, "[#dev] bob::still here");
    }
  }

  @Test
  void aUserListOverTheFrameLimitIsContinuedOverSeveralLines() throws Exception {
    server.close();
    server = Servers.start(spool, Map.of("pekko-chat.protocol.max-message-size", "1 KiB"));
    List<RawPeer> peers = new ArrayList<>();
    try {
      for (int i = 0; i < 60; i++) {
        peers.add(RawPeer.joined(server.address(), "user-with-a-long-name-" + i));
      }
      RawPeer asker = peers.get(59);
      asker.send(TEXT, "/users");
      StringBuilder all = new StringBuilder();
      RawPeer.Frame first = asker.expectType(TEXT);
      assertTrue(first.text().startsWith("[Server] Online users: "), first.text());
      assertTrue(first.payload().length <= 1024);
      all.append(first.text().substring("[Server] Online users: ".length()));
      while (all.toString().split(", ").length < 60) {
        RawPeer.Frame next = asker.expectType(TEXT);
        assertTrue(next.text().startsWith("[Server] (continued) "), next.text());
        assertTrue(next.payload().length <= 1024, "frame of " + next.payload().length + " bytes");
        all.append(", ").append(next.text().substring("[Server] (continued) ".length()));
      }
      assertEquals(60, all.toString().split(", ").length);
    } finally {
      for (RawPeer p : peers) {
        p.close();
      }
    }
  }

  @Test
  void aFileGoesToTheActiveRoomOrToOneUser() throws IOException {
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer bob = RawPeer.joined(address, "bob");
        RawPeer carol = RawPeer.joined(address, "carol")) {
      alice.expect(JOIN, "bob joined the chat.");
      alice.expect(JOIN, "carol joined the chat.");
      bob.expect(JOIN, "carol joined the chat.");
      join(alice, "#dev");
      join(bob, "#dev");
      alice.expect(TEXT, "[Server] bob joined #dev.");
      byte[] content = "room file".getBytes(StandardCharsets.UTF_8);
      alice.sendFile("notes.txt", content);
      bob.expectFile("alice", "notes.txt", content);

      alice.send(TEXT, "/sendto carol");
      alice.expect(TEXT, "[Server] Your next file goes to carol only.");
      byte[] secret = "for carol".getBytes(StandardCharsets.UTF_8);
      alice.sendFile("secret.txt", secret);
      // carol, not in #dev, got nothing of the room's file: the one for her is her first frame.
      carol.expectFile("[PM] alice", "secret.txt", secret);
      // bob got nothing of carol's: his next frame is alice's next file, to the room again.
      byte[] after = "room file again".getBytes(StandardCharsets.UTF_8);
      alice.sendFile("after.txt", after);
      bob.expectFile("alice", "after.txt", after);
      Servers.assertSpoolEmptySoon(spool);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void anExtendedClientGetsStructuredEventsAndAnOriginalOneNever() throws IOException {
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer bob = RawPeer.joined(address, "bob")) {
      alice.expect(JOIN, "bob joined the chat.");
      bob.send(TEXT, "/extended 1");
      Event hello = event(bob.expectType(EVENT));
      assertEquals(Event.Kind.HELLO, hello.kind());
      assertEquals("bob", hello.to());
      Event resume = event(bob.expectType(EVENT));
      assertEquals(Event.Kind.RESUME, resume.kind());
      assertTrue(resume.text().matches("[A-Za-z0-9_-]{22}"), resume.text());
      Event entered = event(bob.expectType(EVENT));
      assertEquals(Event.Kind.ENTERED, entered.kind());
      assertEquals("#lobby", entered.room());
      assertEquals("alice,bob", entered.to());
      assertEquals(Event.Kind.ACTIVE, event(bob.expectType(EVENT)).kind());

      alice.send(TEXT, "hello bob");
      Event line = event(bob.expectType(EVENT));
      assertEquals(Event.Kind.MESSAGE, line.kind());
      assertEquals("#lobby", line.room());
      assertEquals("alice", line.from());
      assertEquals("hello bob", line.text());
      assertTrue(line.seq() > entered.seq(), "room order");
      assertTrue(Math.abs(line.timeMillis() - System.currentTimeMillis()) < 60_000, "server time");

      alice.send(TEXT, "/msg bob psst");
      Event pm = event(bob.expectType(EVENT));
      assertEquals(new Event(Event.Kind.PRIVATE, "", 0, pm.timeMillis(), "alice", "bob", "psst"), pm);
      bob.send(TEXT, "/msg alice back");
      alice.expect(TEXT, "[PM] bob::back");
      Event echo = event(bob.expectType(EVENT));
      assertEquals(Event.Kind.PRIVATE, echo.kind());
      assertEquals("bob", echo.from());
      assertEquals("alice", echo.to());

      bob.send(TEXT, "/join #dev");
      Event dev = event(bob.expectType(EVENT));
      assertEquals(Event.Kind.ENTERED, dev.kind());
      assertEquals("#dev", dev.room());
      // The original client never sees an EVENT frame: after all of the above, bob's next line
      // in #lobby is the next frame alice gets, in the original form.
      bob.send(TEXT, "/join #lobby");
      assertEquals(Event.Kind.ACTIVE, event(bob.expectType(EVENT)).kind());
      bob.send(TEXT, "back in the lobby");
      alice.expect(TEXT, "bob::back in the lobby");
    }
  }

  @Test
  void extendedVersionsOtherThanOneAreRefusedPolitely() throws IOException {
    try (RawPeer alice = RawPeer.joined(address, "alice")) {
      alice.send(TEXT, "/extended 2");
      alice.expect(ERROR, "Unsupported extended protocol version '2': this server speaks 1.");
      alice.send(TEXT, "/join");
      alice.expect(ERROR, "Usage: /join <room>");
      alice.send(TEXT, "/join #no!");
      String reason = alice.expectType(ERROR).text();
      assertTrue(reason.startsWith("Invalid room name: "), reason);
    }
  }

  /** The next frame that is not a server notice ({@code [Server] ...} TEXT or a JOIN). */
  private static RawPeer.Frame skipNotices(RawPeer peer) throws IOException {
    while (true) {
      RawPeer.Frame f = peer.read(Duration.ofSeconds(5));
      if (!(f.type() == JOIN || f.type() == TEXT && f.text().startsWith("[Server] "))) {
        return f;
      }
    }
  }

  private static Event event(RawPeer.Frame frame) {
    return Event.decodePayload(ByteString.fromArray(frame.payload())).orElseThrow();
  }

  @Test
  void filesAreNotSentToOneselfNorToNobody() throws IOException {
    try (RawPeer alice = RawPeer.joined(address, "alice")) {
      alice.send(TEXT, "/sendto nobody");
      alice.expect(TEXT, "[Server] Your next file goes to nobody only.");
      alice.sendFile("x.txt", new byte[] {1, 2, 3});
      alice.expect(ERROR, "No such user online: nobody. The file was not sent.");
      alice.send(TEXT, "/sendto ALICE");
      alice.expect(TEXT, "[Server] Your next file goes to ALICE only.");
      alice.sendFile("y.txt", new byte[] {4});
      alice.expect(ERROR, "You cannot send a file to yourself.");
      Servers.assertSpoolEmptySoon(spool);
    } catch (InterruptedException e) {
      throw new AssertionError(e);
    }
  }
}
