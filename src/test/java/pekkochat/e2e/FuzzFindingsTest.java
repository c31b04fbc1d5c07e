package pekkochat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static pekkochat.testing.RawPeer.ERROR;
import static pekkochat.testing.RawPeer.JOIN;
import static pekkochat.testing.RawPeer.LEAVE;
import static pekkochat.testing.RawPeer.TEXT;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pekkochat.server.ChatServer;
import pekkochat.testing.ErrorLog;
import pekkochat.testing.RawPeer;
import pekkochat.testing.Servers;

/**
 * Cases the fuzz properties ({@link SessionFuzzTest}) found, kept as plain examples. Each failed
 * before its fix; see {@code docs/FUZZING.md}. (One more is in {@code SpoolReaderTest}.)
 */
class FuzzFindingsTest {

  private static final Duration RELAY_LEAD_TIME = Duration.ofMillis(250);

  @TempDir Path spool;
  private ChatServer server;
  private InetSocketAddress address;
  private ErrorLog errors;

  @BeforeEach
  void start() throws Exception {
    server = Servers.start(spool, Map.of("pekko-chat.server.relay-lead-time", RELAY_LEAD_TIME.toMillis() + "ms"));
    address = server.address();
    errors = ErrorLog.capture();
  }

  @AfterEach
  void stop() {
    errors.close();
    server.close();
  }

  /**
   * Replies still due to a client that has reset its connection (here: answers to a burst of
   * {@code /users}) found the connection's outbound queue already closed; the session then tried to
   * close it again, and crashed with an IllegalStateException logged as an error.
   */
  @Test
  void repliesDueToAClientThatResetItsConnectionAreDroppedQuietly() throws IOException {
    try (RawPeer alice = RawPeer.joined(address, "alice")) {
      for (int i = 0; i < 20; i++) {
        RawPeer mallory = RawPeer.joined(address, "mallory");
        alice.expect(JOIN, "mallory joined the chat.");
        ByteArrayOutputStream burst = new ByteArrayOutputStream();
        for (int j = 0; j < 200; j++) {
          burst.write(RawPeer.frame(TEXT, "/users".getBytes(StandardCharsets.UTF_8)));
        }
        mallory.sendRaw(burst.toByteArray());
        mallory.abort();
        alice.expect(LEAVE, "mallory left the chat.");
      }
    }
    assertEquals(List.of(), errors.drain());
  }

  /**
   * A sender that stopped part way through a file, after relaying to the others had started, held
   * every recipient inside that FILE frame, unable to receive anything else, for as long as it
   * stayed connected. Now an upload being relayed that stalls for {@code relay-lead-time} is given
   * up: the recipients' frames are completed with zeros and followed by a notice, and the sender
   * is told.
   */
  @Test
  void aSenderThatStallsMidFileHoldsUpRecipientsOnlyForTheRelayLeadTime() throws IOException {
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer bob = RawPeer.joined(address, "bob");
        RawPeer mallory = RawPeer.joined(address, "mallory")) {
      alice.expect(JOIN, "bob joined the chat.");
      alice.expect(JOIN, "mallory joined the chat.");
      bob.expect(JOIN, "mallory joined the chat.");

      long start = System.nanoTime();
      mallory.sendPatternFile("f.bin", 100_000, 60_000); // and never the rest

      RawPeer.StreamedFile file = alice.readFileStreaming();
      assertEquals(100_000, file.size());
      assertTrue(file.trailingZeros() >= 40_000, "completed with zeros");
      assertTrue(
          alice.expectType(TEXT).text().startsWith("[Server] Incomplete file: mallory::f.bin was cut off after "));
      Duration held = Duration.ofNanos(System.nanoTime() - start);
      assertTrue(held.compareTo(RELAY_LEAD_TIME.plusSeconds(2)) < 0, "held for " + held);
      assertEquals(
          "Could not receive file f.bin: it stalled while others were receiving it. It was not sent completely.",
          mallory.expectType(ERROR).text());

      bob.send(TEXT, "still there?");
      alice.expect(TEXT, "bob::still there?");
    }
    assertEquals(List.of(), errors.drain());
  }

  /**
   * A name ending in {@code :} let its owner speak as someone else: {@code alice:} saying {@code
   * hi} was relayed as {@code alice:::hi}, which every client splits at the first {@code ::}, so it
   * read as alice saying {@code :hi}; a relayed file's sender field was as ambiguous.
   */
  @Test
  void aNameEndingInAColonIsRefusedSoThatNobodyCanSpeakAsAnother() throws IOException {
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer mallory = RawPeer.connect(address)) {
      for (String bad : List.of("alice:", ":", "bob :", "x:: ", ":mal:lory")) {
        mallory.send(JOIN, bad);
        String reason = mallory.expectType(ERROR).text();
        assertTrue(reason.startsWith("Invalid username: "), () -> bad + " -> " + reason);
      }
      // No colon at all is accepted now, so the sender field always ends at the first "::".
      mallory.send(JOIN, "mallory");
      mallory.expect(TEXT, "Welcome! Type /help for commands.");
      alice.expect(JOIN, "mallory joined the chat.");
      mallory.send(TEXT, ":hi");
      alice.expect(TEXT, "mallory:::hi");
    }
    assertEquals(List.of(), errors.drain());
  }
}
