package pekkochat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static pekkochat.testing.RawPeer.COMMAND;
import static pekkochat.testing.RawPeer.ERROR;
import static pekkochat.testing.RawPeer.FILE;
import static pekkochat.testing.RawPeer.JOIN;
import static pekkochat.testing.RawPeer.LEAVE;
import static pekkochat.testing.RawPeer.TEXT;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pekkochat.server.ChatServer;
import pekkochat.testing.RawPeer;
import pekkochat.testing.Servers;

/**
 * The server's observable behaviour over real loopback TCP, checked with raw-socket peers that
 * speak the seed protocol byte for byte (what an original client sends and expects).
 */
class ServerEndToEndTest {

  private static final Pattern SESSION = Pattern.compile("session-\\d+");
  private static final String WELCOME = "Welcome! Type /help for commands.";

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

  @Test
  void joinIsWelcomedAndAnnouncedToOthersOnly() throws IOException {
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer bob = RawPeer.joined(address, "bob")) {
      alice.expect(JOIN, "bob joined the chat.");
      // bob's own join was flushed before alice saw it, so it would reach bob before the reply to
      // a /users he sends now: the next frame bob reads must be that reply.
      bob.send(TEXT, "/users");
      bob.expect(TEXT, "[Server] Online users: alice, bob");
    }
  }

  @Test
  void chatLineGoesToEveryoneElseWithSenderPrefix() throws IOException {
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer bob = RawPeer.joined(address, "bob");
        RawPeer carol = RawPeer.joined(address, "carol")) {
      alice.expect(JOIN, "bob joined the chat.");
      alice.expect(JOIN, "carol joined the chat.");
      bob.expect(JOIN, "carol joined the chat.");

      alice.send(TEXT, "hi all :: héllo 🎉");
      bob.expect(TEXT, "alice::hi all :: héllo 🎉");
      carol.expect(TEXT, "alice::hi all :: héllo 🎉");
      // No echo to alice: bob's line comes after hers in the room's order, so an echo would be
      // the frame alice reads first.
      bob.send(TEXT, "back at you");
      alice.expect(TEXT, "bob::back at you");
    }
  }

  @Test
  void usersHelpAndUnknownCommandsAnswerOnlyTheAsker() throws IOException {
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer bob = RawPeer.joined(address, "bob")) {
      alice.expect(JOIN, "bob joined the chat.");

      alice.send(TEXT, "/users");
      alice.expect(TEXT, "[Server] Online users: alice, bob");

      alice.send(TEXT, "/help");
      String help = alice.expectType(TEXT).text();
      assertTrue(help.startsWith("[Server] Commands:"), help);
      String[] lines = help.split("\n");
      assertTrue(Stream.of(lines).anyMatch(l -> l.startsWith("/users")), help);
      assertTrue(Stream.of(lines).anyMatch(l -> l.startsWith("/send <filepath>")), help);
      assertTrue(Stream.of(lines).anyMatch(l -> l.startsWith("/quit")), help);

      alice.send(TEXT, "/dance");
      alice.expect(ERROR, "Unknown command. Type /help.");
      // The command is the first word, as in the original server, which ignores the rest.
      alice.send(TEXT, "/users everyone");
      alice.expect(TEXT, "[Server] Online users: alice, bob");
      alice.send(TEXT, "/users #everyone");
      alice.expect(ERROR, "You are not in #everyone.");
      alice.send(TEXT, "/users  ");
      alice.expect(TEXT, "[Server] Online users: alice, bob");

      // A line that is not a command is relayed as it is, even a blank one. alice's session
      // handles her frames in order, so this is the first frame bob reads: nothing of the
      // commands above reached him.
      alice.send(TEXT, "   ");
      bob.expect(TEXT, "alice::   ");
    }
  }

  @Test
  void anythingBeforeJoinIsRefusedAndJoinStillWorks() throws IOException {
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer early = RawPeer.connect(address)) {
      early.send(TEXT, "hello?");
      early.expect(ERROR, "Invalid JOIN message.");
      early.sendFile("x.txt", new byte[] {1, 2, 3});
      early.expect(ERROR, "Invalid JOIN message.");
      early.send(TEXT, "/users");
      early.expect(ERROR, "Invalid JOIN message.");

      // The connection's frames are handled in order, so its join is the first thing alice
      // hears of it: nothing of what it sent before joining reached her.
      early.send(JOIN, "bob");
      early.expect(TEXT, WELCOME);
      alice.expect(JOIN, "bob joined the chat.");
    }
  }

  @Test
  void takenNameIsRefusedAndAnotherCanBeTriedOnTheSameConnection() throws IOException {
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer second = RawPeer.connect(address)) {
      second.send(JOIN, "alice");
      second.expect(ERROR, "Username already taken.");
      second.send(JOIN, "ALICE");
      second.expect(ERROR, "Username already taken.");
      second.send(JOIN, "alice2");
      second.expect(TEXT, WELCOME);
      alice.expect(JOIN, "alice2 joined the chat.");
      // Announced once: a line alice2 sends after its JOINs is the next thing alice hears.
      second.send(TEXT, "hello");
      alice.expect(TEXT, "alice2::hello");
    }
  }

  @Test
  void badNamesAreRefusedWithTheReason() throws IOException {
    try (RawPeer peer = RawPeer.connect(address)) {
      for (String bad : new String[] {"", "   ", "x".repeat(33), "a::b", "bell\u0007", "new\nline", "rtl\u202e"}) {
        peer.send(JOIN, bad);
        String reason = peer.expectType(ERROR).text();
        assertTrue(reason.startsWith("Invalid username"), () -> bad + " -> " + reason);
      }
      peer.send(JOIN, "  " + "y".repeat(32) + "  ");
      peer.expect(TEXT, WELCOME);
      peer.send(TEXT, "/users");
      peer.expect(TEXT, "[Server] Online users: " + "y".repeat(32));
    }
  }

  @Test
  void quitIsAcknowledgedThenClosedAndAnnouncedOnce() throws IOException {
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer bob = RawPeer.joined(address, "bob")) {
      alice.expect(JOIN, "bob joined the chat.");
      bob.send(TEXT, "/quit");
      bob.expect(COMMAND, "/quit_ack");
      bob.expectClosed();
      alice.expect(LEAVE, "bob left the chat.");

      // The name is free again (soon: the nick registry hears of the end on its own). The new
      // bob's join and line come after the old bob's end in the room's order: they are the next
      // frames alice reads, with no second leave among them.
      try (RawPeer again = joinOnceFree("bob")) {
        alice.expect(JOIN, "bob joined the chat.");
        again.send(TEXT, "back again");
        alice.expect(TEXT, "bob::back again");
      }
    }
  }

  @Test
  void abruptDisconnectsAreAnnouncedExactlyOnce() throws Exception {
    try (RawPeer alice = RawPeer.joined(address, "alice")) {
      RawPeer bob = RawPeer.joined(address, "bob");
      alice.expect(JOIN, "bob joined the chat.");
      bob.abort();
      alice.expect(LEAVE, "bob left the chat.");

      RawPeer carol = RawPeer.joined(address, "carol");
      alice.expect(JOIN, "carol joined the chat.");
      carol.close();
      alice.expect(LEAVE, "carol left the chat.");

      // A connection that never joined leaves without a notice.
      RawPeer anonymous = RawPeer.connect(address);
      anonymous.send(TEXT, "hi");
      anonymous.expect(ERROR, "Invalid JOIN message.");
      anonymous.abort();
      // Once its session has ended (alice's is the only one left), anything it announced is in
      // the room before dave's join: the join must be the next frame alice reads.
      awaitSessions(1);
      try (RawPeer dave = RawPeer.joined(address, "dave")) {
        alice.expect(JOIN, "dave joined the chat.");
      }
    }
  }

  @Test
  void fileIsRelayedIntactToEveryoneElse() throws Exception {
    byte[] content = new byte[700_000];
    new Random(7).nextBytes(content);
    System.arraycopy("::tricky::".getBytes(StandardCharsets.UTF_8), 0, content, 1000, 10);
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer bob = RawPeer.joined(address, "bob");
        RawPeer carol = RawPeer.joined(address, "carol")) {
      alice.expect(JOIN, "bob joined the chat.");
      alice.expect(JOIN, "carol joined the chat.");
      bob.expect(JOIN, "carol joined the chat.");

      alice.sendFile("data.bin", content);
      bob.expectFile("alice", "data.bin", content);
      carol.expectFile("alice", "data.bin", content);
      // Not back to its sender: bob's line comes after the file in the room's order.
      bob.send(TEXT, "got it");
      alice.expect(TEXT, "bob::got it");

      // Chat keeps working after a file, in order.
      alice.send(TEXT, "did you get it?");
      bob.expect(TEXT, "alice::did you get it?");
    }
    Servers.assertSpoolEmptySoon(spool);
  }

  @Test
  void hostileFileNameIsReducedToABaseNameBeforeRelay() throws IOException {
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer bob = RawPeer.joined(address, "bob")) {
      alice.expect(JOIN, "bob joined the chat.");
      alice.sendFile("../../etc/passwd", new byte[] {42});
      bob.expectFile("alice", "passwd", new byte[] {42});
      alice.sendFile("..", new byte[] {43});
      bob.expectFile("alice", "file", new byte[] {43});
      alice.sendFile("a\u001b[2Jb.txt", new byte[] {44});
      bob.expectFile("alice", "a_[2Jb.txt", new byte[] {44});
    }
  }

  @Test
  void oversizeMessageHeaderClosesOnlyThatConnection() throws IOException {
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer bob = RawPeer.joined(address, "bob");
        RawPeer mallory = RawPeer.joined(address, "mallory")) {
      alice.expect(JOIN, "bob joined the chat.");
      alice.expect(JOIN, "mallory joined the chat.");
      bob.expect(JOIN, "mallory joined the chat.");

      // A 4 GiB TEXT length header: refused before any payload is read.
      mallory.sendRaw(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, TEXT});
      String reason = mallory.expectType(ERROR).text();
      assertTrue(reason.contains("exceeds the limit of 65536 bytes"), reason);
      mallory.expectClosed();

      alice.expect(LEAVE, "mallory left the chat.");
      bob.expect(LEAVE, "mallory left the chat.");
      alice.send(TEXT, "still here");
      bob.expect(TEXT, "alice::still here");
    }
  }

  @Test
  void unknownTypesAndInvalidUtf8AreRefusedButTheConnectionGoesOn() throws IOException {
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer bob = RawPeer.joined(address, "bob")) {
      alice.expect(JOIN, "bob joined the chat.");

      alice.send(0x09, "whatever payload");
      alice.expect(ERROR, "Unknown frame type 0x09.");
      alice.send(TEXT, new byte[] {(byte) 0xc3, 0x28});
      alice.expect(ERROR, "TEXT payload is not valid UTF-8.");
      alice.send(LEAVE, "alice left the chat.");
      alice.expectType(ERROR);

      // Handled in order by alice's session: this is the first frame bob reads, so none of the
      // refused frames reached him.
      alice.send(TEXT, "fine now");
      bob.expect(TEXT, "alice::fine now");
    }
  }

  @Test
  void oversizeFileIsRefusedAndSkippedWhileTheSenderStays() throws Exception {
    server.close();
    server = Servers.start(spool, Map.of("pekko-chat.protocol.max-file-size", "100 KiB"));
    address = server.address();
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer bob = RawPeer.joined(address, "bob")) {
      alice.expect(JOIN, "bob joined the chat.");
      alice.sendFile("huge.bin", new byte[300_000]);
      String reason = alice.expectType(ERROR).text();
      assertTrue(reason.contains("102400"), reason);
      alice.send(TEXT, "after the refused file");
      bob.expect(TEXT, "alice::after the refused file");
      alice.sendFile("small.bin", new byte[] {1, 2});
      bob.expectFile("alice", "small.bin", new byte[] {1, 2});
    }
  }

  @Test
  void aReaderThatStopsIsCutOffWhileOthersGetEverything() throws Exception {
    server.close();
    // Flood control off in effect: one sender must be able to outpace the stuck reader here.
    server =
        Servers.start(
            spool,
            Map.of(
                "pekko-chat.server.outbound-queue-size", 256,
                "pekko-chat.server.close-timeout", "300ms",
                "pekko-chat.server.flood.burst", 1_000_000,
                "pekko-chat.server.flood.rate", 1_000_000));
    address = server.address();
    String filler = "x".repeat(4000);
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer bob = RawPeer.joined(address, "bob");
        RawPeer stuck = RawPeer.connectWithReceiveBuffer(address, 4096)) {
      stuck.send(JOIN, "stuck");
      alice.expect(JOIN, "bob joined the chat.");
      alice.expect(JOIN, "stuck joined the chat.");
      bob.expect(JOIN, "stuck joined the chat.");

      // Batches of 200 KB that bob reads as they come, until the stuck connection's kernel
      // buffers and queue are full and it is cut off (bounded at 80 MB); bob never falls behind.
      int line = 0;
      boolean stuckGone = false;
      for (int batch = 0; batch < 400 && !stuckGone; batch++) {
        for (int i = 0; i < 50; i++) {
          alice.send(TEXT, (line + i) + " " + filler);
        }
        for (int i = 0; i < 50; i++) {
          RawPeer.Frame f = bob.read();
          if (f.type() == LEAVE) {
            assertEquals("stuck left the chat.", f.text());
            stuckGone = true;
            f = bob.read();
          }
          assertEquals("alice::" + (line + i) + " " + filler, f.text());
        }
        line += 50;
      }
      assertTrue(stuckGone, "the reader that never reads must have been disconnected");
      alice.expect(LEAVE, "stuck left the chat.");
      alice.send(TEXT, "/users");
      alice.expect(TEXT, "[Server] Online users: alice, bob");
    }
  }

  @Test
  void shutdownTellsUsersAndClosesTheirConnections() throws Exception {
    RawPeer alice = RawPeer.joined(address, "alice");
    RawPeer lurker = RawPeer.connect(address);
    long started = System.nanoTime();
    server.close();
    assertTrue(Duration.ofNanos(System.nanoTime() - started).toSeconds() < 10, "server took too long to stop");
    alice.expect(TEXT, "[Server] The server is shutting down. Goodbye.");
    alice.expectClosed();
    lurker.expectClosed();
    alice.close();
    lurker.close();
    server = Servers.start(spool);
  }

  /** Joins as {@code name}, trying again for up to 5 s while the name is still taken. */
  private RawPeer joinOnceFree(String name) throws IOException {
    RawPeer peer = RawPeer.connect(address);
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (true) {
      peer.send(JOIN, name);
      RawPeer.Frame f = peer.read();
      if (f.type() == TEXT && f.text().equals(WELCOME)) {
        return peer;
      }
      assertEquals("Username already taken.", f.text(), () -> "answer to JOIN " + name + ": " + f);
      if (System.nanoTime() > deadline) {
        peer.close();
        fail(name + " was still taken 5 s after its user left");
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
    }
  }

  /**
   * Waits up to 5 s until the server has exactly {@code expected} sessions. A session leaves the
   * tree only after the room has been told of its end.
   */
  private void awaitSessions(int expected) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (true) {
      String tree = server.system().printTree();
      int count = 0;
      for (Matcher m = SESSION.matcher(tree); m.find(); ) {
        count++;
      }
      if (count == expected) {
        return;
      }
      if (System.nanoTime() > deadline) {
        fail(count + " sessions instead of " + expected + ":\n" + tree);
      }
      Thread.sleep(10);
    }
  }
}
