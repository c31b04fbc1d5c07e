package pekkochat.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static pekkochat.testing.RawPeer.ERROR;
import static pekkochat.testing.RawPeer.JOIN;
import static pekkochat.testing.RawPeer.LEAVE;
import static pekkochat.testing.RawPeer.TEXT;
import static pekkochat.testing.RawPeer.event;

import java.io.IOException;
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
 * Stored private messages over real TCP with the real store: a message to a registered nick that
 * is offline is kept and delivered at its next login, in order and once (a restart delivers
 * nothing twice, and keeps what was not delivered); {@code /history @nick} pages a conversation
 * for its two parties only; the cap on kept messages; and with history off, today's behaviour.
 */
class PrivateMessagesEndToEndTest {

  private static final int EVENT = 7;
  private static final String PASSWORD = "correct horse battery";

  @TempDir Path dir;

  private ChatServer start(Map<String, Object> overrides) throws ChatServer.StartFailed {
    Map<String, Object> all = new HashMap<>();
    all.put("pekko-chat.accounts.login-grace", "30s");
    all.put("pekko-chat.accounts.argon2.memory", "1 MiB");
    all.put("pekko-chat.accounts.argon2.iterations", 1);
    all.putAll(overrides);
    return Servers.start(dir, all);
  }

  private ChatServer start() throws ChatServer.StartFailed {
    return start(Map.of());
  }

  /** The next frame that is not someone's join or leave. */
  private static RawPeer.Frame next(RawPeer peer) throws IOException {
    while (true) {
      RawPeer.Frame f = peer.read(Duration.ofSeconds(10));
      if (f.type() != JOIN && f.type() != LEAVE) {
        return f;
      }
    }
  }

  private static void expect(RawPeer peer, int type, String text) throws IOException {
    RawPeer.Frame f = next(peer);
    assertEquals(type, f.type(), () -> "frame type of " + f);
    assertEquals(text, f.text());
  }



  private static void register(ChatServer server, String nick) throws IOException {
    try (RawPeer owner = RawPeer.joined(server.address(), nick)) {
      owner.send(TEXT, "/register " + PASSWORD);
      owner.awaitText("[Server] " + nick + " is registered to you.");
    }
  }

  /** Joins as {@code nick}, a registered nick, and logs in to it. */
  private static RawPeer loggedIn(ChatServer server, String nick) throws IOException {
    RawPeer peer = RawPeer.joinedOnceFree(server.address(), nick);
    peer.awaitText("[Server] " + nick + " is a registered nick");
    peer.send(TEXT, "/login " + nick + " " + PASSWORD);
    expect(peer, TEXT, "[Server] You are logged in as " + nick + ".");
    return peer;
  }

  /** Waits until {@code nick} is no longer online, as {@code asker}'s /users shows. */
  private static void awaitOffline(RawPeer asker, String nick) throws IOException, InterruptedException {
    for (int tries = 0; ; tries++) {
      asker.send(TEXT, "/users");
      String users = asker.awaitText("[Server] Online users: ");
      if (!List.of(users.substring("[Server] Online users: ".length()).split(", ")).contains(nick)) {
        return;
      }
      assertTrue(tries < 200, () -> nick + " still online: " + users);
      Thread.sleep(25);
    }
  }

  private static String kept(String nick) {
    return "[Server] " + nick + " is offline: your message is kept and delivered when " + nick + " logs in.";
  }

  /** What an original client is shown of a /history @nick answer: the lines without their id and time. */
  private static List<String> readHistory(RawPeer peer, List<Long> ids) throws IOException {
    peer.awaitText("[Server] Your conversation with ");
    List<String> lines = new ArrayList<>();
    while (true) {
      String text = peer.expectType(TEXT).text();
      if (text.startsWith("[Server] End of")) {
        lines.add(text);
        return lines;
      }
      var m = java.util.regex.Pattern.compile("\\[#(\\d+) \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\] (.*)").matcher(text);
      assertTrue(m.matches(), () -> "not a history line: " + text);
      ids.add(Long.parseLong(m.group(1)));
      lines.add(m.group(2));
    }
  }

  @Test
  void messagesToARegisteredNickOfflineAreKeptAndDeliveredAtItsLoginInOrderAndOnce() throws Exception {
    try (ChatServer server = start()) {
      register(server, "bob");
      try (RawPeer alice = RawPeer.joinedOnceFree(server.address(), "alice")) {
        for (String text : List.of("one", "two", "three")) {
          alice.send(TEXT, "/msg bob " + text);
          expect(alice, TEXT, kept("bob"));
        }
        // The original server's answer for a nick no one registered stays as it was.
        alice.send(TEXT, "/msg nobody hello");
        expect(alice, ERROR, "No such user online: nobody.");
        try (RawPeer bob = loggedIn(server, "bob")) {
          expect(bob, TEXT, "[Server] 3 private messages came while you were offline:");
          expect(bob, TEXT, "[PM] alice::one");
          expect(bob, TEXT, "[PM] alice::two");
          expect(bob, TEXT, "[PM] alice::three");
          // Online now: a message goes straight to it.
          alice.send(TEXT, "/msg bob four");
          expect(bob, TEXT, "[PM] alice::four");
        }
        // Delivered once: the next login finds only what came since.
        awaitOffline(alice, "bob");
        alice.send(TEXT, "/msg bob five");
        expect(alice, TEXT, kept("bob"));
        try (RawPeer bob = loggedIn(server, "bob")) {
          expect(bob, TEXT, "[Server] 1 private message came while you were offline:");
          expect(bob, TEXT, "[PM] alice::five");
        }
      }
    }
  }

  @Test
  void aRestartKeepsWhatWasNotDeliveredAndDeliversNothingTwice() throws Exception {
    try (ChatServer server = start()) {
      register(server, "bob");
      try (RawPeer alice = RawPeer.joinedOnceFree(server.address(), "alice")) {
        alice.send(TEXT, "/msg bob before the restart");
        expect(alice, TEXT, kept("bob"));
      }
    }
    try (ChatServer server = start()) {
      try (RawPeer bob = loggedIn(server, "bob")) {
        expect(bob, TEXT, "[Server] 1 private message came while you were offline:");
        expect(bob, TEXT, "[PM] alice::before the restart");
      }
      try (RawPeer alice = RawPeer.joinedOnceFree(server.address(), "alice")) {
        awaitOffline(alice, "bob");
        alice.send(TEXT, "/msg bob after the first delivery");
        expect(alice, TEXT, kept("bob"));
      }
    }
    try (ChatServer server = start()) {
      try (RawPeer bob = loggedIn(server, "bob")) {
        // Only what came after the delivery: the first message is not delivered again.
        expect(bob, TEXT, "[Server] 1 private message came while you were offline:");
        expect(bob, TEXT, "[PM] alice::after the first delivery");
      }
    }
  }

  @Test
  void historyAtNickPagesAConversationForItsTwoPartiesOnly() throws Exception {
    try (ChatServer server = start()) {
      register(server, "alice");
      register(server, "bob");
      register(server, "carol");
      try (RawPeer alice = loggedIn(server, "alice");
          RawPeer bob = loggedIn(server, "bob");
          RawPeer carol = loggedIn(server, "carol");
          RawPeer eve = RawPeer.joined(server.address(), "eve")) {
        for (String text : List.of("a1", "a2", "a3")) {
          alice.send(TEXT, "/msg bob " + text);
          expect(bob, TEXT, "[PM] alice::" + text);
        }
        for (String text : List.of("b1", "b2")) {
          bob.send(TEXT, "/msg ALICE " + text);
          expect(alice, TEXT, "[PM] bob::" + text);
        }
        // Both directions, for either party, oldest first.
        alice.send(TEXT, "/history @bob");
        List<Long> ids = new ArrayList<>();
        assertEquals(List.of("[PM] alice::a1", "[PM] alice::a2", "[PM] alice::a3", "[PM] bob::b1", "[PM] bob::b2",
            "[Server] End of your conversation with bob."), readHistory(alice, ids));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), ids);
        // The other party pages back.
        bob.send(TEXT, "/history @Alice 2");
        assertEquals(List.of("[PM] bob::b1", "[PM] bob::b2", "[Server] End of history. Older lines: /history @Alice 2 before 4"),
            readHistory(bob, new ArrayList<>()));
        bob.send(TEXT, "/history @Alice 2 before 4");
        assertEquals(List.of("[PM] alice::a2", "[PM] alice::a3", "[Server] End of history. Older lines: /history @Alice 2 before 2"),
            readHistory(bob, new ArrayList<>()));
        bob.send(TEXT, "/history @Alice 2 before 2");
        assertEquals(List.of("[PM] alice::a1", "[Server] End of your conversation with Alice."), readHistory(bob, new ArrayList<>()));
        // A third party names one of them and gets its own conversation with it, which is empty.
        carol.send(TEXT, "/history @bob");
        expect(carol, TEXT, "[Server] Your conversation with bob has no history yet.");
        // And a nick not logged in to, which anyone could have taken, pages nothing.
        eve.send(TEXT, "/history @bob");
        expect(eve, ERROR, "Only a nick you are logged in to has private conversations to page: /register <password>, or /login.");
        // An extended client: HISTORY-bracketed PRIVATE events with their id, time and sender.
        alice.send(TEXT, "/extended 1");
        assertEquals(Event.Kind.HELLO, event(alice.expectType(EVENT)).kind());
        alice.send(TEXT, "/history @bob 2");
        // After what entering the extended protocol in #lobby brings (ENTERED, its history, ACTIVE).
        Event begin;
        do {
          begin = event(alice.expectType(EVENT));
        } while (!begin.room().equals("@bob"));
        assertEquals(Event.Kind.HISTORY, begin.kind());
        assertEquals("begin", begin.text());
        assertEquals("2", begin.to());
        Event b1 = event(alice.expectType(EVENT));
        assertEquals(Event.Kind.PRIVATE, b1.kind());
        assertEquals(4, b1.seq());
        assertEquals("bob", b1.from());
        assertEquals("b1", b1.text());
        assertTrue(b1.timeMillis() <= System.currentTimeMillis() && b1.timeMillis() > System.currentTimeMillis() - 60_000);
        assertEquals("b2", event(alice.expectType(EVENT)).text());
        Event end = event(alice.expectType(EVENT));
        assertEquals(Event.Kind.HISTORY, end.kind());
        assertEquals("more", end.to());
      }
    }
  }

  @Test
  void whoeverRegistersANickLaterPagesNothingSaidToItBefore() throws Exception {
    try (ChatServer server = start()) {
      register(server, "alice");
      try (RawPeer alice = loggedIn(server, "alice")) {
        // bob is not registered: anyone may go by it, and this one does.
        try (RawPeer oldBob = RawPeer.joined(server.address(), "bob")) {
          oldBob.send(TEXT, "/msg alice my secret");
          expect(alice, TEXT, "[PM] bob::my secret");
          alice.send(TEXT, "/msg bob noted");
          expect(oldBob, TEXT, "[PM] alice::noted");
        }
        awaitOffline(alice, "bob");
        // Someone else takes bob and registers it: what was said to the earlier bob is not theirs.
        register(server, "bob");
        try (RawPeer newBob = loggedIn(server, "bob")) {
          newBob.send(TEXT, "/history @alice");
          expect(newBob, TEXT, "[Server] Your conversation with alice has no history yet.");
          newBob.send(TEXT, "/msg alice hello, I am the new bob");
          expect(alice, TEXT, "[PM] bob::hello, I am the new bob");
          newBob.send(TEXT, "/history @alice");
          assertEquals(List.of("[PM] bob::hello, I am the new bob", "[Server] End of your conversation with alice."),
              readHistory(newBob, new ArrayList<>()));
          // alice was registered all along: the whole conversation is hers.
          alice.send(TEXT, "/history @bob");
          assertEquals(List.of("[PM] bob::my secret", "[PM] alice::noted", "[PM] bob::hello, I am the new bob",
              "[Server] End of your conversation with bob."), readHistory(alice, new ArrayList<>()));
        }
      }
    }
  }

  /** What an original client is shown of a room's /history: the lines without their id and time, and the end. */
  private static List<String> readRoomHistory(RawPeer peer) throws IOException {
    peer.awaitText("[Server] History of ");
    List<String> lines = new ArrayList<>();
    while (true) {
      String text = peer.expectType(TEXT).text();
      lines.add(text.startsWith("[Server] End of") ? text : text.replaceFirst("^\\[#\\d+ [^\\]]*\\] ", ""));
      if (text.startsWith("[Server] End of")) {
        return lines;
      }
    }
  }


  /** Waits until {@code persistenceId} has at most {@code most} rows in the store; returns how many it has. */
  private long awaitStoredAtMost(String persistenceId, long most) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    long rows;
    while ((rows = pekkochat.testing.TestStore.journalRows(dir, persistenceId)) > most && System.nanoTime() < deadline) {
      Thread.sleep(50); // the deletion follows the snapshot, or the next sweep
    }
    return rows;
  }

  @Test
  void retentionByCountKeepsAConversationToItsLastLinesShownStoredAndAfterARestart() throws Exception {
    Map<String, Object> settings = Map.of(
        "pekko-chat.private.max-lines-per-conversation", 5,
        "pekko-chat.history.snapshot-every", 5,
        "pekko-chat.server.flood.burst", 1000);
    try (ChatServer server = start(settings)) {
      register(server, "alice");
      try (RawPeer alice = loggedIn(server, "alice");
          RawPeer bob = RawPeer.joined(server.address(), "bob")) {
        for (int i = 1; i <= 22; i++) {
          alice.send(TEXT, "/msg bob m" + i);
        }
        for (int i = 1; i <= 22; i++) {
          expect(bob, TEXT, "[PM] alice::m" + i);
        }
        List<Long> ids = new ArrayList<>();
        alice.send(TEXT, "/history @bob 100");
        assertEquals(List.of("[PM] alice::m18", "[PM] alice::m19", "[PM] alice::m20", "[PM] alice::m21", "[PM] alice::m22",
            "[Server] End of your conversation with bob."), readHistory(alice, ids));
        assertEquals(List.of(18L, 19L, 20L, 21L, 22L), ids);
        // Paging back stops at the limit too.
        alice.send(TEXT, "/history @bob 3 before 20");
        assertEquals(List.of("[PM] alice::m18", "[PM] alice::m19", "[Server] End of your conversation with bob."),
            readHistory(alice, new ArrayList<>()));
        // The snapshot at 20 deleted what is older than its last 5: at most 5 + 2 rows are left.
        long rows = awaitStoredAtMost("pm|alice|bob", 7);
        assertTrue(rows <= 7 && rows >= 5, "lines kept in the store: " + rows);
      }
    }
    try (ChatServer server = start(settings);
        RawPeer alice = loggedIn(server, "alice");
        RawPeer bob = RawPeer.joined(server.address(), "bob")) {
      alice.send(TEXT, "/msg bob after the restart");
      expect(bob, TEXT, "[PM] alice::after the restart");
      List<Long> ids = new ArrayList<>();
      alice.send(TEXT, "/history @bob");
      assertEquals(List.of("[PM] alice::m19", "[PM] alice::m20", "[PM] alice::m21", "[PM] alice::m22", "[PM] alice::after the restart",
          "[Server] End of your conversation with bob."), readHistory(alice, ids));
      assertEquals(List.of(19L, 20L, 21L, 22L, 23L), ids, "numbering goes on from the last stored line");
    }
  }

  @Test
  void retentionByAgeDeletesOldPrivateLinesFromTheStoreAndNeverShowsThem() throws Exception {
    Map<String, Object> settings = Map.of(
        "pekko-chat.private.max-age", "2s",
        "pekko-chat.history.age-check-interval", "200ms");
    try (ChatServer server = start(settings)) {
      register(server, "alice");
      try (RawPeer alice = loggedIn(server, "alice");
          RawPeer bob = RawPeer.joined(server.address(), "bob")) {
        bob.send(TEXT, "a room line");
        alice.awaitText("bob::a room line");
        for (String text : List.of("old1", "old2", "old3")) {
          alice.send(TEXT, "/msg bob " + text);
          expect(bob, TEXT, "[PM] alice::" + text);
        }
        alice.send(TEXT, "/history @bob");
        assertEquals(List.of("[PM] alice::old1", "[PM] alice::old2", "[PM] alice::old3", "[Server] End of your conversation with bob."),
            readHistory(alice, new ArrayList<>()), "fresh lines are shown");
        // Once they are past max-age, /history @bob shows none of them (deleted or not yet).
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
          alice.send(TEXT, "/history @bob");
          String head = alice.awaitText("[Server] Your conversation with bob");
          if (head.equals("[Server] Your conversation with bob has no history yet.")) {
            break;
          }
          alice.awaitText("[Server] End of");
          assertTrue(System.nanoTime() < deadline, "lines still shown 20 s later");
          Thread.sleep(100); // until they are 2 s old
        }
        // Every one is deleted from the store, though no snapshot covers them.
        assertEquals(0, awaitStoredAtMost("pm|alice|bob", 0), "old private lines deleted from the store");
        alice.send(TEXT, "/msg bob new");
        expect(bob, TEXT, "[PM] alice::new");
        List<Long> ids = new ArrayList<>();
        alice.send(TEXT, "/history @bob");
        assertEquals(List.of("[PM] alice::new", "[Server] End of your conversation with bob."), readHistory(alice, ids));
        assertEquals(List.of(4L), ids, "the running conversation numbers on");
        // Rooms have no max-age here: the private one touches nothing else.
        bob.send(TEXT, "/history");
        assertEquals(List.of("bob::a room line", "[Server] End of history of #lobby."), readRoomHistory(bob));
      }
    }
  }

  @Test
  void beyondTheCapASenderIsRefusedAndWhatWasKeptIsDelivered() throws Exception {
    try (ChatServer server = start(Map.of("pekko-chat.private.max-kept-per-recipient", 2))) {
      register(server, "bob");
      try (RawPeer alice = RawPeer.joinedOnceFree(server.address(), "alice")) {
        alice.send(TEXT, "/msg bob one");
        expect(alice, TEXT, kept("bob"));
        alice.send(TEXT, "/msg bob two");
        expect(alice, TEXT, kept("bob"));
        alice.send(TEXT, "/msg bob three");
        expect(alice, ERROR, "bob is offline and has 2 private messages waiting, the most kept for anyone: yours was not kept.");
        try (RawPeer bob = loggedIn(server, "bob")) {
          expect(bob, TEXT, "[Server] 2 private messages came while you were offline:");
          expect(bob, TEXT, "[PM] alice::one");
          expect(bob, TEXT, "[PM] alice::two");
        }
        // Emptied by the delivery: room for more.
        awaitOffline(alice, "bob");
        alice.send(TEXT, "/msg bob four");
        expect(alice, TEXT, kept("bob"));
      }
    }
  }

  @Test
  void withHistoryOffNothingIsKeptAsOnTheOriginalServer() throws Exception {
    try (ChatServer server = start(Map.of("pekko-chat.history.enabled", false));
        RawPeer alice = RawPeer.joinedOnceFree(server.address(), "alice");
        RawPeer bob = RawPeer.joined(server.address(), "bob")) {
      alice.send(TEXT, "/msg bob hi");
      expect(bob, TEXT, "[PM] alice::hi");
      alice.send(TEXT, "/msg carol hi");
      expect(alice, ERROR, "No such user online: carol.");
      alice.send(TEXT, "/history @bob");
      expect(alice, ERROR, "This server keeps no history.");
    }
  }
}
