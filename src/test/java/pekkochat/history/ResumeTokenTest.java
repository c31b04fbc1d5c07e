package pekkochat.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static pekkochat.testing.RawPeer.ERROR;
import static pekkochat.testing.RawPeer.JOIN;
import static pekkochat.testing.RawPeer.TEXT;
import static pekkochat.testing.RawPeer.event;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pekkochat.chat.Users;
import pekkochat.protocol.Event;
import pekkochat.server.ChatServer;
import pekkochat.testing.CutProxy;
import pekkochat.testing.RawPeer;
import pekkochat.testing.Servers;

/**
 * Resuming a connection the server still holds, over real TCP: {@code /resume <token> <count>}
 * takes the nick over from a connection whose client vanished without the server noticing, and
 * hands over exactly the private messages that connection was sent and its client did not get.
 */
class ResumeTokenTest {

  private static final int EVENT = 7;

  @TempDir Path dir;

  private static final Map<String, Object> NO_FLOOD = Map.of("pekko-chat.server.flood.burst", 100_000, "pekko-chat.server.flood.rate", 100_000);

  /** Reads until an EVENT of {@code kind}, skipping the rest (at most 200 frames). */
  private static Event awaitEvent(RawPeer peer, Event.Kind kind) throws IOException {
    for (int i = 0; i < 200; i++) {
      RawPeer.Frame f = peer.read(Duration.ofSeconds(10));
      if (f.type() == EVENT && event(f).kind() == kind) {
        return event(f);
      }
    }
    throw new AssertionError("no " + kind + " event");
  }

  /** Negotiates the extended protocol and returns the connection's resume token. */
  private static String extend(RawPeer peer) throws IOException {
    peer.send(TEXT, "/extended 1");
    Event hello = awaitEvent(peer, Event.Kind.HELLO);
    assertTrue(hello.text().contains("resume"), "HELLO offers resume: " + hello.text());
    String token = awaitEvent(peer, Event.Kind.RESUME).text();
    assertEquals(22, token.length(), token);
    return token;
  }

  @Test
  void aResumeTakesTheNickFromADeadConnectionAndHandsOverExactlyThePrivateMessagesItsClientMissed() throws Exception {
    try (ChatServer server = Servers.start(dir, NO_FLOOD);
        CutProxy proxy = new CutProxy(server.address());
        RawPeer bob = RawPeer.joined(server.address(), "bob")) {
      RawPeer alice = RawPeer.joined(proxy.address(), "alice");
      String token = extend(alice);
      // alice sends one herself: its echo counts as a private event too.
      alice.send(TEXT, "/msg bob from alice");
      int total = 40;
      for (int i = 1; i <= total; i++) {
        bob.send(TEXT, "/msg alice pm" + i);
      }
      List<String> got = new ArrayList<>();
      long received = 0;
      while (got.size() < 15) {
        RawPeer.Frame f = alice.read(Duration.ofSeconds(10));
        if (f.type() == EVENT && event(f).kind() == Event.Kind.PRIVATE) {
          received++;
          if (event(f).from().equals("bob")) {
            got.add(event(f).text());
          }
        }
      }
      // Her client vanishes; the server still holds the connection (nothing told it otherwise).
      proxy.cutClientSides();
      for (int i = total + 1; i <= total + 10; i++) {
        bob.send(TEXT, "/msg alice pm" + i);
      }
      bob.send(TEXT, "/users");
      assertTrue(bob.awaitText("[Server] Online users:").contains("alice"), "the server still has alice online");
      // Without the token the name is still taken ...
      try (RawPeer other = RawPeer.connect(server.address())) {
        other.send(JOIN, "alice");
        assertEquals(Users.TAKEN, other.expectType(ERROR).text());
      }
      // ... with it, the new connection takes it over at once.
      try (RawPeer back = RawPeer.connect(server.address())) {
        back.send(TEXT, "/resume " + token + " " + received);
        back.expect(TEXT, "Welcome! Type /help for commands.");
        String newToken = extend(back);
        assertNotEquals(token, newToken, "a new token for the new connection");
        bob.send(TEXT, "/msg alice live");
        while (true) {
          RawPeer.Frame f = back.read(Duration.ofSeconds(10));
          if (f.type() == EVENT && event(f).kind() == Event.Kind.PRIVATE && event(f).from().equals("bob")) {
            if (event(f).text().equals("live")) {
              break;
            }
            got.add(event(f).text());
          }
        }
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= total + 10; i++) {
          expected.add("pm" + i);
        }
        assertEquals(expected, got, "every private message once, in order");
        // The old connection was closed by the resume: bob sees alice once, the new one.
        bob.send(TEXT, "/users");
        String users = bob.awaitText("[Server] Online users:");
        assertEquals(1, users.split("alice", -1).length - 1, users);
      }
      proxy.releaseServerSides();
    }
  }

  @Test
  void privateMessagesSentWhileTheResumeHandsOverAreNeitherLostNorDoubled() throws Exception {
    int total = 400;
    try (ChatServer server = Servers.start(dir, NO_FLOOD);
        RawPeer bob = RawPeer.joined(server.address(), "bob")) {
      RawPeer alice = RawPeer.joined(server.address(), "alice");
      String token = extend(alice);
      java.util.concurrent.atomic.AtomicReference<Exception> failed = new java.util.concurrent.atomic.AtomicReference<>();
      Thread sender = new Thread(() -> {
        try {
          for (int i = 1; i <= total; i++) {
            bob.send(TEXT, "/msg alice pm" + i);
          }
        } catch (Exception e) {
          failed.set(e);
        }
      }, "bob-sends");
      sender.start();
      List<String> got = new ArrayList<>();
      long received = 0;
      while (received < 60) {
        RawPeer.Frame f = alice.read(Duration.ofSeconds(10));
        if (f.type() == EVENT && event(f).kind() == Event.Kind.PRIVATE) {
          received++;
          got.add(event(f).text());
        }
      }
      // alice reads no more; a new connection resumes hers while bob is still sending.
      try (RawPeer back = RawPeer.connect(server.address())) {
        back.send(TEXT, "/resume " + token + " " + received);
        back.expect(TEXT, "Welcome! Type /help for commands.");
        extend(back);
        sender.join();
        assertEquals(null, failed.get());
        bob.send(TEXT, "/msg alice live");
        while (true) {
          RawPeer.Frame f = back.read(Duration.ofSeconds(10));
          if (f.type() == EVENT && event(f).kind() == Event.Kind.PRIVATE) {
            if (event(f).text().equals("live")) {
              break;
            }
            got.add(event(f).text());
          }
        }
      }
      List<String> expected = new ArrayList<>();
      for (int i = 1; i <= total; i++) {
        expected.add("pm" + i);
      }
      assertEquals(expected, got, "every one once, in order");
      // The resumed connection was told why it ends.
      List<String> seen = new ArrayList<>();
      try {
        while (true) {
          seen.add(alice.read(Duration.ofSeconds(10)).text());
        }
      } catch (java.io.EOFException | java.net.SocketException closed) {
        // closed by the server
      }
      assertTrue(seen.contains(Event.RESUMED_ELSEWHERE), "told why: " + seen.subList(Math.max(0, seen.size() - 3), seen.size()));
    }
  }

  @Test
  void whatWaitsBehindAHandoverIsBoundedInBytesAndTheRestCountedAsLost() throws Exception {
    Map<String, Object> config = new java.util.HashMap<>(NO_FLOOD);
    config.put("pekko-chat.server.resume-buffer-bytes", "8 KiB"); // three lines of 1,000 characters
    try (ChatServer server = Servers.start(dir, config);
        RawPeer bob = RawPeer.joined(server.address(), "bob")) {
      extend(bob); // bob gets an echo of each message once it has reached alice's session
      RawPeer alice = RawPeer.joined(server.address(), "alice");
      String token = extend(alice);
      try (RawPeer back = RawPeer.connect(server.address())) {
        back.send(TEXT, "/resume " + token + " 0");
        back.expect(TEXT, "Welcome! Type /help for commands.");
        // Before back asks for events, ten long messages come: they wait behind the handover.
        String long1000 = "x".repeat(990);
        for (int i = 1; i <= 10; i++) {
          bob.send(TEXT, "/msg alice " + String.format("pm%02d ", i) + long1000);
        }
        for (int echoes = 0; echoes < 10; ) {
          RawPeer.Frame f = bob.read(Duration.ofSeconds(10));
          if (f.type() == EVENT && event(f).kind() == Event.Kind.PRIVATE && event(f).from().equals("bob")) {
            echoes++;
          }
        }
        extend(back);
        String notice = back.awaitText("[Server] ");
        assertTrue(notice.startsWith("[Server] 7 private messages sent to you while you were away are no longer held"), notice);
        List<String> got = new ArrayList<>();
        while (got.size() < 3) {
          RawPeer.Frame f = back.read(Duration.ofSeconds(10));
          if (f.type() == EVENT && event(f).kind() == Event.Kind.PRIVATE) {
            got.add(event(f).text().substring(0, 4));
          }
        }
        assertEquals(List.of("pm08", "pm09", "pm10"), got, "the latest that fit");
      }
    }
  }

  @Test
  void aTokenIsGoodUntilTheNewConnectionHasItsOwnAndAnUnknownOneLeavesTheConnectionFreeToJoin() throws Exception {
    try (ChatServer server = Servers.start(dir, NO_FLOOD)) {
      RawPeer alice = RawPeer.joined(server.address(), "alice");
      String token = extend(alice);
      try (RawPeer back = RawPeer.connect(server.address());
          RawPeer back2 = RawPeer.connect(server.address())) {
        back.send(TEXT, "/resume " + token + " 0");
        back.expect(TEXT, "Welcome! Type /help for commands.");
        alice.expectClosed(); // the resumed connection is closed
        // back dies before it hears a token of its own: the old one resumes it in turn ...
        back2.send(TEXT, "/resume " + token + " 0");
        back2.expect(TEXT, "Welcome! Type /help for commands.");
        back.expectClosed();
        // ... until the connection has its own: then the old one is spent.
        String own = extend(back2);
        assertNotEquals(token, own);
        try (RawPeer again = RawPeer.connect(server.address())) {
          again.send(TEXT, "/resume " + token + " 0");
          assertEquals(Users.UNKNOWN_TOKEN, again.expectType(ERROR).text(), "spent");
          again.send(TEXT, "/resume not-a-token 0");
          assertEquals(Users.UNKNOWN_TOKEN, again.expectType(ERROR).text(), "malformed");
          again.send(TEXT, "/resume");
          assertTrue(again.expectType(ERROR).text().startsWith("Usage before JOIN: /resume"));
          again.send(TEXT, "/resume " + token + " -1");
          assertTrue(again.expectType(ERROR).text().startsWith("Usage before JOIN: /resume"));
          again.send(TEXT, "/users");
          assertEquals("Invalid JOIN message.", again.expectType(ERROR).text(), "no other command before JOIN");
          again.send(JOIN, "carol");
          again.expect(TEXT, "Welcome! Type /help for commands.");
        }
      }
    }
  }

  @Test
  void aClaimedCountBeyondWhatWasSentMissesNothingAndAnOldGapIsCountedAndTold() throws Exception {
    Map<String, Object> config = new java.util.HashMap<>(NO_FLOOD);
    config.put("pekko-chat.server.resume-buffer", 5);
    try (ChatServer server = Servers.start(dir, config);
        RawPeer bob = RawPeer.joined(server.address(), "bob")) {
      RawPeer alice = RawPeer.joined(server.address(), "alice");
      String token = extend(alice);
      for (int i = 1; i <= 12; i++) {
        bob.send(TEXT, "/msg alice pm" + i);
      }
      for (int seen = 0; seen < 12; ) {
        RawPeer.Frame f = alice.read(Duration.ofSeconds(10));
        if (f.type() == EVENT && event(f).kind() == Event.Kind.PRIVATE) {
          seen++;
        }
      }
      try (RawPeer back = RawPeer.connect(server.address())) {
        back.send(TEXT, "/resume " + token + " 2"); // only the latest 5 are held: 3 to 7 are gone
        back.expect(TEXT, "Welcome! Type /help for commands.");
        extend(back);
        assertTrue(back.awaitText("[Server] 5 private messages sent to you while you were away are no longer held").contains("/history @nick"));
        List<String> got = new ArrayList<>();
        while (got.size() < 5) {
          RawPeer.Frame f = back.read(Duration.ofSeconds(10));
          if (f.type() == EVENT && event(f).kind() == Event.Kind.PRIVATE) {
            got.add(event(f).text());
          }
        }
        assertEquals(List.of("pm8", "pm9", "pm10", "pm11", "pm12"), got);
        back.send(TEXT, "/users");
        while (true) {
          RawPeer.Frame f = back.read(Duration.ofSeconds(10));
          assertFalse(f.type() == EVENT && event(f).kind() == Event.Kind.PRIVATE, "nothing handed over twice: " + f);
          if (f.type() == TEXT && f.text().startsWith("[Server] Online users:")) {
            break;
          }
        }
      }
    }
  }

}
