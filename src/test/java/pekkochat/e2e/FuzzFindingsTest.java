package pekkochat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static pekkochat.testing.RawPeer.JOIN;
import static pekkochat.testing.RawPeer.LEAVE;
import static pekkochat.testing.RawPeer.TEXT;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
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

  @TempDir Path spool;
  private ChatServer server;
  private InetSocketAddress address;
  private ErrorLog errors;

  @BeforeEach
  void start() throws Exception {
    server = Servers.start(spool);
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
}
