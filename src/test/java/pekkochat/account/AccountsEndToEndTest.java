package pekkochat.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static pekkochat.testing.RawPeer.ERROR;
import static pekkochat.testing.RawPeer.JOIN;
import static pekkochat.testing.RawPeer.TEXT;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import pekkochat.server.ChatServer;
import pekkochat.testing.RawPeer;
import pekkochat.testing.Servers;

/**
 * Accounts over real TCP with the real store (H2 in a temp directory), every client a raw peer
 * speaking the original protocol, so an original client can use an account by typing commands:
 * register, log in, wrong passwords and throttling, a squatter renamed after the grace, a login
 * within the grace, a login taking the nick from a squatter, accounts surviving a restart, and
 * the password never reaching the log.
 */
class AccountsEndToEndTest {

  private static final String PASSWORD = "correct horse battery";

  @TempDir Path dir;

  private ChatServer start(Map<String, Object> overrides) throws ChatServer.StartFailed {
    Map<String, Object> all = new HashMap<>();
    all.put("pekko-chat.accounts.login-grace", "1s");
    // Cheap hashes: the tests check the flow, not the cost.
    all.put("pekko-chat.accounts.argon2.memory", "1 MiB");
    all.put("pekko-chat.accounts.argon2.iterations", 1);
    all.putAll(overrides);
    return Servers.start(dir, all);
  }

  private ChatServer start() throws ChatServer.StartFailed {
    return start(Map.of());
  }


  /** The next TEXT or ERROR frame, skipping the joins and leaves of others. */
  private static RawPeer.Frame next(RawPeer peer) throws IOException {
    while (true) {
      RawPeer.Frame f = peer.read(Duration.ofSeconds(10));
      if (f.type() != JOIN && f.type() != pekkochat.testing.RawPeer.LEAVE) {
        return f;
      }
    }
  }

  private static void expect(RawPeer peer, int type, String text) throws IOException {
    RawPeer.Frame f = next(peer);
    assertEquals(type, f.type(), () -> "frame type of " + f);
    assertEquals(text, f.text());
  }

  private static String expectType(RawPeer peer, int type) throws IOException {
    RawPeer.Frame f = next(peer);
    assertEquals(type, f.type(), () -> "frame type of " + f);
    return f.text();
  }

  /** Joins as {@code nick} and registers it. */
  private static void register(ChatServer server, String nick, String password) throws IOException {
    try (RawPeer owner = RawPeer.joined(server.address(), nick)) {
      owner.send(TEXT, "/register " + password);
      assertEquals("[Server] " + nick + " is registered to you. Next time, /login " + nick + " <password> keeps it.",
          owner.awaitText("[Server] " + nick + " is registered"));
    }
  }

  @Test
  void aRegisteredNickAsksForItsPasswordAndTheRightOneKeepsIt() throws Exception {
    try (ChatServer server = start()) {
      register(server, "alice", PASSWORD);
      try (RawPeer alice = RawPeer.joinedOnceFree(server.address(), "alice");
          RawPeer witness = RawPeer.joined(server.address(), "witness")) {
        assertEquals("[Server] alice is a registered nick: /login alice <password> within 1 s, or you will be renamed.",
            expectType(alice, TEXT));
        alice.send(TEXT, "/login alice not the password");
        expect(alice, ERROR, "Wrong password for alice.");
        alice.send(TEXT, "/login alice " + PASSWORD);
        expect(alice, TEXT, "[Server] You are logged in as alice.");
        // Past the grace, still alice: the witness's /users says so, and alice was never told otherwise.
        alice.expectNothing(Duration.ofMillis(1500));
        witness.send(TEXT, "/users");
        String users = witness.awaitText("[Server] Online users: ");
        assertTrue(users.contains("alice"), users);
        assertFalse(users.contains("guest-"), users);
        // Registering again is refused: it is registered already.
        alice.send(TEXT, "/register another password");
        expect(alice, ERROR, "alice is registered already.");
      }
    }
  }

  @Test
  void aSquatterIsRenamedToAGuestAfterTheGraceAndEveryoneSeesIt() throws Exception {
    try (ChatServer server = start()) {
      register(server, "alice", PASSWORD);
      register(server, "bob", PASSWORD);
      try (RawPeer witness = RawPeer.joined(server.address(), "witness");
          RawPeer squatter = RawPeer.joined(server.address(), "ALICE")) {
        witness.expect(JOIN, "ALICE joined the chat.");
        squatter.awaitText("[Server] ALICE is a registered nick: /login ALICE <password> within 1 s");
        expect(squatter, TEXT, "[Server] You did not log in as ALICE in time.");
        String renamed = expectType(squatter, TEXT);
        assertTrue(renamed.matches("\\[Server\\] You are now known as guest-\\d{4}\\."), renamed);
        String guest = renamed.substring("[Server] You are now known as ".length(), renamed.length() - 1);
        assertEquals("[Server] ALICE is now known as " + guest + ".", witness.awaitText("[Server] ALICE is now known as"));
        // ... and the nick is free for its owner, who logs in while joining under it.
        try (RawPeer owner = RawPeer.joinedOnceFree(server.address(), "alice")) {
          owner.send(TEXT, "/login alice " + PASSWORD);
          owner.awaitText("[Server] You are logged in as alice.");
        }
        // A /nick to a registered nick is a squat too.
        squatter.send(TEXT, "/nick bob");
        expect(squatter, TEXT, "[Server] You are now known as bob.");
        expect(squatter, TEXT, "[Server] bob is a registered nick: /login bob <password> within 1 s, or you will be renamed.");
        expect(squatter, TEXT, "[Server] You did not log in as bob in time.");
        assertTrue(expectType(squatter, TEXT).startsWith("[Server] You are now known as guest-"));
      }
    }
  }

  @Test
  void loggingInTakesTheNickFromASquatterAtOnce() throws Exception {
    try (ChatServer server = start(Map.of("pekko-chat.accounts.login-grace", "60s"))) {
      register(server, "alice", PASSWORD);
      try (RawPeer squatter = RawPeer.joinedOnceFree(server.address(), "alice");
          RawPeer owner = RawPeer.joined(server.address(), "alice2")) {
        squatter.awaitText("[Server] alice is a registered nick");
        owner.send(TEXT, "/login alice " + PASSWORD);
        expect(owner, TEXT, "[Server] You are logged in as alice.");
        owner.awaitText("[Server] You are now known as alice."); // (the room may tell of the squatter's rename first)
        expect(squatter, ERROR, "You were renamed: alice logged in from another connection.");
        assertTrue(expectType(squatter, TEXT).startsWith("[Server] You are now known as guest-"));
        // A second login elsewhere does not take it from a connection logged in to it.
        try (RawPeer third = RawPeer.joined(server.address(), "carol")) {
          third.send(TEXT, "/login alice " + PASSWORD);
          expect(third, TEXT, "[Server] You are logged in as alice.");
          expect(third, ERROR, "You are logged in, but alice is in use by another connection logged in to it; you keep your nick.");
        }
      }
    }
  }

  @Test
  void failedLoginsAreThrottledPerAccountAndPerAddress() throws Exception {
    Map<String, Object> settings = Map.of(
        "pekko-chat.accounts.max-failures-per-account", 3,
        "pekko-chat.accounts.max-failures-per-address", 4,
        "pekko-chat.accounts.cool-down", "42s");
    try (ChatServer server = start(settings)) {
      register(server, "alice", PASSWORD);
      register(server, "bob", PASSWORD);
      try (RawPeer guesser = RawPeer.connectFrom(server.address(), "127.0.0.2")) {
        guesser.send(JOIN, "mallory");
        guesser.expect(TEXT, "Welcome! Type /help for commands.");
        guesser.send(TEXT, "/login alice guess one");
        expect(guesser, ERROR, "Wrong password for alice.");
        guesser.send(TEXT, "/login alice guess two");
        expect(guesser, ERROR, "Wrong password for alice.");
        guesser.send(TEXT, "/login alice guess three");
        expect(guesser, ERROR, "Wrong password for alice. Too many login attempts for alice; try again in 42 s.");
        // Now even the right password is not checked, from anywhere.
        guesser.send(TEXT, "/login alice " + PASSWORD);
        String refused = expectType(guesser, ERROR);
        assertTrue(refused.matches("Too many login attempts for alice; try again in 4[12] s\\."), refused);
        try (RawPeer elsewhere = RawPeer.connectFrom(server.address(), "127.0.0.3")) {
          elsewhere.send(JOIN, "someone");
          elsewhere.expect(TEXT, "Welcome! Type /help for commands.");
          elsewhere.send(TEXT, "/login alice " + PASSWORD);
          assertTrue(expectType(elsewhere, ERROR).startsWith("Too many login attempts for alice"));
          // The fourth failure from 127.0.0.2 (on another account) blocks that address ...
          guesser.send(TEXT, "/login bob guess four");
          expect(guesser, ERROR, "Wrong password for bob.");
          guesser.send(TEXT, "/login bob " + PASSWORD);
          assertTrue(expectType(guesser, ERROR).startsWith("Too many login attempts from your address; try again in"));
          // ... and no other.
          elsewhere.send(TEXT, "/login bob " + PASSWORD);
          expect(elsewhere, TEXT, "[Server] You are logged in as bob.");
        }
      }
    }
  }

  @Test
  void accountsSurviveARestart() throws Exception {
    try (ChatServer server = start()) {
      register(server, "alice", PASSWORD);
    }
    try (ChatServer server = start();
        RawPeer alice = RawPeer.joinedOnceFree(server.address(), "alice")) {
      expect(alice, TEXT, "[Server] alice is a registered nick: /login alice <password> within 1 s, or you will be renamed.");
      alice.send(TEXT, "/login alice wrong password");
      expect(alice, ERROR, "Wrong password for alice.");
      alice.send(TEXT, "/login alice " + PASSWORD);
      expect(alice, TEXT, "[Server] You are logged in as alice.");
    }
  }

  @Test
  void thePasswordNeverReachesTheLog() throws Exception {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Logger ours = context.getLogger("pekkochat");
    Level before = ours.getLevel();
    ListAppender<ILoggingEvent> captured = new ListAppender<>();
    captured.setContext(context);
    captured.start();
    root.addAppender(captured);
    ours.setLevel(Level.DEBUG);
    String secret = "s3cret-Passw0rd-xyzzy";
    try (ChatServer server = start()) {
      register(server, "alice", secret);
      try (RawPeer alice = RawPeer.joinedOnceFree(server.address(), "alice")) {
        alice.awaitText("[Server] alice is a registered nick");
        alice.send(TEXT, "/login alice " + secret + "-wrong");
        expect(alice, ERROR, "Wrong password for alice.");
        alice.send(TEXT, "/login alice " + secret);
        alice.awaitText("[Server] You are logged in as alice.");
        alice.send(TEXT, "/login");
        expect(alice, ERROR, "Usage: /login <nick> <password>");
        alice.send(TEXT, "/register " + secret);
        expect(alice, ERROR, "alice is registered already.");
        alice.send(TEXT, "/register " + secret.substring(0, 4));
        expect(alice, ERROR, "Password too short: at least 8 characters. alice was not registered.");
        alice.send(TEXT, "/password " + secret + "-wrong " + secret + "-new");
        expect(alice, ERROR, "Wrong password for alice. Your password was not changed.");
        alice.send(TEXT, "/password " + secret + " " + secret + "-new");
        alice.awaitText("[Server] Your password for alice is changed.");
      }
    } finally {
      root.detachAppender(captured);
      ours.setLevel(before);
    }
    List<String> lines = new ArrayList<>();
    for (ILoggingEvent e : captured.list) {
      lines.add(e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : " " + e.getThrowableProxy().getMessage()));
    }
    assertTrue(lines.stream().anyMatch(l -> l.contains("alice logged in from")), () -> "logging was captured: " + lines);
    assertTrue(lines.stream().anyMatch(l -> l.contains("Failed login as alice")), () -> "logging was captured: " + lines);
    assertTrue(lines.stream().anyMatch(l -> l.contains("Failed password change for alice")), () -> "logging was captured: " + lines);
    assertTrue(lines.stream().anyMatch(l -> l.contains("alice changed its password")), () -> "logging was captured: " + lines);
    assertTrue(lines.stream().noneMatch(l -> l.contains(secret)), () -> "the password was logged: " + lines);
  }

  @Test
  void ourClientWithLoginLogsInRightAfterTheWelcomeAndTakesItsNickBack() throws Exception {
    try (ChatServer server = start(Map.of("pekko-chat.accounts.login-grace", "60s"))) {
      register(server, "alice", PASSWORD);
      try (RawPeer squatter = RawPeer.joinedOnceFree(server.address(), "alice")) {
        squatter.awaitText("[Server] alice is a registered nick");
        pekkochat.testing.TestConsole console = new pekkochat.testing.TestConsole(true);
        // The name is taken: the client is told, and the next typed line is the name it joins with.
        pekkochat.client.ChatClient client = pekkochat.client.ChatClient.start(
            Servers.clientConfig(), Servers.clientSettings(dir.resolve("downloads")), Optional.empty(),
            new java.net.InetSocketAddress("127.0.0.1", server.address().getPort()), "alice", console, Optional.of(PASSWORD));
        try {
          console.await(".*Username already taken.*");
          console.type("alice-away");
          console.await(".*You are logged in as alice\\..*");
          console.await(".*You are now known as alice.*");
          expect(squatter, ERROR, "You were renamed: alice logged in from another connection.");
          assertTrue(console.printed().stream().noneMatch(line -> line.contains(PASSWORD)), () -> "printed: " + console.printed());
        } finally {
          client.stop();
        }
      }
    }
  }

  private static final String CHANGED = "[Server] Your password for alice is changed. Next time, /login alice <new password>.";

  /** Joins as {@code nick}, a registered nick, and logs in to it with {@code password}. */
  private static RawPeer loggedIn(ChatServer server, String nick, String password) throws IOException {
    RawPeer peer = RawPeer.joinedOnceFree(server.address(), nick);
    peer.awaitText("[Server] " + nick + " is a registered nick");
    peer.send(TEXT, "/login " + nick + " " + password);
    expect(peer, TEXT, "[Server] You are logged in as " + nick + ".");
    return peer;
  }

  @Test
  void aPasswordChangeLogsOutTheOtherConnectionsLoggedInToTheAccount() throws Exception {
    try (ChatServer server = start()) {
      register(server, "alice", PASSWORD);
      try (RawPeer alice = loggedIn(server, "alice", PASSWORD);
          RawPeer other = RawPeer.joined(server.address(), "elsewhere");
          RawPeer carol = RawPeer.joined(server.address(), "carol")) {
        // A second connection logs in to alice too (it keeps its own nick: alice is held, logged in).
        other.send(TEXT, "/login alice " + PASSWORD);
        expect(other, TEXT, "[Server] You are logged in as alice.");
        other.awaitText("You are logged in, but alice is in use by another connection logged in to it");
        alice.send(TEXT, "/password \"" + PASSWORD + "\" a-new-secret");
        expect(alice, TEXT, CHANGED);
        assertEquals("[Server] The password of alice was changed from another connection: you are logged out of it.",
            other.awaitText("[Server] The password of alice"));
        // alice goes; a message to her is kept now, and no longer reaches the logged-out connection.
        alice.send(TEXT, "/quit");
        alice.expectClosed();
        for (int tries = 0; ; tries++) { // until her session has let the nick go
          carol.send(TEXT, "/users");
          String users = carol.awaitText("[Server] Online users: ");
          if (!java.util.List.of(users.substring("[Server] Online users: ".length()).split(", ")).contains("alice")) {
            break;
          }
          assertTrue(tries < 200, users);
          Thread.sleep(25);
        }
        carol.send(TEXT, "/msg alice for alice only");
        assertEquals("[Server] alice is offline: your message is kept and delivered when alice logs in.",
            carol.awaitText("[Server] alice is offline"));
        other.send(TEXT, "/users");
        while (true) {
          RawPeer.Frame f = next(other);
          assertFalse(f.text().contains("for alice only"), "the logged-out connection got alice's message: " + f);
          if (f.type() == TEXT && f.text().startsWith("[Server] Online users:")) {
            break;
          }
        }
      }
    }
  }

  @Test
  void aLoggedInNickChangesItsPasswordAndFromThenOnOnlyTheNewOneLogsIn() throws Exception {
    String fresh = "new pass phrase 2";
    try (ChatServer server = start()) {
      register(server, "alice", PASSWORD);
      try (RawPeer alice = loggedIn(server, "alice", PASSWORD)) {
        // The old password has spaces: it is quoted. The new one is all the rest.
        alice.send(TEXT, "/password \"" + PASSWORD + "\" " + fresh);
        expect(alice, TEXT, CHANGED);
      }
      // Right after /register the connection is logged in, and may change it at once.
      try (RawPeer bob = RawPeer.joined(server.address(), "bob")) {
        bob.send(TEXT, "/register first-password");
        bob.awaitText("[Server] bob is registered to you.");
        bob.send(TEXT, "/password first-password second-password");
        expect(bob, TEXT, "[Server] Your password for bob is changed. Next time, /login bob <new password>.");
      }
      try (RawPeer again = RawPeer.joinedOnceFree(server.address(), "alice")) {
        again.awaitText("[Server] alice is a registered nick");
        again.send(TEXT, "/login alice " + PASSWORD);
        expect(again, ERROR, "Wrong password for alice.");
        again.send(TEXT, "/login alice " + fresh);
        expect(again, TEXT, "[Server] You are logged in as alice.");
      }
    }
    // The change is stored: after a restart too, the old one is wrong and the new one right.
    try (ChatServer server = start();
        RawPeer alice = RawPeer.joinedOnceFree(server.address(), "alice");
        RawPeer bob = RawPeer.joinedOnceFree(server.address(), "bob")) {
      alice.awaitText("[Server] alice is a registered nick");
      alice.send(TEXT, "/login alice " + PASSWORD);
      expect(alice, ERROR, "Wrong password for alice.");
      alice.send(TEXT, "/login alice " + fresh);
      expect(alice, TEXT, "[Server] You are logged in as alice.");
      bob.awaitText("[Server] bob is a registered nick");
      bob.send(TEXT, "/login bob second-password");
      expect(bob, TEXT, "[Server] You are logged in as bob.");
    }
  }

  @Test
  void aWrongOldPasswordIsRefusedAndThrottledAsAFailedLogin() throws Exception {
    Map<String, Object> settings = Map.of(
        "pekko-chat.accounts.max-failures-per-account", 3,
        "pekko-chat.accounts.cool-down", "42s");
    String unchanged = " Your password was not changed.";
    try (ChatServer server = start(settings)) {
      register(server, "alice", PASSWORD);
      try (RawPeer alice = loggedIn(server, "alice", PASSWORD)) {
        // What is refused before any password is checked, and counts for nothing.
        alice.send(TEXT, "/password \"" + PASSWORD + "\" short");
        expect(alice, ERROR, "New password too short: at least 8 characters." + unchanged);
        alice.send(TEXT, "/password \"" + PASSWORD + "\" " + PASSWORD);
        expect(alice, ERROR, "The new password is the old one." + unchanged);
        alice.send(TEXT, "/password only-one");
        expect(alice, ERROR, "Usage: /password <old> <new> (an old password with spaces in double quotes: /password \"my old one\" new)");
        alice.send(TEXT, "/password \"unclosed quote new-password");
        assertTrue(expectType(alice, ERROR).startsWith("Usage: /password <old> <new>"));
        // Wrong old passwords are failed logins: the third cools the account down.
        alice.send(TEXT, "/password guess-one brand-new-password");
        expect(alice, ERROR, "Wrong password for alice." + unchanged);
        alice.send(TEXT, "/password guess-two brand-new-password");
        expect(alice, ERROR, "Wrong password for alice." + unchanged);
        alice.send(TEXT, "/password guess-three brand-new-password");
        expect(alice, ERROR, "Wrong password for alice." + unchanged + " Too many login attempts for alice; try again in 42 s.");
        // Now the right one is not checked either, nor is a /login from anywhere.
        alice.send(TEXT, "/password \"" + PASSWORD + "\" brand-new-password");
        String refused = expectType(alice, ERROR);
        assertTrue(refused.matches("Too many login attempts for alice; try again in 4[12] s\\. Your password was not changed\\."), refused);
        try (RawPeer elsewhere = RawPeer.connectFrom(server.address(), "127.0.0.3")) {
          elsewhere.send(JOIN, "someone");
          elsewhere.expect(TEXT, "Welcome! Type /help for commands.");
          elsewhere.send(TEXT, "/login alice " + PASSWORD);
          assertTrue(expectType(elsewhere, ERROR).startsWith("Too many login attempts for alice"));
        }
      }
    }
    // Nothing was changed: after the cool-down (a restart forgets it) the old password logs in.
    try (ChatServer server = start(settings);
        RawPeer alice = loggedIn(server, "alice", PASSWORD)) {
      alice.send(TEXT, "/login alice brand-new-password");
      expect(alice, ERROR, "Wrong password for alice.");
    }
  }

  @Test
  void aConnectionNotLoggedInToItsNickCannotChangeAPassword() throws Exception {
    try (ChatServer server = start(Map.of("pekko-chat.accounts.login-grace", "60s"))) {
      register(server, "alice", PASSWORD);
      String notLoggedIn = "You are not logged in to %s: /login %s <password> first (or /register <password>, if it is not"
          + " registered). Your password was not changed.";
      try (RawPeer squatter = RawPeer.joinedOnceFree(server.address(), "alice");
          RawPeer carol = RawPeer.joined(server.address(), "carol")) {
        squatter.awaitText("[Server] alice is a registered nick");
        squatter.send(TEXT, "/password \"" + PASSWORD + "\" squatters-password");
        expect(squatter, ERROR, String.format(notLoggedIn, "alice", "alice"));
        carol.send(TEXT, "/password anything something-else");
        expect(carol, ERROR, String.format(notLoggedIn, "carol", "carol"));
        // Logged in to alice (which takes the nick) but then going by another nick: refused too.
        carol.send(TEXT, "/login alice " + PASSWORD);
        expect(carol, TEXT, "[Server] You are logged in as alice.");
        carol.awaitText("[Server] You are now known as alice.");
        carol.send(TEXT, "/nick carol2");
        carol.awaitText("[Server] You are now known as carol2."); // (after the squatter's rename, seen in the room)
        carol.send(TEXT, "/password \"" + PASSWORD + "\" squatters-password");
        // (awaited past the room's notice of the squatter's rename, which may come this late)
        assertEquals(String.format(notLoggedIn, "carol2", "carol2"), carol.awaitText("You are not logged in to carol2"));
      }
      // And the password is what it was.
      try (RawPeer alice = loggedIn(server, "alice", PASSWORD)) {
        alice.send(TEXT, "/help");
        String help = alice.awaitText("[Server] Commands:");
        assertTrue(help.contains("\n/password <old> <new> - Change the password of the nick you are logged in to"), help);
      }
    }
  }

  @Test
  void withHistoryOffThereAreNoAccounts() throws Exception {
    try (ChatServer server = start(Map.of("pekko-chat.history.enabled", false));
        RawPeer alice = RawPeer.joinedOnceFree(server.address(), "alice")) {
      alice.send(TEXT, "/register " + PASSWORD);
      expect(alice, ERROR, Accounts.NO_STORE);
      alice.send(TEXT, "/login alice " + PASSWORD);
      expect(alice, ERROR, Accounts.NO_STORE);
      alice.send(TEXT, "/password \"" + PASSWORD + "\" another-password");
      expect(alice, ERROR, Accounts.NO_STORE);
    }
  }

  @Test
  void aTooShortPasswordIsRefusedWithoutEchoingIt() throws Exception {
    try (ChatServer server = start();
        RawPeer alice = RawPeer.joinedOnceFree(server.address(), "alice")) {
      alice.send(TEXT, "/register abc");
      expect(alice, ERROR, "Password too short: at least 8 characters. alice was not registered.");
      alice.send(TEXT, "/register");
      expect(alice, ERROR, "Usage: /register <password>");
    }
  }
}
