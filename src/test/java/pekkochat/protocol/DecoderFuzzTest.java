package pekkochat.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static pekkochat.testing.FrameStreams.frame;
import static pekkochat.testing.FrameStreams.header;
import static pekkochat.testing.FrameStreams.utf8;
import static pekkochat.testing.TestBytes.bytes;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.PropertyDefaults;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import pekkochat.testing.FrameStreams;
import pekkochat.testing.FrameStreams.Chunking;
import pekkochat.testing.FrameStreams.FuzzStream;
import pekkochat.testing.FrameStreams.ValidFrame;
import pekkochat.testing.FrameStreams.ValidStream;
import pekkochat.testing.FuzzTries;

/**
 * Property-based fuzzing of the inbound protocol stack: random, frame-shaped and mutated valid
 * byte streams, cut at random chunk boundaries, go through the real decoding flow ({@link
 * WireProtocol}, materialized in one shared actor system) and through {@link FrameDecoder}
 * directly. Whatever the input, the stream completes without an exception, every element
 * respects the limits, nothing is buffered beyond them, and the result does not depend on where
 * the chunks were cut. Valid frames round-trip through the encoder and the decoder.
 *
 * <p>Limits are tiny here so that random input crosses them often. {@code docs/FUZZING.md} says
 * how to run the properties longer.
 */
@PropertyDefaults(tries = 400, shrinking = ShrinkingMode.BOUNDED)
@AddLifecycleHook(FuzzTries.class)
class DecoderFuzzTest {

  private static final ProtocolLimits LIMITS = new ProtocolLimits(256, 1024, 64);
  private static final long TIMEOUT_SECONDS = 10;

  private static ActorTestKit testKit;

  @BeforeContainer
  static void startSystem() {
    testKit = ActorTestKit.create("decoder-fuzz");
  }

  @AfterContainer
  static void stopSystem() {
    testKit.shutdownTestKit();
  }

  @Provide
  Arbitrary<FuzzStream> anyStream() {
    return FrameStreams.anyStream(LIMITS);
  }

  @Provide
  Arbitrary<ValidStream> validStream() {
    return FrameStreams.validStream(LIMITS, 10);
  }

  @Provide
  Arbitrary<Chunking> chunking() {
    return Arbitraries.frequencyOf(
        Tuple.of(1, Arbitraries.just(new Chunking(List.of(1)))),
        Tuple.of(
            6, Arbitraries.integers().between(1, 300).list().ofMinSize(1).ofMaxSize(12).map(Chunking::new)),
        Tuple.of(1, Arbitraries.just(new Chunking(List.of(Integer.MAX_VALUE)))));
  }

  // ---------------------------------------------------------------- any input

  @Property
  void framingNeverFailsKeepsItsLimitsAndIgnoresChunkBoundaries(
      @ForAll("anyStream") FuzzStream stream, @ForAll("chunking") Chunking chunking) throws Exception {
    List<ByteString> chunks = chunking.split(stream.bytes());

    List<FramePart> parts =
        await(Source.from(chunks).viaMat(framingFlow(), Keep.right()).to(Sink.ignore()).run(testKit.system()));

    FrameDecoder direct = new FrameDecoder(LIMITS);
    List<FramePart> fedDirectly = new ArrayList<>();
    for (ByteString chunk : chunks) {
      fedDirectly.addAll(direct.feed(chunk));
      assertTrue(
          // An XFER frame is buffered up to a full DATA chunk, every other small frame up to the message limit.
          direct.bufferedBytes() < Math.max(FrameStreams.HEADER, LIMITS.maxTransferFrameBytes()),
          () -> "holds " + direct.bufferedBytes() + " bytes back");
    }
    assertEquals(fedDirectly, parts, "the stage does what the decoder does");
    assertWellFormedParts(parts, direct.midFrame());

    List<FramePart> unsplit = new FrameDecoder(LIMITS).feed(stream.bytes());
    assertEquals(mergeBodies(unsplit), mergeBodies(parts), "chunk boundaries changed the frames");
  }

  @Property
  void decodingNeverFailsYieldsOnlyTypedMessagesAndIgnoresChunkBoundaries(
      @ForAll("anyStream") FuzzStream stream,
      @ForAll("chunking") Chunking chunking,
      @ForAll MessageDecoder.Origin origin)
      throws Exception {
    List<Message> messages = decode(origin, chunking.split(stream.bytes()));

    assertWellFormedMessages(messages, origin);

    FrameDecoder frames = FrameDecoder.forFramesFrom(origin, LIMITS);
    MessageDecoder decoder = new MessageDecoder(origin, LIMITS);
    List<Message> unsplit = new ArrayList<>();
    frames.feed(stream.bytes()).forEach(part -> unsplit.addAll(decoder.decode(part)));
    assertEquals(mergeChunks(unsplit), mergeChunks(messages), "chunk boundaries changed the messages");
  }

  // ---------------------------------------------------------------- valid input

  @Property
  void validFramesRoundTripThroughEncoderAndDecoder(
      @ForAll("validStream") ValidStream valid, @ForAll("chunking") Chunking chunking) throws Exception {
    List<Outbound> outbound = valid.frames().stream().map(ValidFrame::outbound).toList();

    ByteString rendered = render(valid.origin(), outbound);
    assertEquals(valid.bytes(), rendered, "the encoder writes the seed wire format");

    List<Message> decoded = decode(valid.origin(), chunking.split(rendered));
    assertEquals(mergeChunks(valid.expected()), mergeChunks(decoded));
  }

  /**
   * Nothing waits for more input than it needs: after every chunk, each frame that is complete has
   * been emitted, every file byte received has been passed on, and exactly the unfinished part of
   * a header or small frame is held back.
   */
  @Property(tries = 1000)
  void validFramesLeaveAsSoonAsTheirBytesArrive(
      @ForAll("validStream") ValidStream valid, @ForAll("chunking") Chunking chunking) {
    List<Long> ends = new ArrayList<>();
    List<Boolean> isFile = new ArrayList<>();
    long end = 0;
    for (ValidFrame f : valid.frames()) {
      end += f.wire().size();
      ends.add(end);
      isFile.add(f.wire().apply(4) == FrameType.FILE.code());
    }
    FrameDecoder decoder = new FrameDecoder(LIMITS);
    long fed = 0;
    int framesOut = 0;
    long fileBytesOut = 0;
    for (ByteString chunk : chunking.split(valid.bytes())) {
      for (FramePart part : decoder.feed(chunk)) {
        if (part instanceof FramePart.Whole || part == FramePart.End.INSTANCE) {
          framesOut++;
        } else if (part instanceof FramePart.Body b) {
          fileBytesOut += b.bytes().size();
        }
      }
      fed += chunk.size();
      int complete = 0;
      long fileBytesIn = 0;
      long held = 0;
      long start = 0;
      for (int i = 0; i < ends.size(); i++) {
        if (ends.get(i) <= fed) {
          complete++;
          fileBytesIn += isFile.get(i) ? ends.get(i) - start - FrameStreams.HEADER : 0;
        } else if (start < fed) {
          long into = fed - start;
          if (into < FrameStreams.HEADER) {
            held = into;
          } else if (isFile.get(i)) {
            fileBytesIn += into - FrameStreams.HEADER;
          } else {
            held = into - FrameStreams.HEADER;
          }
        }
        start = ends.get(i);
      }
      long at = fed;
      assertEquals(complete, framesOut, () -> "frames out after " + at + " bytes");
      assertEquals(fileBytesIn, fileBytesOut, () -> "file bytes out after " + at + " bytes");
      assertEquals(held, decoder.bufferedBytes(), () -> "bytes held back after " + at + " bytes");
    }
  }

  // ---------------------------------------------------------------- one bad frame among valid ones

  /** A bad frame and the message it must decode to, which may depend on who sent it. */
  record BadFrame(ByteString wire, Function<MessageDecoder.Origin, Message> expected, String label) {
    BadFrame(ByteString wire, Message expected, String label) {
      this(wire, origin -> expected, label);
    }

    @Override
    public String toString() {
      return label + " " + FrameStreams.describe(wire);
    }
  }

  @Provide
  Arbitrary<BadFrame> recoverableBadFrame() {
    Arbitrary<ByteString> junk =
        Arbitraries.bytes().array(byte[].class).ofMaxSize(300).map(ByteString::fromArray);
    // Within the message limit: a longer one is fatal from a client (see anOversizeUnknownType...).
    Arbitrary<ByteString> smallJunk =
        Arbitraries.bytes().array(byte[].class).ofMaxSize(LIMITS.maxMessageBytes()).map(ByteString::fromArray);
    Arbitrary<BadFrame> unknownType =
        Combinators.combine(Arbitraries.integers().between(0, 255).filter(c -> FrameType.ofCode(c).isEmpty()), smallJunk)
            .as((code, payload) -> new BadFrame(
                frame(code, payload), malformed(new FramingError.UnknownType(code)), "unknown type"));
    Arbitrary<BadFrame> fileFrameTooLarge =
        Arbitraries.longs()
            .between(LIMITS.maxFileFrameBytes() + 1, LIMITS.maxFileFrameBytes() + 3000)
            .map(size -> new BadFrame(
                frame(FrameType.FILE.code(), ByteString.fromArray(new byte[size.intValue()])),
                malformed(new FramingError.FileTooLarge(size, LIMITS.maxFileBytes())),
                "FILE frame over the limit"));
    // Within the frame limit, but once the name is split off the file itself is too large.
    Arbitrary<BadFrame> fileTooLarge =
        Arbitraries.integers()
            .between((int) LIMITS.maxFileBytes() + 4, (int) LIMITS.maxFileFrameBytes() - 6)
            .map(size -> new BadFrame(
                frame(FrameType.FILE.code(), utf8("s::n::").concat(ByteString.fromArray(new byte[size]))),
                origin -> malformed(new FramingError.FileTooLarge(
                    origin == MessageDecoder.Origin.CLIENT ? size + 3 : size, LIMITS.maxFileBytes())),
                "file over the limit"));
    Arbitrary<BadFrame> invalidUtf8 =
        Combinators.combine(
                Arbitraries.of(FrameType.TEXT, FrameType.JOIN, FrameType.LEAVE, FrameType.ERROR, FrameType.COMMAND),
                FrameStreams.text(20),
                Arbitraries.of(NOT_UTF8))
            .as((type, text, bad) -> new BadFrame(
                frame(type.code(), utf8(text).concat(bad)),
                malformed(new FramingError.InvalidUtf8(type)),
                type + " with invalid UTF-8"));
    Arbitrary<BadFrame> fileWithoutName =
        Arbitraries.bytes().array(byte[].class).ofMaxSize(LIMITS.maxFileHeaderBytes()).map(ByteString::fromArray)
            .filter(p -> p.indexOfSlice(utf8("::"), 0) < 0)
            .map(p -> new BadFrame(
                frame(FrameType.FILE.code(), p),
                malformed(new FramingError.BadFileHeader("no '::' after the file name")),
                "FILE without a name"));
    Arbitrary<BadFrame> fileNameTooLong =
        Combinators.combine(Arbitraries.integers().between(LIMITS.maxFileHeaderBytes() - 1, 200), junk)
            .as((length, rest) -> new BadFrame(
                frame(FrameType.FILE.code(), utf8("a".repeat(length) + "::").concat(rest)),
                malformed(new FramingError.BadFileHeader(
                    "file name header longer than " + LIMITS.maxFileHeaderBytes() + " bytes")),
                "FILE name too long"));
    Arbitrary<BadFrame> fileNameNotUtf8 =
        Combinators.combine(Arbitraries.of(NOT_UTF8), junk)
            .as((bad, rest) -> new BadFrame(
                frame(FrameType.FILE.code(), bad.concat(utf8("::x::")).concat(rest)),
                malformed(new FramingError.BadFileHeader("file name is not valid UTF-8")),
                "FILE name not UTF-8"));
    return Arbitraries.oneOf(
        unknownType, fileFrameTooLarge, fileTooLarge, invalidUtf8, fileWithoutName, fileNameTooLong, fileNameNotUtf8);
  }

  /**
   * A recoverable error costs only its own frame: the frames before and after it decode as if it
   * were not there, whatever the chunking.
   */
  @Property(tries = 300)
  void aRecoverableBadFrameCostsOnlyItself(
      @ForAll("validStream") ValidStream valid,
      @ForAll("recoverableBadFrame") BadFrame bad,
      @ForAll("chunking") Chunking chunking,
      @ForAll @IntRange(min = 0, max = 10) int position)
      throws Exception {
    List<ValidFrame> frames = valid.frames();
    List<ValidFrame> head = frames.subList(0, Math.min(position, frames.size()));
    List<ValidFrame> tail = frames.subList(head.size(), frames.size());
    ByteString wire =
        FrameStreams.concat(head.stream().map(ValidFrame::wire).toList())
            .concat(bad.wire())
            .concat(FrameStreams.concat(tail.stream().map(ValidFrame::wire).toList()));
    List<Message> expected = new ArrayList<>();
    head.forEach(f -> expected.addAll(f.expected()));
    expected.add(bad.expected().apply(valid.origin()));
    tail.forEach(f -> expected.addAll(f.expected()));

    assertEquals(mergeChunks(expected), mergeChunks(decode(valid.origin(), chunking.split(wire))));
  }

  /**
   * A small frame announcing more than the limit is refused on its header, before any payload
   * is read, and the decoder then reads nothing more: whatever follows is discarded unseen.
   */
  @Property(tries = 300)
  void anOversizeSmallFrameIsFatalOnItsHeader(
      @ForAll("clientStream") ValidStream valid,
      @ForAll("chunking") Chunking chunking,
      @ForAll("anyStream") FuzzStream after,
      @ForAll("smallType") FrameType type,
      @ForAll("oversizeLength") long length)
      throws Exception {
    ByteString prefix = valid.bytes();
    ByteString wire = prefix.concat(header(length, type.code())).concat(after.bytes());

    FrameDecoder decoder = new FrameDecoder(LIMITS);
    long fed = 0;
    List<FramePart> parts = new ArrayList<>();
    for (ByteString chunk : chunking.split(wire)) {
      parts.addAll(decoder.feed(chunk));
      fed += chunk.size();
      boolean headerIn = fed >= prefix.size() + FrameStreams.HEADER;
      FramePart last = parts.isEmpty() ? null : parts.get(parts.size() - 1);
      assertEquals(headerIn, last instanceof FramePart.Invalid i && i.error().fatal(), () -> "at " + parts);
      assertTrue(decoder.bufferedBytes() < FrameStreams.HEADER || !headerIn);
    }

    List<Message> messages = decode(valid.origin(), chunking.split(wire));
    List<Message> expected = new ArrayList<>(valid.expected());
    expected.add(malformed(new FramingError.MessageTooLarge(type, length - 1, LIMITS.maxMessageBytes())));
    assertEquals(mergeChunks(expected), mergeChunks(messages));
  }

  /**
   * From a server, a small frame over the limit is skipped unread and costs only itself: what a
   * client does, since the original server has no limits.
   */
  @Property(tries = 200)
  void fromAServerAnOversizeSmallFrameCostsOnlyItself(
      @ForAll("serverStream") ValidStream before,
      @ForAll("serverStream") ValidStream after,
      @ForAll("chunking") Chunking chunking,
      @ForAll("smallType") FrameType type,
      @ForAll @IntRange(min = 1, max = 4000) int over)
      throws Exception {
    long payload = LIMITS.maxMessageBytes() + (long) over;
    ByteString wire =
        before.bytes()
            .concat(header(payload + 1, type.code()))
            .concat(ByteString.fromArray(new byte[(int) payload]))
            .concat(after.bytes());

    List<Message> expected = new ArrayList<>(before.expected());
    expected.add(malformed(new FramingError.MessageSkipped(type, payload, LIMITS.maxMessageBytes())));
    expected.addAll(after.expected());
    assertEquals(mergeChunks(expected), mergeChunks(decode(MessageDecoder.Origin.SERVER, chunking.split(wire))));
  }

  /** A frame of unknown type over the message limit is fatal from a client, as an oversize TEXT. */
  @Property(tries = 200)
  void anOversizeUnknownTypeFromAClientIsFatalOnItsHeader(
      @ForAll("clientStream") ValidStream valid,
      @ForAll("chunking") Chunking chunking,
      @ForAll("anyStream") FuzzStream after,
      @ForAll("oversizeLength") long length,
      @ForAll @IntRange(min = 9, max = 255) int code)
      throws Exception {
    ByteString wire = valid.bytes().concat(header(length, code)).concat(after.bytes());

    List<Message> expected = new ArrayList<>(valid.expected());
    expected.add(malformed(new FramingError.UnknownTypeTooLarge(code, length - 1, LIMITS.maxMessageBytes())));
    assertEquals(mergeChunks(expected), mergeChunks(decode(MessageDecoder.Origin.CLIENT, chunking.split(wire))));
  }

  @Provide
  Arbitrary<ValidStream> clientStream() {
    return FrameStreams.validStream(MessageDecoder.Origin.CLIENT, LIMITS, 10);
  }

  @Provide
  Arbitrary<ValidStream> serverStream() {
    return FrameStreams.validStream(MessageDecoder.Origin.SERVER, LIMITS, 10);
  }

  @Provide
  Arbitrary<FrameType> smallType() {
    return Arbitraries.of(FrameType.TEXT, FrameType.JOIN, FrameType.LEAVE, FrameType.ERROR, FrameType.COMMAND);
  }

  @Provide
  Arbitrary<Long> oversizeLength() {
    return Arbitraries.oneOf(
        Arbitraries.of(LIMITS.maxMessageBytes() + 2L, 0xffff_ffffL, 0x8000_0000L),
        Arbitraries.longs().between(LIMITS.maxMessageBytes() + 2L, 0xffff_ffffL));
  }

  // ---------------------------------------------------------------- invariants

  /**
   * What the framing may emit: small frames within the message limit, FILE frames within the file
   * limit as Begin, non-empty Body slices adding up to the announced length, End; nothing after a
   * fatal error. Only an input that ended mid-frame may leave a FILE frame open.
   */
  private static void assertWellFormedParts(List<FramePart> parts, boolean endedMidFrame) {
    long fileRemaining = -1;
    for (int i = 0; i < parts.size(); i++) {
      FramePart part = parts.get(i);
      int at = i;
      if (fileRemaining >= 0) {
        if (part instanceof FramePart.Body b) {
          assertFalse(b.bytes().isEmpty(), () -> "empty body slice at " + at);
          fileRemaining -= b.bytes().size();
          assertTrue(fileRemaining >= 0, () -> "body longer than announced at " + at);
        } else {
          assertEquals(FramePart.End.INSTANCE, part, () -> "inside a FILE frame at " + at);
          assertEquals(0, fileRemaining, () -> "End before the announced length at " + at);
          fileRemaining = -1;
        }
        continue;
      }
      if (part instanceof FramePart.Whole w) {
        assertTrue(w.type() != FrameType.FILE, "FILE frames are streamed");
        long limit = w.type() == FrameType.XFER ? LIMITS.maxTransferFrameBytes() : LIMITS.maxMessageBytes();
        assertTrue(w.payload().size() <= limit, () -> "oversize " + w.type() + " emitted");
      } else if (part instanceof FramePart.Begin b) {
        assertEquals(FrameType.FILE, b.type());
        assertTrue(b.payloadLength() <= LIMITS.maxFileFrameBytes(), "oversize FILE frame begun");
        fileRemaining = b.payloadLength();
      } else if (part instanceof FramePart.Invalid invalid) {
        if (invalid.error().fatal()) {
          assertEquals(parts.size() - 1, at, "nothing may follow a fatal error");
        }
      } else {
        fail("outside a FILE frame: " + part + " at " + at);
      }
    }
    if (fileRemaining >= 0) {
      assertTrue(endedMidFrame, "a FILE frame was left open although the input ended between frames");
    }
  }

  /**
   * What the decoder may emit: text messages, file headers within the limits followed by chunks
   * adding up to the announced size and one end, typed errors; nothing after a fatal one.
   */
  private static void assertWellFormedMessages(List<Message> messages, MessageDecoder.Origin origin) {
    long fileRemaining = -1;
    for (int i = 0; i < messages.size(); i++) {
      Message m = messages.get(i);
      int at = i;
      if (fileRemaining >= 0) {
        if (m instanceof Message.FileChunk c) {
          fileRemaining -= c.bytes().size();
          assertTrue(fileRemaining >= 0, () -> "file longer than announced at " + at);
        } else {
          assertEquals(Message.FileEnd.INSTANCE, m, () -> "inside a file at " + at);
          assertEquals(0, fileRemaining, () -> "file ended short at " + at);
          fileRemaining = -1;
        }
        continue;
      }
      if (m instanceof Message.FileOffer offer) {
        assertEquals(MessageDecoder.Origin.CLIENT, origin);
        assertFalse(offer.fileName().contains("::"));
        assertTrue(offer.size() <= LIMITS.maxFileBytes(), "oversize file offered");
        assertTrue(utf8(offer.fileName()).size() + 2 <= LIMITS.maxFileHeaderBytes(), "oversize file header");
        fileRemaining = offer.size();
      } else if (m instanceof Message.FileIncoming incoming) {
        assertEquals(MessageDecoder.Origin.SERVER, origin);
        assertFalse(incoming.sender().contains("::"));
        assertFalse(incoming.fileName().contains("::"));
        assertTrue(incoming.size() <= LIMITS.maxFileBytes(), "oversize file relayed");
        fileRemaining = incoming.size();
      } else if (m instanceof Message.Malformed malformed) {
        assertFalse(malformed.error().message().isBlank());
        if (malformed.error().fatal()) {
          assertEquals(messages.size() - 1, at, "nothing may follow a fatal error");
        }
      } else if (m instanceof Message.FileChunk || m == Message.FileEnd.INSTANCE) {
        fail("file data outside a file at " + at + ": " + m);
      } else if (m instanceof Message.Xfer xfer) {
        // A random payload can make a well-formed XFER frame: it must be within its own limits.
        Transfer t = xfer.transfer();
        assertTrue(t.data().size() <= Transfer.MAX_DATA_BYTES, "oversize XFER DATA");
        assertTrue(t.size() >= 0, "negative XFER size");
        if (t.kind() != Transfer.Kind.DATA) {
          assertTrue(utf8(t.text()).size() <= LIMITS.maxMessageBytes(), "oversize XFER " + t.kind());
        }
      } else if (m instanceof Message.Event || m == Message.Ignored.INSTANCE) {
        assertEquals(MessageDecoder.Origin.SERVER, origin, "EVENT frames are decoded from a server only");
      } else {
        String text = textOf(m);
        assertTrue(utf8(text).size() <= LIMITS.maxMessageBytes(), "oversize text message");
      }
    }
  }

  private static String textOf(Message m) {
    if (m instanceof Message.Text t) {
      return t.text();
    } else if (m instanceof Message.Join j) {
      return j.payload();
    } else if (m instanceof Message.Leave l) {
      return l.payload();
    } else if (m instanceof Message.Error e) {
      return e.reason();
    }
    return assertInstanceOf(Message.Command.class, m).payload();
  }

  // ---------------------------------------------------------------- streams

  /** The inbound side of {@link WireProtocol#framing}, with its frame parts collected. */
  private static Flow<ByteString, ByteString, CompletionStage<List<FramePart>>> framingFlow() {
    Flow<FramePart, ByteString, CompletionStage<List<FramePart>>> collect =
        Flow.fromSinkAndSourceMat(Sink.seq(), Source.empty(), Keep.left());
    return WireProtocol.framing(LIMITS).reversed().join(collect, Keep.<NotUsed, CompletionStage<List<FramePart>>>right());
  }

  /** Bytes in through the connection stack a session uses; the messages it delivers. */
  private static List<Message> decode(MessageDecoder.Origin origin, List<ByteString> chunks) throws Exception {
    Flow<Message, Outbound, CompletionStage<List<Message>>> application =
        Flow.fromSinkAndSourceMat(Sink.seq(), Source.empty(), Keep.left());
    CompletionStage<List<Message>> seen =
        Source.from(chunks)
            .viaMat(WireProtocol.around(origin, LIMITS, application), Keep.right())
            .to(Sink.ignore())
            .run(testKit.system());
    return await(seen);
  }

  /** The bytes the outbound side of the stack writes for {@code outbound}. */
  private static ByteString render(MessageDecoder.Origin origin, List<Outbound> outbound) throws Exception {
    Flow<Message, Outbound, NotUsed> application =
        Flow.fromSinkAndSource(Sink.ignore(), Source.from(outbound));
    return await(
        Source.<ByteString>empty()
            .via(WireProtocol.around(origin, LIMITS, application))
            .runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat), testKit.system()));
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  private static Message malformed(FramingError error) {
    return new Message.Malformed(error);
  }

  /** Joins consecutive Body slices, so that results compare independently of chunking. */
  private static List<FramePart> mergeBodies(List<FramePart> parts) {
    List<FramePart> out = new ArrayList<>();
    for (FramePart p : parts) {
      if (p instanceof FramePart.Body b && !out.isEmpty() && out.get(out.size() - 1) instanceof FramePart.Body previous) {
        out.set(out.size() - 1, new FramePart.Body(previous.bytes().concat(b.bytes()).compact()));
      } else {
        out.add(p instanceof FramePart.Body b ? new FramePart.Body(b.bytes().compact()) : p);
      }
    }
    return out;
  }

  /** Joins consecutive FileChunks, so that results compare independently of chunking. */
  private static List<Message> mergeChunks(List<Message> messages) {
    List<Message> out = new ArrayList<>();
    for (Message m : messages) {
      if (m instanceof Message.FileChunk c && !out.isEmpty() && out.get(out.size() - 1) instanceof Message.FileChunk previous) {
        out.set(out.size() - 1, new Message.FileChunk(previous.bytes().concat(c.bytes()).compact()));
      } else {
        out.add(m);
      }
    }
    return out;
  }

  /** Byte sequences that are not UTF-8: a lone continuation byte, a truncated sequence, an
   * overlong encoding, an encoded surrogate, a code point beyond U+10FFFF. */
  private static final List<ByteString> NOT_UTF8 =
      List.of(bytes(0x80), bytes(0xe2, 0x82), bytes(0xc0, 0xaf), bytes(0xed, 0xa0, 0x80), bytes(0xf4, 0x90, 0x80, 0x80));
}
