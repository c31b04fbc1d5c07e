package pekkochat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static pekkochat.testing.RawPeer.ERROR;
import static pekkochat.testing.RawPeer.JOIN;
import static pekkochat.testing.RawPeer.LEAVE;
import static pekkochat.testing.RawPeer.TEXT;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pekkochat.client.ChatClient;
import pekkochat.config.ClientSettings;
import pekkochat.protocol.Event;
import pekkochat.protocol.FrameType;
import pekkochat.protocol.Transfer;
import pekkochat.server.ChatServer;
import pekkochat.testing.RawPeer;
import pekkochat.testing.Servers;
import pekkochat.testing.TestConsole;

/**
 * Chunked transfers of the extended protocol (XFER frames) end to end: real TCP on loopback, the
 * real server, the project's real client, and raw peers where a test must control the pace of
 * one side exactly (a sender that stops half way, a server that reads only when told), so that
 * "while the file is in flight" is a fact of the test, not a matter of timing.
 */
class ChunkedTransferTest {

  private static final int EVENT = FrameType.EVENT.code();
  private static final int XFER = FrameType.XFER.code();
  private static final long MB = 1024 * 1024;
  private static final Duration DEADLINE = Duration.ofSeconds(20);

  @TempDir Path dir;
  private ChatServer server;
  private final List<ChatClient> clients = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    clients.forEach(ChatClient::stop);
    if (server != null) {
      server.close();
    }
  }

  private InetSocketAddress start(Map<String, Object> overrides) throws Exception {
    Files.createDirectories(dir.resolve("spool"));
    server = Servers.start(dir.resolve("spool"), overrides);
    return server.address();
  }

  /** Relaying starts with the first bytes and a paused upload is never given up: the test sets the pace. */
  private InetSocketAddress startPatient() throws Exception {
    return start(Map.of(
        "pekko-chat.server.relay-lead-time", "1h",
        "pekko-chat.server.relay-completion-timeout", "1h"));
  }

  private TestConsole client(InetSocketAddress address, String name, long autoAcceptMax) {
    TestConsole console = new TestConsole(false);
    ClientSettings settings = Servers.clientSettings(dir.resolve(name)).withAutoAcceptMax(autoAcceptMax);
    clients.add(ChatClient.start(Servers.clientConfig(), settings, address, name, console));
    console.await("You are talking in #lobby now\\.");
    return console;
  }

  // --- chat while files move ------------------------------------------------------------------

  @Test
  void chatGoesBothWaysWhileAFileIsInFlight() throws Exception {
    InetSocketAddress address = startPatient();
    try (RawPeer alice = extended(address, "alice")) {
      TestConsole bob = client(address, "bob", 64 * MB);
      byte[] content = randomBytes((int) (8 * MB), 1);
      xfer(alice, Transfer.offer(1, content.length, "", "notes.bin"));
      sendData(alice, 1, content, 0, 2 * MB);
      bob.await("Receiving notes\\.bin \\(8\\.0 MiB\\) from alice as transfer 1");

      // alice has sent a quarter of the file and stops there: it cannot be complete at bob's.
      alice.send(TEXT, "while it moves");
      bob.await("alice: while it moves");
      bob.type("got your line");
      Event fromBob = awaitEvent(alice, Event.Kind.MESSAGE);
      assertEquals("bob", fromBob.from());
      assertEquals("got your line", fromBob.text());
      assertFalse(bob.printed().stream().anyMatch(l -> l.contains("saved to")), "the file is not complete yet");
      assertTrue(partFiles(dir.resolve("bob")) == 1, "bob holds the partial file");
      awaitProgress(bob, "notes.bin"); // the progress line shows the transfer while it waits

      sendData(alice, 1, content, 2 * MB, content.length);
      xfer(alice, Transfer.end(1, content.length));
      bob.await("alice sent notes\\.bin \\(8\\.0 MiB\\), saved to .*notes\\.bin");
      assertEquals(ByteString.fromArray(content), ByteString.fromArray(Files.readAllBytes(dir.resolve("bob").resolve("notes.bin"))));
      // (alice's "accepted" went by while she waited for bob's line.)
      Transfer response = awaitXfer(alice, Transfer.Kind.RESPONSE);
      assertEquals(List.of(1L, "bob", "received"), List.of(response.id(), response.who(), response.text()));
    }
    Servers.assertSpoolEmptySoon(dir.resolve("spool"));
  }

  /**
   * The client's own outbound side: a line typed while its upload goes out is sent between the
   * file's chunks. The "server" here is the test, reading only as much as it wants, so the upload
   * cannot be over when the line comes.
   */
  @Test
  void aLineTypedDuringAnUploadGoesBetweenItsChunks() throws Exception {
    // 256 MiB (four copies of 64 random MiB): after the line is shown as queued, the test reads
    // at memory speed while the line makes its way out through the client's streams; at 1 GB/s
    // a delay of tens of milliseconds there is tens of MiB of chunks, so the file must be far
    // larger than that for "the line came before half the file" to mean "between the chunks".
    Path file = dir.resolve("big.bin");
    byte[] content = randomBytes((int) (64 * MB), 2);
    int copies = 4;
    long total = (long) content.length * copies;
    try (java.io.OutputStream out = Files.newOutputStream(file)) {
      for (int i = 0; i < copies; i++) {
        out.write(content);
      }
    }
    try (ServerSocket listener = new ServerSocket()) {
      // A small, fixed receive buffer (set before accepting, it holds for the accepted socket and
      // turns off the kernel's autotuning, which grows it to 32 MiB here): what the client can
      // push ahead of the test's reads is then bounded by its own send buffer and streams, well
      // under half the file, whatever the machine.
      listener.setReceiveBufferSize(64 * 1024);
      listener.bind(new InetSocketAddress("127.0.0.1", 0));
      TestConsole alice = new TestConsole(false);
      clients.add(ChatClient.start(Servers.clientConfig(), Servers.clientSettings(dir.resolve("alice")),
          new InetSocketAddress("127.0.0.1", listener.getLocalPort()), "alice", alice));
      try (Socket socket = listener.accept(); RawPeer server = RawPeer.accepted(socket)) {
        server.expect(JOIN, "alice");
        server.send(TEXT, "Welcome! Type /help for commands.");
        server.expect(TEXT, "/extended 1");
        sendEvent(server, new Event(Event.Kind.HELLO, "", 0, 0, "", "alice", "test 1"));
        sendEvent(server, new Event(Event.Kind.ENTERED, "#lobby", 0, 0, "", "alice", ""));
        sendEvent(server, new Event(Event.Kind.ACTIVE, "#lobby", 0, 0, "", "", ""));
        alice.await("You are talking in #lobby now\\.");

        alice.type("/send " + file);
        Transfer offer = nextXfer(server);
        assertEquals(Transfer.Kind.OFFER, offer.kind());
        assertEquals(total, offer.size());
        assertEquals("big.bin", offer.text());
        long received = nextXfer(server).data().size();

        awaitProgress(alice, "big.bin"); // the upload's progress line, while the test holds it back
        alice.type("typed meanwhile");
        // The client shows its user's line once it has queued it: from then on it must go out
        // ahead of the file's remaining chunks (which the test has not read yet).
        alice.await("alice: typed meanwhile$");
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(content, 0, (int) received);
        boolean lineSeen = false;
        long receivedAtLine = -1;
        while (true) {
          RawPeer.Frame f = server.read();
          if (f.type() == TEXT) {
            assertEquals("typed meanwhile", f.text());
            lineSeen = true;
            receivedAtLine = received;
            continue;
          }
          assertEquals(XFER, f.type(), () -> "unexpected " + f);
          Transfer t = Transfer.decodePayload(ByteString.fromArray(f.payload())).orElseThrow();
          if (t.kind() == Transfer.Kind.END) {
            break;
          }
          assertEquals(Transfer.Kind.DATA, t.kind());
          crc.update(t.data().toArray());
          received += t.data().size();
        }
        assertTrue(lineSeen, "the line came before the end of the file");
        assertTrue(receivedAtLine < total / 2, "the line came early: after " + receivedAtLine + " bytes");
        assertEquals(total, received);
        java.util.zip.CRC32 expected = new java.util.zip.CRC32();
        for (int i = 0; i < copies; i++) {
          expected.update(content);
        }
        assertEquals(expected.getValue(), crc.getValue());
        alice.await("Sent big\\.bin \\(256\\.0 MiB\\)");
      }
    }
  }

  // --- cancel, decline, accept ----------------------------------------------------------------

  @Test
  void theSenderCancelsAndEveryRecipientDeletesItsPartialFile() throws Exception {
    InetSocketAddress address = startPatient();
    Path file = sparse("huge.bin", 1536 * MB);
    TestConsole alice = client(address, "alice", 0);
    TestConsole bob = client(address, "bob", 8192 * MB);
    TestConsole carol = client(address, "carol", 8192 * MB);
    alice.await("carol joined #lobby");
    alice.type("/send " + file);
    bob.await("Receiving huge\\.bin");
    carol.await("Receiving huge\\.bin");
    alice.type("/cancel");
    alice.await("Cancelled sending huge\\.bin\\.");
    bob.await("alice stopped sending huge\\.bin \\(the sender cancelled it\\)\\. The partial file was deleted\\.");
    carol.await("alice stopped sending huge\\.bin \\(the sender cancelled it\\)\\. The partial file was deleted\\.");
    awaitNoFiles(dir.resolve("bob"));
    awaitNoFiles(dir.resolve("carol"));
    Servers.assertSpoolEmptySoon(dir.resolve("spool"));
    carol.type("still talking");
    bob.await("carol: still talking");
    alice.await("carol: still talking");
  }

  @Test
  void aRecipientCancelsForItselfAndTheOthersGetTheWholeFile() throws Exception {
    InetSocketAddress address = startPatient();
    Path file = sparse("movie.bin", 400 * MB);
    TestConsole alice = client(address, "alice", 0);
    TestConsole bob = client(address, "bob", 1024 * MB);
    TestConsole carol = client(address, "carol", 1024 * MB);
    alice.await("carol joined #lobby");
    alice.type("/send " + file);
    bob.await("Receiving movie\\.bin \\(400\\.0 MiB\\) from alice as transfer (\\d+)");
    ChatClient bobClient = clients.get(1);
    awaitTrue(bobClient::transferring, "bob's client says a transfer is going on (what Ctrl-C asks about)");
    bob.type("/cancel");
    bob.await("Cancelled receiving movie\\.bin from alice\\. The partial file was deleted\\.");
    awaitTrue(() -> !bobClient.transferring(), "bob's client says nothing is going on any more");
    alice.await("bob stopped receiving movie\\.bin\\.");
    carol.await("alice sent movie\\.bin \\(400\\.0 MiB\\), saved to ", Duration.ofSeconds(60));
    assertEquals(-1L, Files.mismatch(file, dir.resolve("carol").resolve("movie.bin")));
    awaitNoFiles(dir.resolve("bob"));
    alice.await("carol received movie\\.bin\\.");
    bob.type("I passed on that one");
    carol.await("bob: I passed on that one");
  }

  @Test
  void aRecipientIsAskedAndMayDeclineOrAccept() throws Exception {
    InetSocketAddress address = start(Map.of());
    Path file = dir.resolve("plan.txt");
    Files.write(file, randomBytes((int) MB, 3));
    TestConsole alice = client(address, "alice", 0);
    TestConsole bob = client(address, "bob", 0);
    alice.await("bob joined #lobby");

    alice.type("/send " + file);
    bob.await("alice offers plan\\.txt \\(1\\.0 MiB\\): /accept (\\d+) saves it, /decline \\1 refuses it\\.");
    bob.type("/decline");
    bob.await("Declined plan\\.txt from alice\\.");
    alice.await("bob declined plan\\.txt\\.");
    awaitNoFiles(dir.resolve("bob"));

    alice.type("/send " + file);
    Matcher offer = Pattern.compile("/accept (\\d+)").matcher(bob.await("alice offers plan\\.txt"));
    assertTrue(offer.find());
    bob.type("/accept " + offer.group(1));
    bob.await("alice sent plan\\.txt \\(1\\.0 MiB\\), saved to .*plan\\.txt");
    alice.await("bob accepted plan\\.txt\\.");
    alice.await("bob received plan\\.txt\\.");
    assertEquals(-1L, Files.mismatch(file, dir.resolve("bob").resolve("plan.txt")));
  }

  @Test
  void filesUpToAutoAcceptMaxAreSavedWithoutAsking() throws Exception {
    InetSocketAddress address = start(Map.of());
    Path small = dir.resolve("small.bin");
    Path big = dir.resolve("big.bin");
    Files.write(small, randomBytes((int) MB, 4));
    Files.write(big, randomBytes((int) (3 * MB), 5));
    TestConsole alice = client(address, "alice", 0);
    TestConsole bob = client(address, "bob", 2 * MB);
    alice.await("bob joined #lobby");
    alice.type("/send " + small);
    bob.await("alice sent small\\.bin \\(1\\.0 MiB\\), saved to ");
    alice.type("/send " + big);
    bob.await("alice offers big\\.bin \\(3\\.0 MiB\\): /accept ");
    assertEquals(-1L, Files.mismatch(small, dir.resolve("bob").resolve("small.bin")));
    assertFalse(Files.exists(dir.resolve("bob").resolve("big.bin")));
  }

  // --- the original protocol alongside ----------------------------------------------------------

  @Test
  void anOriginalClientInTheRoomGetsTheFileAsAFileFrame() throws Exception {
    InetSocketAddress address = start(Map.of());
    Path file = dir.resolve("report.pdf");
    byte[] content = randomBytes((int) (5 * MB), 6);
    Files.write(file, content);
    TestConsole alice = client(address, "alice", 0);
    try (RawPeer carol = RawPeer.joined(address, "carol")) {
      TestConsole bob = client(address, "bob", 64 * MB);
      carol.expect(JOIN, "bob joined the chat.");
      alice.type("/send " + file);
      RawPeer.StreamedFile got = carol.readFileStreaming();
      java.util.zip.CRC32 crc = new java.util.zip.CRC32();
      crc.update(content);
      assertEquals(new RawPeer.StreamedFile("alice", "report.pdf", content.length, crc.getValue(), got.trailingZeros()), got);
      bob.await("alice sent report\\.pdf \\(5\\.0 MiB\\), saved to ");
      assertEquals(-1L, Files.mismatch(file, dir.resolve("bob").resolve("report.pdf")));
    }
  }

  // --- when each kind of recipient starts ----------------------------------------------------------

  /**
   * With {@code relay-lead-time = 0s} a FILE frame may begin only once the upload is complete, so
   * anything an extended recipient receives while the sender holds back the rest came from the
   * upload in progress. The original recipient in the same room gets the file only when it is
   * complete, and chat meanwhile.
   */
  @Test
  void anExtendedRecipientReceivesTheFileWhileItIsStillArrivingAndAnOriginalOneOnlyOnceItIsIn() throws Exception {
    InetSocketAddress address = start(Map.of("pekko-chat.server.relay-lead-time", "0s"));
    try (RawPeer alice = extended(address, "alice");
        RawPeer bob = extended(address, "bob");
        RawPeer carol = RawPeer.joined(address, "carol")) {
      awaitEvent(alice, Event.Kind.JOINED); // bob
      awaitEvent(alice, Event.Kind.JOINED); // carol
      awaitEvent(bob, Event.Kind.JOINED); // carol
      byte[] content = randomBytes((int) (16 * MB), 7);
      xfer(alice, Transfer.offer(1, content.length, "", "early.bin"));
      sendData(alice, 1, content, 0, MB);

      Transfer offered = awaitXfer(bob, Transfer.Kind.OFFERED);
      assertEquals(content.length, offered.size());
      xfer(bob, Transfer.accept(offered.id()));
      java.io.ByteArrayOutputStream atBob = new java.io.ByteArrayOutputStream();
      while (atBob.size() < MB) {
        Transfer data = awaitXfer(bob, Transfer.Kind.DATA);
        atBob.write(data.data().toArray());
      }
      // alice has sent 1 of 16 MiB and holds back the rest: bob has it already.
      assertEquals(ByteString.fromArray(content, 0, (int) MB), ByteString.fromArray(atBob.toByteArray()));

      // carol's connection is not held by the file: alice's line reaches her, and nothing before it.
      alice.send(TEXT, "it is on its way");
      carol.expect(TEXT, "alice::it is on its way");

      sendData(alice, 1, content, MB, content.length);
      xfer(alice, Transfer.end(1, content.length));
      while (true) {
        Transfer t = nextXfer(bob);
        if (t.kind() == Transfer.Kind.END) {
          break;
        }
        assertEquals(Transfer.Kind.DATA, t.kind());
        atBob.write(t.data().toArray());
      }
      assertEquals(ByteString.fromArray(content), ByteString.fromArray(atBob.toByteArray()));
      java.util.zip.CRC32 crc = new java.util.zip.CRC32();
      crc.update(content);
      assertEquals(new RawPeer.StreamedFile("alice", "early.bin", content.length, crc.getValue(), 0), carol.readFileStreaming());
      alice.send(TEXT, "done");
      carol.expect(TEXT, "alice::done");
    }
    Servers.assertSpoolEmptySoon(dir.resolve("spool"));
  }

  /**
   * A sender that stops part way, before the lead-time moment: the upload-min-rate guard gives it
   * up. The extended recipient that was receiving it is told why and deletes its partial copy;
   * the original one never saw the file and chatted meanwhile; the sender hears why; the spool
   * lets the file go.
   */
  @Test
  void anUploadThatStallsFailsForTheSenderAndEveryRecipientAndLeavesNothing() throws Exception {
    InetSocketAddress address = start(Map.of(
        "pekko-chat.server.relay-lead-time", "0s",
        "pekko-chat.server.upload-rate-window", "2s"));
    try (RawPeer alice = extended(address, "alice")) {
      TestConsole bob = client(address, "bob", 64 * MB);
      try (RawPeer carol = RawPeer.joined(address, "carol")) {
        awaitEvent(alice, Event.Kind.JOINED); // bob
        awaitEvent(alice, Event.Kind.JOINED); // carol
        byte[] content = randomBytes((int) (8 * MB), 8);
        xfer(alice, Transfer.offer(1, content.length, "", "stuck.bin"));
        sendData(alice, 1, content, 0, MB);
        bob.await("Receiving stuck\\.bin \\(8\\.0 MiB\\) from alice as transfer 1");
        awaitProgress(bob, "stuck.bin"); // bob's client is receiving it, into a partial file
        assertEquals(1, partFiles(dir.resolve("bob")), "bob holds the partial file");
        bob.type("are you there?");
        carol.expect(TEXT, "bob::are you there?");

        // alice sends nothing more: within two windows the server gives the upload up.
        Transfer declined = awaitXfer(alice, Transfer.Kind.DECLINE);
        assertEquals("Could not send stuck.bin: it arrived too slowly (under 16.0 KiB/s).", declined.text());
        bob.await("alice stopped sending stuck\\.bin \\(it arrived too slowly \\(under 16\\.0 KiB/s\\)\\)\\. The partial file was deleted\\.");
        awaitNoFiles(dir.resolve("bob"));
        Servers.assertSpoolEmptySoon(dir.resolve("spool"));
        // carol was never sent the file: the next frame she gets is the next line.
        alice.send(TEXT, "sorry, my link died");
        carol.expect(TEXT, "alice::sorry, my link died");
      }
    }
  }

  /**
   * A FILE frame from an original client reaches an extended recipient as it arrives too; its
   * sender vanishing part way ends that transfer with the reason, while the original recipient,
   * whose frame had not begun, sees only the sender leave.
   */
  @Test
  void aFileFrameReachesExtendedRecipientsAsItArrivesAndItsSendersDisconnectCancelsIt() throws Exception {
    InetSocketAddress address = start(Map.of("pekko-chat.server.relay-lead-time", "0s"));
    try (RawPeer bob = extended(address, "bob");
        RawPeer carol = RawPeer.joined(address, "carol")) {
      awaitEvent(bob, Event.Kind.JOINED); // carol
      RawPeer alice = RawPeer.joined(address, "alice");
      carol.expect(JOIN, "alice joined the chat.");
      byte[] content = randomBytes((int) (16 * MB), 9);
      byte[] frame = RawPeer.frame(RawPeer.FILE, concat("old.bin::".getBytes(java.nio.charset.StandardCharsets.UTF_8), content));
      int firstPart = frame.length / 8;
      alice.sendRaw(java.util.Arrays.copyOf(frame, firstPart));

      Transfer offered = awaitXfer(bob, Transfer.Kind.OFFERED);
      assertEquals("old.bin", offered.text());
      xfer(bob, Transfer.accept(offered.id()));
      Transfer first = awaitXfer(bob, Transfer.Kind.DATA);
      assertEquals(ByteString.fromArray(content, 0, first.data().size()), first.data());

      alice.abort();
      while (true) {
        Transfer t = nextXfer(bob);
        if (t.kind() == Transfer.Kind.CANCEL) {
          assertEquals("the sender disconnected", t.text());
          break;
        }
        assertEquals(Transfer.Kind.DATA, t.kind());
      }
      carol.expect(LEAVE, "alice left the chat.");
      Servers.assertSpoolEmptySoon(dir.resolve("spool"));
      bob.send(TEXT, "after it");
      carol.expect(TEXT, "bob::after it");
    }
  }

  // --- hostile frames -----------------------------------------------------------------------------

  @Test
  void badTransferFramesGetClearErrorsAndTheSessionGoesOn() throws Exception {
    InetSocketAddress address = start(Map.of("pekko-chat.protocol.max-file-size", "10 MiB"));
    try (RawPeer original = RawPeer.joined(address, "orig");
        RawPeer alice = extended(address, "alice");
        RawPeer bob = extended(address, "bob")) {
      xfer(original, Transfer.offer(1, 10, "", "x"));
      assertEquals("XFER frames are for the extended protocol: send /extended 1 first.", nextError(original));

      xfer(alice, Transfer.data(99, ByteString.fromString("stray")));
      assertEquals("No upload with id 99 is in progress (OFFER it first): DATA dropped.", nextError(alice));
      xfer(alice, Transfer.end(98, 0));
      assertEquals("No upload with id 98 is in progress: END ignored.", nextError(alice));
      xfer(alice, Transfer.accept(77));
      assertEquals("No file is offered to you with id 77.", nextError(alice));
      xfer(alice, Transfer.decline(76, "no"));
      assertEquals("No file with id 76 is coming to you.", nextError(alice));
      xfer(alice, Transfer.offered(5, 1, "mallory", "", "evil"));
      assertEquals("XFER OFFERED is sent by servers only.", nextError(alice));
      alice.send(XFER, new byte[] {(byte) 99, 0, 0, 0, 0, 0, 0, 0, 1});
      assertEquals("Malformed XFER frame: unknown kind 99.", nextError(alice));
      alice.send(XFER, new byte[] {1, 2, 3});
      assertEquals("Malformed XFER frame: XFER payload of 3 bytes is too short.", nextError(alice));

      xfer(alice, Transfer.offer(2, 11 * MB, "", "too-big.bin"));
      assertEquals("Could not send too-big.bin (11.0 MiB): the limit is 10.0 MiB.", awaitXfer(alice, Transfer.Kind.DECLINE).text());
      xfer(alice, Transfer.offer(3, 10, "#nowhere", "x.bin"));
      assertEquals("Could not send x.bin (10 B): you are not in #nowhere.", awaitXfer(alice, Transfer.Kind.DECLINE).text());

      // A hostile name arrives as a safe base name; bob sees the offer, alice an error for the duplicate id.
      xfer(alice, Transfer.offer(4, 20, "", "../../etc/passwd\u001b[31m"));
      xfer(alice, Transfer.data(4, ByteString.fromArray(new byte[10])));
      Transfer offered = awaitXfer(bob, Transfer.Kind.OFFERED);
      assertFalse(offered.text().contains("/") || offered.text().contains("\u001b") || offered.text().contains(".."), offered.text());
      xfer(alice, Transfer.offer(4, 20, "", "again"));
      assertEquals("Transfer id 4 is already in use by an upload in progress.", nextError(alice));
      // More bytes than offered: the upload is refused and its partial file goes.
      xfer(alice, Transfer.data(4, ByteString.fromArray(new byte[30]))); // 40 of 20
      assertTrue(awaitXfer(alice, Transfer.Kind.DECLINE).text().contains("more bytes came than the 20 offered"));
      // bob, offered it and not yet answering, is told why it was withdrawn.
      assertEquals("more bytes came than the 20 offered", awaitXfer(bob, Transfer.Kind.CANCEL).text());
      // Fewer bytes than offered.
      xfer(alice, Transfer.offer(5, 20, "", "short.bin"));
      xfer(alice, Transfer.data(5, ByteString.fromArray(new byte[5])));
      xfer(alice, Transfer.end(5, 20));
      assertTrue(awaitXfer(alice, Transfer.Kind.DECLINE).text().contains("it ended after 5 of the 20 bytes offered"));
      // At most max-per-connection uploads at once.
      for (int id = 10; id < 18; id++) {
        xfer(alice, Transfer.offer(id, 1000, "", "f" + id));
      }
      xfer(alice, Transfer.offer(18, 1000, "", "one-too-many"));
      assertEquals("Could not send one-too-many (1000 B): at most 8 uploads at once.", awaitXfer(alice, Transfer.Kind.DECLINE).text());

      alice.send(TEXT, "/users");
      alice.expect(TEXT, "[Server] Online users: orig, alice, bob");
      original.send(TEXT, "still fine?");
      assertEquals("still fine?", awaitEvent(bob, Event.Kind.MESSAGE).text());
    }
  }

  @Test
  void aRecipientThatAcceptsAndStopsReadingIsStoppedAndTheFileLetGo() throws Exception {
    InetSocketAddress address = start(Map.of("pekko-chat.server.relay-stall-timeout", "2s"));
    try (RawPeer alice = extended(address, "alice");
        RawPeer mallory = RawPeer.connectWithReceiveBuffer(address, 4096)) {
      mallory.send(JOIN, "mallory");
      mallory.expect(TEXT, "Welcome! Type /help for commands.");
      mallory.send(TEXT, "/extended 1");
      awaitEvent(mallory, Event.Kind.ACTIVE);
      awaitEvent(alice, Event.Kind.JOINED);
      byte[] content = randomBytes((int) (16 * MB), 5);
      xfer(alice, Transfer.offer(1, content.length, "", "pinned.bin"));
      sendData(alice, 1, content, 0, content.length);
      xfer(alice, Transfer.end(1, content.length));
      Transfer offered = awaitXfer(mallory, Transfer.Kind.OFFERED);
      xfer(mallory, Transfer.accept(offered.id()));
      // mallory reads nothing from now on: the server's socket to it fills, then its delivery
      // waits, and after the stall timeout it is stopped although the CANCEL cannot reach it.
      while (true) {
        Transfer r = awaitXfer(alice, Transfer.Kind.RESPONSE);
        if (r.text().equals("stalled")) {
          assertEquals("mallory", r.who());
          break;
        }
      }
      Servers.assertSpoolEmptySoon(dir.resolve("spool"));
      // The quota is free again: alice can share another file at once.
      xfer(alice, Transfer.offer(2, 10, "", "next.bin"));
      xfer(alice, Transfer.data(2, ByteString.fromArray(new byte[10])));
      xfer(alice, Transfer.end(2, 10));
      alice.send(TEXT, "/users");
      alice.expect(TEXT, "[Server] Online users: alice, mallory");
    }
  }

  // --- helpers --------------------------------------------------------------------------------

  /** A raw peer that joined and switched to the extended protocol. */
  private static RawPeer extended(InetSocketAddress address, String name) throws IOException {
    RawPeer peer = RawPeer.joined(address, name);
    peer.send(TEXT, "/extended 1");
    awaitEvent(peer, Event.Kind.ACTIVE);
    return peer;
  }

  private static void xfer(RawPeer peer, Transfer t) throws IOException {
    peer.sendRaw(t.encodeFrame().toArray());
  }

  private static void sendEvent(RawPeer peer, Event e) throws IOException {
    peer.sendRaw(e.encodeFrame().toArray());
  }

  private static void sendData(RawPeer peer, long id, byte[] content, long from, long to) throws IOException {
    for (long at = from; at < to; at += Transfer.MAX_DATA_BYTES) {
      int n = (int) Math.min(Transfer.MAX_DATA_BYTES, to - at);
      xfer(peer, Transfer.data(id, ByteString.fromArray(content, (int) at, n)));
    }
  }

  /** The next XFER frame, skipping chat frames. */
  private static Transfer nextXfer(RawPeer peer) throws IOException {
    while (true) {
      RawPeer.Frame f = peer.read();
      if (f.type() == XFER) {
        return Transfer.decodePayload(ByteString.fromArray(f.payload())).orElseThrow();
      }
    }
  }

  private static Transfer awaitXfer(RawPeer peer, Transfer.Kind kind) throws IOException {
    while (true) {
      Transfer t = nextXfer(peer);
      if (t.kind() == kind) {
        return t;
      }
    }
  }

  private static Event awaitEvent(RawPeer peer, Event.Kind kind) throws IOException {
    while (true) {
      RawPeer.Frame f = peer.read();
      if (f.type() == EVENT) {
        Optional<Event> e = Event.decodePayload(ByteString.fromArray(f.payload()));
        if (e.isPresent() && e.get().kind() == kind) {
          return e.get();
        }
      }
    }
  }

  /** The next ERROR's reason, skipping events. */
  private static String nextError(RawPeer peer) throws IOException {
    while (true) {
      RawPeer.Frame f = peer.read();
      if (f.type() == ERROR) {
        return f.text();
      }
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }

  private static byte[] randomBytes(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** A file of {@code size} zero bytes that takes no room on the disk. */
  private Path sparse(String name, long size) throws IOException {
    Path p = dir.resolve(name);
    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
      f.setLength(size);
    }
    return p;
  }

  private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, what);
      Thread.sleep(20);
    }
  }

  /** Waits until a progress line for {@code file} has been shown on {@code console}. */
  private static void awaitProgress(TestConsole console, String file) throws InterruptedException {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (console.progressShown().stream().noneMatch(l -> l.contains(file))) {
      assertTrue(System.nanoTime() < deadline, () -> "no progress line for " + file + ": " + console.progressShown());
      Thread.sleep(20);
    }
  }

  private static long partFiles(Path downloads) throws IOException {
    try (Stream<Path> files = Files.list(downloads)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".part")).count();
    }
  }

  /** Waits until {@code downloads} holds no file at all (partial files are deleted asynchronously). */
  private static void awaitNoFiles(Path downloads) throws Exception {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (true) {
      List<Path> left;
      try (Stream<Path> files = Files.exists(downloads) ? Files.list(downloads) : Stream.empty()) {
        left = files.toList();
      }
      if (left.isEmpty()) {
        return;
      }
      assertTrue(System.nanoTime() < deadline, () -> "files left: " + left);
      Thread.sleep(20);
    }
  }
}
