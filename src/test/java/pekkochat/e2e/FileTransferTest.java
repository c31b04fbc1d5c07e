package pekkochat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
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
  private static final Duration DEADLINE = Duration.ofSeconds(10);

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
      // Once the spool is empty the transfer is over on the server; dave's join then comes after
      // all of it in the room's order, and is the next frame alice (the sender) reads.
      Servers.assertSpoolEmptySoon(dir.resolve("spool"));
      expectNothingBefore(alice, "dave");
    }
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
      // The partial file is deleted, so nothing of it can be on its way; carol's join comes
      // after all of it in the room's order, and is the next frame alice reads.
      Servers.assertSpoolEmptySoon(dir.resolve("spool"));
      expectNothingBefore(alice, "carol");
    }
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

      bob.sendPatternFile("big.bin", size, 3 * MB);
      // bob vanishes only once the server holds all he sent and alice is mid-frame: the file's
      // first bytes wait in her socket (she reads nothing until bob is gone).
      awaitSpoolWritten(3 * MB);
      awaitUnreadBytes(alice, address);
      bob.abort();
      CompletableFuture<RawPeer.StreamedFile> atAlice = readAsync(alice);

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
    // The original protocol, where a cut-off file is completed with zeros and followed by a notice
    // (an extended client gets a CANCEL instead: ChunkedTransferTest).
    ChatClient client =
        ChatClient.start(Servers.clientConfig(), Servers.clientSettings(downloads).withExtendedProtocol(false), address, "carol", console);
    try {
      console.await("Welcome");
      RawPeer bob = RawPeer.joined(address, "bob");
      console.await("bob joined (the chat|#lobby)\\.");
      bob.sendPatternFile("movie.mkv", 8 * MB, 2 * MB);
      // bob vanishes only once the server holds all he sent and the client is mid-download
      // (it has opened its .part file for the frame).
      awaitSpoolWritten(2 * MB);
      awaitPartFile(downloads);
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
      // Typing goes on while the file is being sent; with our server (extended protocol) the line
      // goes between the file's chunks, so it comes before the file is saved.
      alice.type("typed during the upload");
      alice.await("Sent big\\.bin \\(40\\.0 MiB\\) in [0-9.]+ s, [0-9.]+ MB/s\\.");
      bob.await("alice: typed during the upload");
      bob.await("alice sent big\\.bin \\(40\\.0 MiB\\), saved to .*big\\.bin \\(in [0-9.]+ s, [0-9.]+ MB/s\\)");
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
      // Once the upload has given its room in the spool back it is over; alice's next line then
      // comes after anything it could have sent bob, and is the next frame bob reads.
      awaitSpoolReserved(0);
      alice.send(TEXT, "and after that");
      bob.expect(TEXT, "alice::and after that");
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

  /**
   * Asserts that nothing more reaches {@code peer} from what went before: {@code newcomer} joins,
   * and its announcement (after everything earlier in the room's order) must be the next frame.
   */
  private void expectNothingBefore(RawPeer peer, String newcomer) throws IOException {
    try (RawPeer marker = RawPeer.joined(server.address(), newcomer)) {
      peer.expect(JOIN, newcomer + " joined the chat.");
    }
  }

  /** Waits until the spool has {@code bytes} reserved for files in transit. */
  private void awaitSpoolReserved(long bytes) throws InterruptedException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (Servers.spoolReserved(server) != bytes) {
      assertTrue(System.nanoTime() < deadline, () -> "spool reserved " + Servers.spoolReserved(server) + " bytes, not " + bytes);
      Thread.sleep(10);
    }
  }

  /** Waits until at least {@code bytes} of uploads are written to the spool. */
  private void awaitSpoolWritten(long bytes) throws InterruptedException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (written() < bytes) {
      assertTrue(System.nanoTime() < deadline, () -> "only " + written() + " bytes written to the spool");
      Thread.sleep(10);
    }
  }

  private long written() {
    return server.spool().reserved() - server.spool().promised();
  }

  /** Waits until a {@code .part} file (a download in progress) is in {@code downloads}. */
  private static void awaitPartFile(Path downloads) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (true) {
      if (Files.isDirectory(downloads)) {
        try (Stream<Path> files = Files.list(downloads)) {
          if (files.anyMatch(f -> f.getFileName().toString().endsWith(".part"))) {
            return;
          }
        }
      }
      assertTrue(System.nanoTime() < deadline, "the client never began the download");
      Thread.sleep(10);
    }
  }

  /**
   * Waits until {@code peer}'s socket holds bytes it has not read (from /proc/net/tcp and tcp6,
   * the receive queue of its connection to {@code server}).
   */
  private static void awaitUnreadBytes(RawPeer peer, InetSocketAddress server) throws IOException, InterruptedException {
    assumeTrue(new java.io.File("/proc/net/tcp").canRead(), "needs Linux /proc/net/tcp");
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (unreadBytes(peer.localPort(), server.getPort()) <= 0) {
      assertTrue(System.nanoTime() < deadline, "nothing reached the recipient's socket");
      Thread.sleep(10);
    }
  }

  private static long unreadBytes(int localPort, int remotePort) throws IOException {
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path path = Path.of(table);
      if (!Files.isReadable(path)) {
        continue;
      }
      for (String line : Files.readAllLines(path)) {
        String[] f = line.trim().split("\\s+");
        if (f.length < 5 || !f[1].contains(":") || !f[4].contains(":")) {
          continue;
        }
        int local = Integer.parseInt(f[1].substring(f[1].lastIndexOf(':') + 1), 16);
        int remote = Integer.parseInt(f[2].substring(f[2].lastIndexOf(':') + 1), 16);
        if (local == localPort && remote == remotePort && f[3].equals("01")) {
          return Long.parseLong(f[4].substring(f[4].indexOf(':') + 1), 16);
        }
      }
    }
    return -1;
  }

  /** The project's server in a JVM of its own, so that its heap can be smaller than the file. */

}
