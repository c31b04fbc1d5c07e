package pekkochat.review;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static pekkochat.testing.RawPeer.ERROR;
import static pekkochat.testing.RawPeer.TEXT;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pekkochat.server.ChatServer;
import pekkochat.session.Session;
import pekkochat.testing.RawPeer;
import pekkochat.testing.Servers;

/** Reproductions of review findings (branch review). Each failing one is disabled until fixed. */
class ReviewFindingsTest {

  @TempDir Path spool;
  private ChatServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private InetSocketAddress start(Map<String, Object> overrides) throws Exception {
    server = Servers.start(spool, overrides);
    return server.address();
  }

  /** Reads until a TEXT starting with {@code prefix}; fails on an ERROR. */
  private static RawPeer.Frame awaitText(RawPeer peer, String prefix) throws IOException {
    while (true) {
      RawPeer.Frame f = peer.read(Duration.ofSeconds(10));
      if (f.type() == TEXT && f.text().startsWith(prefix)) {
        return f;
      }
      assertNotEquals(ERROR, f.type(), () -> "unexpected " + f);
    }
  }

  /**
   * Finding 1: the outbound queue is bounded in elements (1024), not bytes, and a reply is not
   * shared. A user that never reads and repeats a cheap command whose reply is big (/rooms over
   * many rooms with long topics; /users of a big room) makes the server hold ~64 KiB per element,
   * i.e. up to 64 MiB per connection, 6.4 GiB per address at 100 connections.
   */
  @Test
  void aNonReaderCannotMakeTheServerHoldTensOfMegabytes() throws Exception {
    InetSocketAddress address = start(Map.of("pekko-chat.server.flood.burst", 100_000));
    String topic = "\uD83D\uDE00".repeat(300); // 300 characters, 1,200 bytes
    RawPeer[] owners = {RawPeer.joined(address, "owner1"), RawPeer.joined(address, "owner2")};
    for (int o = 0; o < owners.length; o++) {
      for (int r = 0; r < 49; r++) { // the lobby is the 50th
        owners[o].send(TEXT, "/join o" + o + "r" + r);
        awaitText(owners[o], "[Server] You joined ");
        owners[o].send(TEXT, "/topic " + topic);
      }
    }
    try (RawPeer victim = RawPeer.connectWithReceiveBuffer(address, 4096)) {
      victim.send(RawPeer.JOIN, "victim");
      // Its session exists once it is welcomed (what it reads up to here is not what is measured).
      while (!victim.read(Duration.ofSeconds(10)).text().startsWith("Welcome")) {
        // the JOIN notices of the owners' rooms, if any
      }
      // 300 eight-byte commands, nothing read.
      for (int i = 0; i < 300; i++) {
        victim.send(TEXT, "/rooms");
      }
      victim.send(TEXT, "/help");
      // Read nothing until the server has dealt with the non-reader: its session is cut off (the
      // owners' two remain), or it has queued everything (then it is still there, and the read
      // below counts what it held).
      long waitUntil = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      while (sessions() > 2 && System.nanoTime() < waitUntil) {
        Thread.sleep(20);
      }
      long bytes = 0;
      boolean cutOff = false;
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (System.nanoTime() < deadline) {
        RawPeer.Frame f;
        try {
          f = victim.read(Duration.ofSeconds(10));
        } catch (java.io.EOFException | java.net.SocketException closedByTheServer) {
          // Cut off: its last ERROR was queued behind what it never read, and went with it.
          cutOff = true;
          break;
        }
        bytes += 5 + f.payload().length;
        if (f.type() == ERROR) {
          cutOff = true;
          break;
        }
        if (f.type() == TEXT && f.text().equals(Session.HELP)) {
          break;
        }
      }
      System.out.printf("finding 1: %,d bytes were queued for one non-reading connection (cut off: %s)%n", bytes, cutOff);
      assertTrue(cutOff || bytes < 8L * 1024 * 1024, "the server held " + bytes + " bytes for one connection that did not read");
    } finally {
      for (RawPeer p : owners) {
        p.close();
      }
    }
  }

  private int sessions() {
    return (int) java.util.regex.Pattern.compile("session-\\d+").matcher(server.system().printTree()).results().count();
  }

  /**
   * Finding 4: an away message is free text shown inside the original's exact /users notice, so
   * it can add fake users (and fake away markers) to "[Server] Online users: ...".
   */
  @Test
  void anAwayMessageCannotForgeUsersInTheUsersList() throws Exception {
    InetSocketAddress address = start(Map.of());
    try (RawPeer eve = RawPeer.joined(address, "eve"); RawPeer bob = RawPeer.joined(address, "bob")) {
      eve.send(TEXT, "/away brb), admin, root");
      awaitText(eve, "[Server] You are marked as away");
      bob.send(TEXT, "/users");
      String users = awaitText(bob, "[Server] Online users: ").text();
      System.out.println("finding 4: " + users);
      assertFalse(users.contains(", admin, root"), users);
    }
  }

  /**
   * Finding 5: a chat line (or /msg text) with a line break is relayed as is; an original client
   * prints it on two lines, the second fully under the sender's control: a forged private message
   * from bob (or a forged [Server] notice) with a timestamp. PROTOCOL.md claims no user can type a
   * line that looks like one of the server's forms.
   */
  @Test
  void aLineBreakCannotForgeAPrivateMessageOnAnOriginalClient() throws Exception {
    InetSocketAddress address = start(Map.of());
    try (RawPeer alice = RawPeer.joined(address, "alice"); RawPeer eve = RawPeer.joined(address, "eve")) {
      alice.expectType(RawPeer.JOIN); // eve joined the chat.
      eve.send(TEXT, "ok\n[12:00:00] [PM] bob: alice, send me the release key");
      RawPeer.Frame f = awaitText(alice, "eve::");
      System.out.println("finding 5: " + f.text().replace("\n", "\\n"));
      assertFalse(f.text().contains("\n") || f.text().contains("\r"), "relayed with a line break: " + f.text());
    }
  }

  /**
   * Finding 8: commands that echo an unvalidated argument (/msg NICK, /sendto NICK, /extended V)
   * make a frame over the 64 KiB limit every client accepts, which the docs say is never sent.
   */
  @Test
  void noFrameExceedsTheLimitWhenAnArgumentIsEchoed() throws Exception {
    InetSocketAddress address = start(Map.of());
    try (RawPeer eve = RawPeer.joined(address, "eve")) {
      eve.send(TEXT, "/msg " + "a".repeat(65_525) + " x");
      RawPeer.Frame f = eve.read(Duration.ofSeconds(10));
      System.out.println("finding 8: frame type " + f.type() + ", payload " + f.payload().length + " bytes");
      assertTrue(f.payload().length <= 65_536, "payload of " + f.payload().length + " bytes");
    }
  }

  /** Finding 9: a room may be called #PM (or #Server), so "[#PM] eve: ..." passes for "[PM] eve: ...". */
  @Test
  void aRoomCannotBeNamedLikeThePrivateMessageTag() throws Exception {
    InetSocketAddress address = start(Map.of());
    try (RawPeer eve = RawPeer.joined(address, "eve")) {
      eve.send(TEXT, "/join PM");
      RawPeer.Frame f = eve.read(Duration.ofSeconds(10));
      System.out.println("finding 9: " + f);
      assertEquals(ERROR, f.type(), f::toString);
    }
  }
}
