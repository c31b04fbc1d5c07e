package pekkochat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static pekkochat.testing.RawPeer.ERROR;
import static pekkochat.testing.RawPeer.JOIN;
import static pekkochat.testing.RawPeer.LEAVE;
import static pekkochat.testing.RawPeer.TEXT;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pekkochat.client.ChatClient;
import pekkochat.server.ChatServer;
import pekkochat.testing.RawPeer;
import pekkochat.testing.ServerProcess;
import pekkochat.testing.Servers;
import pekkochat.testing.TestConsole;

/**
 * Files of any size: streamed relay in bounded memory, independent recipients, senders that
 * vanish, a full or broken spool. Real sockets, real files, a real server (in a JVM of its own
 * with a small heap where memory is the point).
 */
class FileTransferTest {

  private static final long MB = 1024 * 1024;
  private static final Duration QUIET = Duration.ofMillis(300);

  @TempDir Path dir;
  private ChatServer server;
  private ServerProcess serverProcess;

  @AfterEach
  void stop() throws Exception {
    if (server != null) {
      server.close();
    }
    if (serverProcess != null) {
      serverProcess.close();
    }
  }

  private InetSocketAddress start(Map<String, Object> overrides) throws Exception {
    Files.createDirectories(dir.resolve("spool"));
    server = Servers.start(dir.resolve("spool"), overrides);
    return server.address();
  }

  @Test
  void aFileLargerThanTheServerHeapRelaysIntactToSeveralRecipients() throws Exception {
    serverProcess = ServerProcess.start(dir.resolve("spool-process"), 0, "-Xmx48m");
    InetSocketAddress address = serverProcess.address();
    long size = 300 * MB;
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer bob = RawPeer.joined(address, "bob");
        RawPeer carol = RawPeer.joined(address, "carol")) {
      alice.expect(JOIN, "bob joined the chat.");
      alice.expect(JOIN, "carol joined the chat.");
      bob.expect(JOIN, "carol joined the chat.");

      CompletableFuture<RawPeer.StreamedFile> atBob = readAsync(bob);
      CompletableFuture<RawPeer.StreamedFile> atCarol = readAsync(carol);
      long crc = alice.sendPatternFile("big.bin", size, size);
      for (RawPeer.StreamedFile got : List.of(atBob.get(120, TimeUnit.SECONDS), atCarol.get(120, TimeUnit.SECONDS))) {
        assertEquals(new RawPeer.StreamedFile("alice", "big.bin", size, crc, got.trailingZeros()), got);
      }
      alice.send(TEXT, "done");
      bob.expect(TEXT, "alice::done");
    }
    assertTrue(serverProcess.isAlive(), "the server survived");
  }

  @Test
  void aRecipientThatNeverReadsHoldsUpNeitherTheSenderNorOthers() throws Exception {
    InetSocketAddress address = start(Map.of());
    long size = 64 * MB;
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer bob = RawPeer.joined(address, "bob");
        RawPeer stuck = RawPeer.connectWithReceiveBuffer(address, 4096)) {
      stuck.send(JOIN, "stuck");
      alice.expect(JOIN, "bob joined the chat.");
      alice.expect(JOIN, "stuck joined the chat.");
      bob.expect(JOIN, "stuck joined the chat.");

      CompletableFuture<RawPeer.StreamedFile> atBob = readAsync(bob);
      long crc = alice.sendPatternFile("video.mp4", size, size);
      RawPeer.StreamedFile got = atBob.get(60, TimeUnit.SECONDS);
      assertEquals(crc, got.crc());
      assertEquals(size, got.size());

      // Chat goes on between the others while stuck has most of the file still to read.
      bob.send(TEXT, "got it");
      alice.expect(TEXT, "bob::got it");
      alice.send(TEXT, "great");
      bob.expect(TEXT, "alice::great");
    }
  }

  @Test
  void chatBetweenOtherUsersFlowsWhileATransferIsUnderWay() throws Exception {
    InetSocketAddress address = start(Map.of("pekko-chat.server.relay-lead-time", "1h"));
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer bob = RawPeer.joined(address, "bob")) {
      alice.expect(JOIN, "bob joined the chat.");
      // alice is half way through a file that bob is receiving; it stays unfinished meanwhile.
      alice.sendPatternFile("half.bin", 64 * MB, 20 * MB);
      try (RawPeer carol = RawPeer.joined(address, "carol");
          RawPeer dave = RawPeer.joined(address, "dave")) {
        carol.expect(JOIN, "dave joined the chat.");
        for (int i = 0; i < 100; i++) {
          carol.send(TEXT, "line " + i);
          dave.expect(TEXT, "carol::line " + i);
        }
        dave.send(TEXT, "/users");
        dave.expect(TEXT, "[Server] Online users: alice, bob, carol, dave");
      }
    }
  }

  @Test
  void ourClientReportsADownloadItCannotSaveAndStaysConnected() throws Exception {
    InetSocketAddress address = start(Map.of());
    Path downloads = dir.resolve("downloads");
    Files.writeString(downloads, "a file where the download directory should be");
    TestConsole console = new TestConsole(false);
    ChatClient client =
        ChatClient.start(Servers.clientConfig(), Servers.clientSettings(downloads), address, "carol", console);
    console.await("Welcome");
    try (RawPeer bob = RawPeer.joined(address, "bob")) {
      console.await("bob joined (the chat|#lobby)\\.");
      bob.sendPatternFile("report.pdf", 3 * MB, 3 * MB);
      console.await("Cannot save report\\.pdf from bob: ");
      bob.send(TEXT, "did it arrive?");
      console.await("bob: did it arrive\\?");
      assertTrue(Files.isRegularFile(downloads), "nothing was written in place of the blocking file");
    } finally {
      client.stop();
    }
  }

  @Test
  void aRecipientThatTakesNothingForTheStallTimeoutIsDisconnectedAndTheSpoolFreed() throws Exception {
    InetSocketAddress address = start(Map.of("pekko-chat.server.relay-stall-timeout", "1s"));
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer stuck = RawPeer.connectWithReceiveBuffer(address, 4096)) {
      stuck.send(JOIN, "stuck");
      alice.expect(JOIN, "stuck joined the chat.");
      // Far more than the kernel buffers of the stuck connection hold.
      alice.sendPatternFile("big.bin", 32 * MB, 32 * MB);
      alice.expect(LEAVE, "stuck left the chat.");
      alice.expectNothing(QUIET);
    }
    Servers.assertSpoolEmptySoon(dir.resolve("spool"));
  }

  @Test
  void aSenderVanishingBeforeTheRelayStartsDeliversNothing() throws Exception {
    // With no lead time, relaying starts only once a file is complete: store and forward.
    InetSocketAddress address = start(Map.of("pekko-chat.server.relay-lead-time", "0s"));
    try (RawPeer alice = RawPeer.joined(address, "alice")) {
      RawPeer bob = RawPeer.joined(address, "bob");
      alice.expect(JOIN, "bob joined the chat.");
      bob.sendPatternFile("big.bin", 10 * MB, 2 * MB);
      bob.abort();
      alice.expect(LEAVE, "bob left the chat.");
      alice.expectNothing(QUIET);
    }
    Servers.assertSpoolEmptySoon(dir.resolve("spool"));
  }

  @Test
  void aSenderVanishingMidRelayLeavesRecipientsInStepAndTold() throws Exception {
    // With a long lead time, relaying starts with the first bytes: recipients are mid-frame.
    InetSocketAddress address = start(Map.of("pekko-chat.server.relay-lead-time", "1h"));
    long size = 10 * MB;
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer carol = RawPeer.joined(address, "carol")) {
      RawPeer bob = RawPeer.joined(address, "bob");
      alice.expect(JOIN, "carol joined the chat.");
      alice.expect(JOIN, "bob joined the chat.");
      carol.expect(JOIN, "bob joined the chat.");

      CompletableFuture<RawPeer.StreamedFile> atAlice = readAsync(alice);
      bob.sendPatternFile("big.bin", size, 3 * MB);
      Thread.sleep(300);
      bob.abort();

      // The frame is completed to its announced length (zeros), so alice's stream stays in step.
      RawPeer.StreamedFile got = atAlice.get(30, TimeUnit.SECONDS);
      assertEquals(size, got.size());
      assertTrue(got.trailingZeros() >= 7 * MB, "the missing part is zeros: " + got.trailingZeros());
      Set<String> after = new HashSet<>();
      after.add(alice.read().text());
      after.add(alice.read().text());
      assertTrue(after.contains("bob left the chat."), after::toString);
      assertTrue(
          after.stream().anyMatch(t -> t.startsWith("[Server] Incomplete file: bob::big.bin was cut off after ")
              && t.contains(" of " + size + " bytes (the sender disconnected)")),
          after::toString);

      carol.send(TEXT, "still in step?");
      alice.expect(TEXT, "carol::still in step?");
    }
    Servers.assertSpoolEmptySoon(dir.resolve("spool"));
  }

  @Test
  void ourClientDeletesItsCopyOfAFileTheServerCutOff() throws Exception {
    InetSocketAddress address = start(Map.of("pekko-chat.server.relay-lead-time", "1h"));
    Path downloads = dir.resolve("downloads");
    TestConsole console = new TestConsole(false);
    ChatClient client =
        ChatClient.start(Servers.clientConfig(), Servers.clientSettings(downloads), address, "carol", console);
    try {
      console.await("Welcome");
      RawPeer bob = RawPeer.joined(address, "bob");
      console.await("bob joined (the chat|#lobby)\\.");
      bob.sendPatternFile("movie.mkv", 8 * MB, 2 * MB);
      Thread.sleep(300);
      bob.abort();
      console.await("bob sent movie\\.mkv .*saved to ");
      console.await("Incomplete file: bob::movie\\.mkv");
      console.await("Deleted the incomplete copy .*movie\\.mkv");
      try (Stream<Path> left = Files.list(downloads)) {
        assertEquals(List.of(), left.toList());
      }
    } finally {
      client.stop();
    }
  }

  @Test
  void ourClientsStreamAFileAndReportRateAndTime() throws Exception {
    InetSocketAddress address = start(Map.of());
    Path source = dir.resolve("big.bin");
    try (var out = Files.newOutputStream(source)) {
      byte[] block = new byte[(int) MB];
      new java.util.Random(3).nextBytes(block);
      for (int i = 0; i < 40; i++) {
        out.write(block);
      }
    }
    TestConsole alice = new TestConsole(false);
    TestConsole bob = new TestConsole(false);
    ChatClient a = ChatClient.start(Servers.clientConfig(), Servers.clientSettings(dir.resolve("a")), address, "alice", alice);
    // alice must be in before bob joins, or she is never told that he did.
    alice.await("Welcome!");
    ChatClient b = ChatClient.start(Servers.clientConfig(), Servers.clientSettings(dir.resolve("b")), address, "bob", bob);
    try {
      alice.await("bob joined (the chat|#lobby)\\.");
      alice.type("/send " + source);
      // Typing goes on while the file is being sent; the line follows the file.
      alice.type("typed during the upload");
      alice.await("Sent big\\.bin \\(40\\.0 MiB\\) in [0-9.]+ s, [0-9.]+ MB/s\\.");
      bob.await("alice sent big\\.bin \\(40\\.0 MiB\\), saved to .*big\\.bin \\(in [0-9.]+ s, [0-9.]+ MB/s\\)");
      bob.await("alice: typed during the upload");
      assertEquals(-1L, Files.mismatch(source, dir.resolve("b").resolve("big.bin")));
    } finally {
      a.stop();
      b.stop();
    }
  }

  @Test
  void aFullSpoolRefusesTheFileAndTheSenderStays() throws Exception {
    InetSocketAddress address = start(Map.of("pekko-chat.server.spool-max-size", "1 MiB"));
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer bob = RawPeer.joined(address, "bob")) {
      alice.expect(JOIN, "bob joined the chat.");
      alice.sendPatternFile("two.bin", 2 * MB, 2 * MB);
      String reason = alice.expectType(ERROR).text();
      assertTrue(reason.startsWith("Could not receive file two.bin (2.0 MiB): the server's file storage is full"), reason);
      alice.send(TEXT, "still here");
      bob.expect(TEXT, "alice::still here");

      long crc = alice.sendPatternFile("small.bin", 100_000, 100_000);
      RawPeer.StreamedFile got = bob.readFileStreaming();
      assertEquals(crc, got.crc());
    }
  }

  @Test
  void aBrokenSpoolRefusesTheFileAndTheServerCarriesOn() throws Exception {
    InetSocketAddress address = start(Map.of());
    // Replace the spool directory by a plain file: nothing can be created in it any more,
    // even by root.
    Path spool = dir.resolve("spool");
    Files.delete(spool);
    Files.writeString(spool, "not a directory");
    try (RawPeer alice = RawPeer.joined(address, "alice");
        RawPeer bob = RawPeer.joined(address, "bob")) {
      alice.expect(JOIN, "bob joined the chat.");
      alice.sendPatternFile("doomed.bin", 3 * MB, 3 * MB);
      String reason = alice.expectType(ERROR).text();
      assertTrue(reason.startsWith("Could not receive file doomed.bin"), reason);
      alice.send(TEXT, "after the failure");
      bob.expect(TEXT, "alice::after the failure");
      bob.expectNothing(QUIET);
    }
  }

  // --- helpers ------------------------------------------------------------------------------

  private static CompletableFuture<RawPeer.StreamedFile> readAsync(RawPeer peer) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return peer.readFileStreaming();
          } catch (IOException e) {
            throw new RuntimeException(e);
          }
        });
  }

  /** The project's server in a JVM of its own, so that its heap can be smaller than the file. */

}
