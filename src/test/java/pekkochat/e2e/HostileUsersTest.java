package pekkochat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static pekkochat.testing.RawPeer.ERROR;
import static pekkochat.testing.RawPeer.FILE;
import static pekkochat.testing.RawPeer.JOIN;
import static pekkochat.testing.RawPeer.TEXT;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pekkochat.server.ChatServer;
import pekkochat.testing.RawPeer;
import pekkochat.testing.Servers;

/**
 * What hostile users on the same LAN found, each fixed and shown here over real TCP: every test
 * failed on the server before its fix.
 */
class HostileUsersTest {

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

  /**
   * A FILE was acknowledged without being counted by flood control: 300 tiny files went through
   * in 5 s. Now each FILE is one message: after the burst, the sender is read at the rate.
   */
  @Test
  void tinyFilesCountTowardsFloodControl() throws Exception {
    InetSocketAddress address =
        start(Map.of("pekko-chat.server.flood.burst", 3, "pekko-chat.server.flood.rate", 2));
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer bob = RawPeer.joined(address, "bob")) {
      alice.expect(JOIN, "bob joined the chat.");
      long start = System.nanoTime();
      for (int i = 0; i < 7; i++) {
        bob.sendFile("tiny" + i + ".bin", new byte[] {(byte) i});
      }
      for (int i = 0; i < 7; i++) {
        alice.expectFile("bob", "tiny" + i + ".bin", new byte[] {(byte) i});
      }
      // Three at once, then two a second: the last of seven cannot arrive before 2 s.
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      assertTrue(took.toMillis() >= 1_500, "seven files in " + took + " despite flood control");
    }
  }

  /**
   * 64 KiB of random bytes before JOIN held the connection for the whole join timeout: a frame of
   * an unknown type over the small-frame limit was skipped byte by byte. It now ends the
   * connection at once, as a too-long TEXT does.
   */
  @Test
  void anOversizeFrameOfUnknownTypeEndsTheConnectionAtOnce() throws Exception {
    InetSocketAddress address = start(Map.of("pekko-chat.server.join-timeout", "60s"));
    try (RawPeer mallory = RawPeer.connect(address)) {
      byte[] junk = new byte[64 * 1024];
      new Random(7).nextBytes(junk);
      ByteBuffer.wrap(junk).putInt(1_000_000).put((byte) 0x7f); // unknown type, 1 MB announced
      mallory.sendRaw(junk);
      long start = System.nanoTime();
      RawPeer.Frame error = mallory.read(Duration.ofSeconds(10));
      assertEquals(ERROR, error.type(), error.toString());
      mallory.expectClosed();
      assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 10, "held until the join timeout");
    }
  }

  /**
   * Ten connections that each sent only a 2 GiB FILE header held the whole spool quota, and
   * honest uploads were refused for as long as they stayed. Now an upload must arrive at
   * upload-min-rate before it is relayed: the squatter is given up after one window, and the
   * honest upload then goes through.
   */
  @Test
  void aFileHeaderWithoutItsBytesHoldsTheSpoolForOneWindowOnly() throws Exception {
    InetSocketAddress address =
        start(Map.of(
            "pekko-chat.server.spool-max-size", "3 MiB",
            "pekko-chat.server.upload-min-rate", "16 KiB",
            "pekko-chat.server.upload-rate-window", "1s"));
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer bob = RawPeer.joined(address, "bob");
        RawPeer mallory = RawPeer.joined(address, "mallory")) {
      alice.expect(JOIN, "bob joined the chat.");
      alice.expect(JOIN, "mallory joined the chat.");
      byte[] prefix = "big.iso::".getBytes(StandardCharsets.UTF_8);
      long announced = 2L << 20;
      mallory.sendRaw(ByteBuffer.allocate(5).putInt((int) (1 + prefix.length + announced)).put((byte) FILE).array());
      mallory.sendRaw(prefix);
      // The squatter's 2 MiB reservation leaves no room for bob's 2 MiB ...
      awaitSpoolReserved(announced);
      byte[] honest = new byte[2 << 20];
      bob.sendFile("honest.bin", honest);
      String refused = awaitFrame(bob, ERROR).text();
      assertTrue(refused.contains("file storage is full"), refused);
      // ... until the squatter is given up for sending too slowly.
      String givenUp = awaitFrame(mallory, ERROR).text();
      assertTrue(givenUp.startsWith("Could not receive file big.iso: it arrived too slowly"), givenUp);
      bob.sendFile("honest.bin", honest);
      assertEquals("bob", alice.readFileStreaming().sender());
    }
  }

  /**
   * An upload trickled at one byte a second after relaying had begun froze chat for every
   * recipient for as long as the sender liked (the stall timer restarted on every byte). Once
   * relaying has started the upload must be complete within relay-completion-timeout.
   */
  @Test
  void aTrickledUploadHoldsRecipientsBackForTheCompletionTimeoutAtMost() throws Exception {
    InetSocketAddress address =
        start(Map.of(
            "pekko-chat.server.relay-lead-time", "300ms",
            "pekko-chat.server.relay-completion-timeout", "2s"));
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer bob = RawPeer.joined(address, "bob")) {
      alice.expect(JOIN, "bob joined the chat.");
      long size = 1 << 20;
      byte[] prefix = "slow.bin::".getBytes(StandardCharsets.UTF_8);
      bob.sendRaw(ByteBuffer.allocate(5).putInt((int) (1 + prefix.length + size)).put((byte) FILE).array());
      bob.sendRaw(prefix);
      bob.sendRaw(new byte[(int) size - 100]); // fast: relaying starts
      Thread trickle =
          new Thread(
              () -> {
                try {
                  for (int i = 0; i < 99; i++) {
                    bob.sendRaw(new byte[] {1});
                    Thread.sleep(100); // a byte every 100 ms: never a stall of 300 ms
                  }
                } catch (IOException | InterruptedException e) {
                  // the test is over, or the server closed
                }
              });
      trickle.setDaemon(true);
      trickle.start();
      long start = System.nanoTime();
      RawPeer.StreamedFile file = alice.readFileStreaming();
      Duration held = Duration.ofNanos(System.nanoTime() - start);
      assertEquals(size, file.size());
      assertTrue(held.toMillis() < 6_000, "alice's chat was held for " + held);
      RawPeer.Frame notice = alice.expectType(TEXT);
      assertTrue(notice.text().startsWith("[Server] Incomplete file: bob::slow.bin was cut off"), notice.text());
      trickle.interrupt();
    }
  }

  /** Waits until the spool has reserved at least {@code bytes} (the squatter's header arrived). */
  private void awaitSpoolReserved(long bytes) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (Servers.spoolReserved(server) < bytes) {
      assertTrue(System.nanoTime() < deadline, "the FILE header never reserved its room");
      Thread.sleep(10);
    }
  }

  /** The next frame of {@code type}, skipping server notices. */
  private static RawPeer.Frame awaitFrame(RawPeer peer, int type) throws IOException {
    while (true) {
      RawPeer.Frame f = peer.read(Duration.ofSeconds(10));
      if (f.type() == type) {
        return f;
      }
    }
  }
}
