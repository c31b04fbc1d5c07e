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
        expect(owner, TEXT, "[Server] You are now known as alice.");
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

  @Test
  void withHistoryOffThereAreNoAccounts() throws Exception {
    try (ChatServer server = start(Map.of("pekko-chat.history.enabled", false));
        RawPeer alice = RawPeer.joinedOnceFree(server.address(), "alice")) {
      alice.send(TEXT, "/register " + PASSWORD);
      expect(alice, ERROR, Accounts.NO_STORE);
      alice.send(TEXT, "/login alice " + PASSWORD);
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
