package pekkochat.protocol;

import static pekkochat.testing.TestBytes.bytes;
import static pekkochat.testing.TestBytes.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Stream-level tests of {@link WireProtocol}: both directions of the stack, end to end. */
class WireProtocolTest {

  static ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static final long TIMEOUT_SECONDS = 20;
  private static final ProtocolLimits LIMITS = new ProtocolLimits(64 * 1024, 64L << 20, 1024);
  private static final String NON_ASCII = "héllo 世界 🎉";

  /** File content in three uneven chunks, containing the separator and non-UTF-8 bytes. */
  private static final List<ByteString> FILE_CHUNKS =
      List.of(
          utf8("::starts with a separator::").concat(randomBytes(100, 1)),
          ByteString.fromArray(new byte[] {(byte) 0xff}),
          randomBytes(500, 2));

  private static final ByteString FILE_CONTENT = concat(FILE_CHUNKS);

  // ---------------------------------------------------------------- round trips

  @ParameterizedTest(name = "rechunked into {0}-byte pieces")
  @ValueSource(ints = {1, 7, 4096})
  void everyFrameKindSurvivesTheClientRoundTrip(int pieceSize) throws Exception {
    List<Outbound> outbound =
        List.of(
            Frames.text(NON_ASCII),
            Frames.join("alice"),
            Frames.leave("bob left the chat."),
            Frames.error("Unknown command. Type /help."),
            Frames.command("/quit_ack"),
            Frames.file(Frames.clientFilePrefix("a.bin"), FILE_CONTENT.size(), Source.from(FILE_CHUNKS)),
            Frames.text("after the file"));

    List<Message> received =
        roundTrip(MessageDecoder.Origin.CLIENT, outbound, rechunkedInto(pieceSize));

    assertEquals(
        List.of(
            new Message.Text(NON_ASCII),
            new Message.Join("alice"),
            new Message.Leave("bob left the chat."),
            new Message.Error("Unknown command. Type /help."),
            new Message.Command("/quit_ack"),
            new Message.FileOffer("a.bin", FILE_CONTENT.size()),
            new Message.FileChunk(FILE_CONTENT),
            Message.FileEnd.INSTANCE,
            new Message.Text("after the file")),
        mergeChunks(received));
  }

  @ParameterizedTest(name = "rechunked into {0}-byte pieces")
  @ValueSource(ints = {1, 7})
  void relayedFilesBackToBackSurviveTheServerRoundTrip(int pieceSize) throws Exception {
    ByteString second = utf8("second file, with :: inside");
    List<Outbound> outbound =
        List.of(
            Frames.text("alice::hi"),
            Frames.file(
                Frames.serverFilePrefix("alice", "a.bin"), FILE_CONTENT.size(), Source.from(FILE_CHUNKS)),
            Frames.file(Frames.serverFilePrefix("bob", "b.txt"), second.size(), Source.single(second)),
            Frames.file(Frames.serverFilePrefix("carol", "empty"), 0, Source.empty()),
            Frames.text("done"));

    List<Message> received =
        roundTrip(MessageDecoder.Origin.SERVER, outbound, rechunkedInto(pieceSize));

    assertEquals(
        List.of(
            new Message.Text("alice::hi"),
            new Message.FileIncoming("alice", "a.bin", FILE_CONTENT.size()),
            new Message.FileChunk(FILE_CONTENT),
            Message.FileEnd.INSTANCE,
            new Message.FileIncoming("bob", "b.txt", second.size()),
            new Message.FileChunk(second),
            Message.FileEnd.INSTANCE,
            new Message.FileIncoming("carol", "empty", 0),
            Message.FileEnd.INSTANCE,
            new Message.Text("done")),
        mergeChunks(received));
  }

  @Test
  void outboundSideWritesTheSeedWireFormat() throws Exception {
    ByteString body = utf8("raw::bytes");
    List<Outbound> outbound =
        List.of(
            Frames.text("hi"),
            Frames.file(Frames.clientFilePrefix("n.txt"), body.size(), Source.single(body)));

    ByteString wire = wireBytes(outbound);

    ByteString expected =
        bytes(0, 0, 0, 3, 0x01, 'h', 'i')
            .concat(bytes(0, 0, 0, 1 + 7 + 10, 0x02))
            .concat(utf8("n.txt::raw::bytes"));
    assertEquals(expected, wire);
  }

  @Test
  void aroundDeliversDecodedMessagesToTheApplication() throws Exception {
    ByteString wire =
        Frames.encode(FrameType.TEXT, "alice::hi")
            .concat(Frames.encode(FrameType.FILE, utf8("alice::x.bin::").concat(FILE_CONTENT)))
            .concat(bytes(0, 0, 0, 2, 0x09, 'q'))
            .concat(Frames.encode(FrameType.LEAVE, "alice left the chat."));
    Flow<Message, Outbound, CompletionStage<List<Message>>> application =
        Flow.fromSinkAndSourceMat(Sink.seq(), Source.empty(), Keep.left());

    CompletionStage<List<Message>> seen =
        Source.from(split(wire, 5))
            .viaMat(WireProtocol.around(MessageDecoder.Origin.SERVER, LIMITS, application), Keep.right())
            .to(Sink.ignore())
            .run(testKit.system());

    assertEquals(
        List.of(
            new Message.Text("alice::hi"),
            new Message.FileIncoming("alice", "x.bin", FILE_CONTENT.size()),
            new Message.FileChunk(FILE_CONTENT),
            Message.FileEnd.INSTANCE,
            new Message.Malformed(new FramingError.UnknownType(0x09)),
            new Message.Leave("alice left the chat.")),
        mergeChunks(await(seen)));
  }

  // ---------------------------------------------------------------- exact file lengths

  @Test
  void fileBodyShorterThanAnnouncedFailsTheStream() {
    List<Outbound> outbound =
        List.of(
            Frames.text("before"),
            Frames.file(Frames.clientFilePrefix("short.bin"), 100, Source.single(randomBytes(60, 3))),
            Frames.text("never sent"));

    ExecutionException failure =
        assertThrows(
            ExecutionException.class,
            () -> roundTrip(MessageDecoder.Origin.CLIENT, outbound, rechunkedInto(7)));

    IOException cause = findCause(failure, IOException.class);
    assertTrue(cause.getMessage().contains("short"), cause.getMessage());
  }

  @Test
  void fileBodyLongerThanAnnouncedIsTruncatedAndTheStreamStaysInStep() throws Exception {
    ByteString first = randomBytes(8, 4);
    ByteString second = randomBytes(8, 5);
    List<Outbound> outbound =
        List.of(
            Frames.file(Frames.clientFilePrefix("grew.bin"), 10, Source.from(List.of(first, second))),
            Frames.text("in step"));

    List<Message> received = roundTrip(MessageDecoder.Origin.CLIENT, outbound, rechunkedInto(3));

    assertEquals(
        List.of(
            new Message.FileOffer("grew.bin", 10),
            new Message.FileChunk(first.concat(second).take(10)),
            Message.FileEnd.INSTANCE,
            new Message.Text("in step")),
        mergeChunks(received));
  }

  @Test
  void endlessFileBodyIsCutAtTheAnnouncedLength() throws Exception {
    Outbound endless =
        Frames.file(Frames.clientFilePrefix("e.bin"), 1000, Source.repeat(utf8("0123456789abc")));

    ByteString wire = wireBytes(List.of(endless, Frames.text("x")));

    ByteString head = Frames.header(FrameType.FILE, 7 + 1000).concat(utf8("e.bin::"));
    assertEquals(head.size() + 1000 + Frames.encode(FrameType.TEXT, "x").size(), wire.size());
    assertEquals(head, wire.take(head.size()));
    assertEquals(Frames.encode(FrameType.TEXT, "x"), wire.takeRight(6));
  }

  @Test
  void emptyAnnouncedBodyIgnoresWhatTheSourceWouldEmit() throws Exception {
    List<Outbound> outbound =
        List.of(
            Frames.file(Frames.clientFilePrefix("zero"), 0, Source.single(utf8("ignored"))),
            Frames.text("next"));

    List<Message> received = roundTrip(MessageDecoder.Origin.CLIENT, outbound, rechunkedInto(1));

    assertEquals(
        List.of(new Message.FileOffer("zero", 0), Message.FileEnd.INSTANCE, new Message.Text("next")),
        received);
  }

  // ---------------------------------------------------------------- streaming

  @Test
  void fiftyMegabyteFileStreamsThroughWithoutBeingHeldInMemory() throws Exception {
    ByteString chunk = randomBytes(64 * 1024, 6);
    int chunks = 800;
    long size = (long) chunk.size() * chunks;
    AtomicLong produced = new AtomicLong();
    Source<ByteString, NotUsed> body =
        Source.repeat(chunk)
            .take(chunks)
            .map(
                c -> {
                  produced.addAndGet(c.size());
                  return c;
                });
    List<Outbound> outbound =
        List.of(Frames.file(Frames.clientFilePrefix("big.bin"), size, body), Frames.text("done"));

    Tally tally =
        await(
            Source.from(outbound)
                .via(loopback(MessageDecoder.Origin.CLIENT, slicedInto(10_000)))
                .runWith(Sink.fold(new Tally(produced), Tally::add), testKit.system()));

    assertEquals(List.of(new Message.FileOffer("big.bin", size)), tally.offers);
    assertEquals(size, tally.chunkBytes);
    assertEquals(expectedCrc(chunk, chunks), tally.crc.getValue());
    assertEquals(1, tally.ends);
    assertEquals(List.of(new Message.Text("done")), tally.others);
    assertTrue(
        tally.producedAtFirstChunk < size / 2,
        "the first chunk arrived only after " + tally.producedAtFirstChunk + " bytes were produced");
  }

  /** Counts what arrives without keeping file bytes. Used by one fold at a time. */
  private static final class Tally {
    private final AtomicLong produced;
    final List<Message> offers = new ArrayList<>();
    final List<Message> others = new ArrayList<>();
    final CRC32 crc = new CRC32();
    long chunkBytes;
    long ends;
    long producedAtFirstChunk = -1;

    Tally(AtomicLong produced) {
      this.produced = produced;
    }

    Tally add(Message m) {
      if (m instanceof Message.FileChunk c) {
        if (producedAtFirstChunk < 0) {
          producedAtFirstChunk = produced.get();
        }
        chunkBytes += c.bytes().size();
        crc.update(c.bytes().asByteBuffer());
      } else if (m instanceof Message.FileOffer) {
        offers.add(m);
      } else if (m == Message.FileEnd.INSTANCE) {
        ends++;
      } else {
        others.add(m);
      }
      return this;
    }
  }

  // ---------------------------------------------------------------- helpers

  /** Outbound frames in, decoded messages out, with {@code wire} standing in for the network. */
  private static Flow<Outbound, Message, NotUsed> loopback(
      MessageDecoder.Origin origin, Flow<ByteString, ByteString, NotUsed> wire) {
    return WireProtocol.stack(origin, LIMITS).join(wire);
  }

  private static List<Message> roundTrip(
      MessageDecoder.Origin origin, List<Outbound> outbound, Flow<ByteString, ByteString, NotUsed> wire)
      throws Exception {
    return await(
        Source.from(outbound).via(loopback(origin, wire)).runWith(Sink.seq(), testKit.system()));
  }

  /** The bytes the outbound side writes for {@code outbound}, with no inbound traffic. */
  private static ByteString wireBytes(List<Outbound> outbound) throws Exception {
    Flow<Message, Outbound, NotUsed> application =
        Flow.fromSinkAndSource(Sink.ignore(), Source.from(outbound));
    return await(
        Source.<ByteString>empty()
            .via(WireProtocol.around(MessageDecoder.Origin.SERVER, LIMITS, application))
            .runWith(Sink.fold(ByteString.emptyByteString(), (acc, b) -> acc.concat(b)), testKit.system()));
  }

  /** Re-cuts the byte stream into pieces of exactly {@code size} bytes (the last may be shorter). */
  private static Flow<ByteString, ByteString, NotUsed> rechunkedInto(int size) {
    return Flow.<ByteString>create()
        .mapConcat(bs -> split(bs, 1))
        .grouped(size)
        .map(WireProtocolTest::concat);
  }

  /** Cuts every element into pieces of at most {@code size} bytes; cheap enough for big streams. */
  private static Flow<ByteString, ByteString, NotUsed> slicedInto(int size) {
    return Flow.<ByteString>create().mapConcat(bs -> split(bs, size));
  }

  private static List<ByteString> split(ByteString bytes, int size) {
    List<ByteString> out = new ArrayList<>();
    for (int i = 0; i < bytes.size(); i += size) {
      out.add(bytes.slice(i, Math.min(bytes.size(), i + size)));
    }
    return out;
  }

  /** Merges consecutive FileChunks, so that results compare independently of slicing. */
  private static List<Message> mergeChunks(List<Message> messages) {
    List<Message> out = new ArrayList<>();
    for (Message m : messages) {
      if (m instanceof Message.FileChunk c
          && !out.isEmpty()
          && out.get(out.size() - 1) instanceof Message.FileChunk previous) {
        out.set(out.size() - 1, new Message.FileChunk(previous.bytes().concat(c.bytes()).compact()));
      } else {
        out.add(m);
      }
    }
    return out;
  }

  private static long expectedCrc(ByteString chunk, int times) {
    CRC32 crc = new CRC32();
    byte[] bytes = chunk.toArray();
    for (int i = 0; i < times; i++) {
      crc.update(bytes);
    }
    return crc.getValue();
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  private static <T extends Throwable> T findCause(Throwable failure, Class<T> type) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return fail("no " + type.getSimpleName() + " in the cause chain of " + failure);
  }

  private static ByteString concat(List<ByteString> parts) {
    ByteStringBuilder b = new ByteStringBuilder();
    parts.forEach(b::append);
    return b.result();
  }

  private static ByteString randomBytes(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return ByteString.fromArray(b);
  }


}
