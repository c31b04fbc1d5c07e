package pekkochat.protocol;

import static pekkochat.testing.TestBytes.bytes;
import static pekkochat.testing.TestBytes.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Unit tests of {@link FrameDecoder#feed}: framing, limits and resynchronisation. */
class FrameDecoderTest {

  private static final int MAX_MESSAGE = 1024;
  private static final long MAX_FILE = 1024;
  private static final int MAX_FILE_HEADER = 256;
  private static final ProtocolLimits LIMITS =
      new ProtocolLimits(MAX_MESSAGE, MAX_FILE, MAX_FILE_HEADER);

  /** Limits roomy enough for the random round-trip test. */
  private static final ProtocolLimits ROOMY = new ProtocolLimits(64 * 1024, 1 << 20, 1024);

  private static final FrameType[] SMALL_TYPES = {
    FrameType.TEXT, FrameType.JOIN, FrameType.LEAVE, FrameType.ERROR, FrameType.COMMAND
  };

  // ---------------------------------------------------------------- small frames

  @Test
  void aFrameFedOneByteAtATimeIsHeldCompactNotAsARopeOfTinyArrays() {
    ProtocolLimits limits = new ProtocolLimits(64 * 1024, 1024, 256);
    ByteString payload = ByteString.fromArray(new byte[60 * 1024]);
    ByteString frame = Frames.encode(FrameType.TEXT, payload);
    FrameDecoder decoder = new FrameDecoder(limits);
    List<FramePart> parts = new ArrayList<>();
    for (int i = 0; i < frame.size(); i++) {
      parts.addAll(decoder.feed(frame.slice(i, i + 1)));
      // Each one-byte chunk is its own array (as TCP reads are); never more than a few dozen.
      assertTrue(decoder.bufferPieces() <= FrameDecoder.MAX_PIECES, "pieces: " + decoder.bufferPieces());
    }
    assertEquals(List.of(new FramePart.Whole(FrameType.TEXT, payload)), parts);
    assertEquals(0, decoder.bufferedBytes());
  }

  @Test
  void thePartOfAChunkBeforeAPartialFrameIsNotKept() {
    ByteString first = Frames.encode(FrameType.TEXT, utf8("done"));
    ByteString second = Frames.encode(FrameType.TEXT, utf8("x".repeat(500)));
    FrameDecoder decoder = new FrameDecoder(LIMITS);
    List<FramePart> parts = decoder.feed(first.concat(second.take(100)));
    assertEquals(List.of(new FramePart.Whole(FrameType.TEXT, utf8("done"))), parts);
    assertEquals(100 - 5, decoder.bufferedBytes());
    assertEquals(1, decoder.bufferPieces());
  }

  @ParameterizedTest
  @EnumSource(value = FrameType.class, names = {"TEXT", "JOIN", "LEAVE", "ERROR", "COMMAND"})
  void smallFrameDecodesToOneWholePart(FrameType type) {
    ByteString payload = utf8("héllo 世界 🎉 " + type);

    List<FramePart> parts = new FrameDecoder(LIMITS).feed(Frames.encode(type, payload));

    assertEquals(List.of(new FramePart.Whole(type, payload)), parts);
  }

  @ParameterizedTest
  @EnumSource(value = FrameType.class, names = {"TEXT", "JOIN", "LEAVE", "ERROR", "COMMAND"})
  void smallFrameWithEmptyPayloadHasLengthOneAndDecodes(FrameType type) {
    ByteString frame = Frames.encode(type, ByteString.emptyByteString());
    assertEquals(bytes(0, 0, 0, 1, type.code()), frame);

    List<FramePart> parts = new FrameDecoder(LIMITS).feed(frame);

    assertEquals(List.of(new FramePart.Whole(type, ByteString.emptyByteString())), parts);
  }

  @Test
  void smallFrameExactlyAtTheMessageLimitIsAccepted() {
    ByteString payload = filled(MAX_MESSAGE, 'x');

    List<FramePart> parts = new FrameDecoder(LIMITS).feed(Frames.encode(FrameType.TEXT, payload));

    assertEquals(List.of(new FramePart.Whole(FrameType.TEXT, payload)), parts);
  }

  @Test
  void smallFrameIsEmittedOnlyOnceItsLastByteArrives() {
    ByteString frame = Frames.encode(FrameType.TEXT, "hello");
    FrameDecoder decoder = new FrameDecoder(LIMITS);

    assertEquals(List.of(), decoder.feed(frame.take(3)));
    assertTrue(decoder.midFrame());
    assertEquals(List.of(), decoder.feed(frame.slice(3, frame.size() - 1)));
    assertTrue(decoder.midFrame());
    assertEquals(
        List.of(new FramePart.Whole(FrameType.TEXT, utf8("hello"))),
        decoder.feed(frame.drop(frame.size() - 1)));
    assertFalse(decoder.midFrame());
  }

  @Test
  void headerEncodesBigEndianLengthIncludingTheTypeByte() {
    assertEquals(bytes(0, 0, 0, 1, 0x01), Frames.header(FrameType.TEXT, 0));
    assertEquals(bytes(0x01, 0x02, 0x03, 0x05, 0x02), Frames.header(FrameType.FILE, 0x01020304L));
    assertEquals(
        bytes(0xff, 0xff, 0xff, 0xff, 0x02), Frames.header(FrameType.FILE, ProtocolLimits.MAX_PAYLOAD));
    assertThrows(
        IllegalArgumentException.class,
        () -> Frames.header(FrameType.FILE, ProtocolLimits.MAX_PAYLOAD + 1));
    assertThrows(IllegalArgumentException.class, () -> Frames.header(FrameType.TEXT, -1));
  }

  // ---------------------------------------------------------------- FILE frames

  @Test
  void fileFrameStreamsBeginBodySlicesAndEnd() {
    ByteString payload = pseudoRandom(1000, 7);
    ByteString frame = Frames.encode(FrameType.FILE, payload);

    List<FramePart> parts = feedAll(new FrameDecoder(LIMITS), split(frame, 64));

    assertEquals(new FramePart.Begin(FrameType.FILE, payload.size()), parts.get(0));
    assertEquals(FramePart.End.INSTANCE, parts.get(parts.size() - 1));
    List<FramePart> middle = parts.subList(1, parts.size() - 1);
    assertTrue(middle.size() > 1, "a payload fed in pieces leaves in several slices");
    for (FramePart part : middle) {
      FramePart.Body body = assertInstanceOf(FramePart.Body.class, part);
      assertFalse(body.bytes().isEmpty(), "no empty body slices");
    }
    assertEquals(payload, concatBodies(middle));
  }

  @Test
  void fileBodyLeavesAsSoonAsItArrivesWithoutWaitingForTheWholeFrame() {
    ByteString payload = pseudoRandom(600, 3);
    ByteString frame = Frames.encode(FrameType.FILE, payload);
    FrameDecoder decoder = new FrameDecoder(LIMITS);

    List<FramePart> first = decoder.feed(frame.take(5 + 100));
    assertEquals(
        List.of(new FramePart.Begin(FrameType.FILE, 600), new FramePart.Body(payload.take(100))),
        first);

    List<FramePart> second = decoder.feed(frame.slice(105, 405));
    assertEquals(List.of(new FramePart.Body(payload.slice(100, 400))), second);

    List<FramePart> last = decoder.feed(frame.drop(405));
    assertEquals(List.of(new FramePart.Body(payload.drop(400)), FramePart.End.INSTANCE), last);
    assertFalse(decoder.midFrame());
  }

  @Test
  void fileFrameWithEmptyPayloadGivesBeginThenEnd() {
    List<FramePart> parts =
        new FrameDecoder(LIMITS).feed(Frames.encode(FrameType.FILE, ByteString.emptyByteString()));

    assertEquals(List.of(new FramePart.Begin(FrameType.FILE, 0), FramePart.End.INSTANCE), parts);
  }

  @Test
  void fileFrameExactlyAtTheFileFrameLimitIsAccepted() {
    ByteString payload = pseudoRandom((int) LIMITS.maxFileFrameBytes(), 11);

    List<FramePart> parts =
        new FrameDecoder(LIMITS).feed(Frames.encode(FrameType.FILE, payload));

    assertEquals(
        List.of(
            new FramePart.Begin(FrameType.FILE, payload.size()),
            new FramePart.Body(payload),
            FramePart.End.INSTANCE),
        parts);
  }

  // ---------------------------------------------------------------- chunking

  @Test
  void byteAtATimeGivesTheSameLogicalResultAsOneChunk() {
    ByteString stream = mixedStream();

    List<FramePart> whole = feedAll(new FrameDecoder(LIMITS), List.of(stream));
    List<FramePart> byteByByte = feedAll(new FrameDecoder(LIMITS), split(stream, 1));

    assertEquals(mergeBodies(whole), mergeBodies(byteByByte));
    assertEquals(expectedMixedFrames(), reassemble(byteByByte));
  }

  @Test
  void severalFramesInOneChunkAllDecodeInOrder() {
    ByteString chunk =
        Frames.encode(FrameType.JOIN, "alice")
            .concat(Frames.encode(FrameType.TEXT, "hi"))
            .concat(Frames.encode(FrameType.FILE, utf8("a.txt::data")))
            .concat(Frames.encode(FrameType.COMMAND, "/quit_ack"));

    List<FramePart> parts = new FrameDecoder(LIMITS).feed(chunk);

    assertEquals(
        List.of(
            new FramePart.Whole(FrameType.JOIN, utf8("alice")),
            new FramePart.Whole(FrameType.TEXT, utf8("hi")),
            new FramePart.Begin(FrameType.FILE, 11),
            new FramePart.Body(utf8("a.txt::data")),
            FramePart.End.INSTANCE,
            new FramePart.Whole(FrameType.COMMAND, utf8("/quit_ack"))),
        parts);
  }

  @Test
  void headerSplitAcrossChunksIsReassembled() {
    ByteString stream =
        Frames.encode(FrameType.TEXT, "first").concat(Frames.encode(FrameType.LEAVE, "second"));
    FrameDecoder decoder = new FrameDecoder(LIMITS);
    int cut = 10 + 2; // the first frame (10 bytes) plus 2 bytes of the second header

    List<FramePart> first = decoder.feed(stream.take(cut));
    List<FramePart> second = decoder.feed(stream.drop(cut));

    assertEquals(List.of(new FramePart.Whole(FrameType.TEXT, utf8("first"))), first);
    assertEquals(List.of(new FramePart.Whole(FrameType.LEAVE, utf8("second"))), second);
  }

  // ---------------------------------------------------------------- fatal errors

  @Test
  void oversizeTextHeaderIsFatalAndReportedBeforeAnyPayloadArrives() {
    FrameDecoder decoder = new FrameDecoder(LIMITS);

    List<FramePart> parts = decoder.feed(Frames.header(FrameType.TEXT, MAX_MESSAGE + 1));

    FramingError error = singleInvalid(parts);
    assertEquals(new FramingError.MessageTooLarge(FrameType.TEXT, MAX_MESSAGE + 1, MAX_MESSAGE), error);
    assertTrue(error.fatal());
  }

  @Test
  void afterAFatalErrorTheDecoderDiscardsAllFurtherInput() {
    FrameDecoder decoder = new FrameDecoder(LIMITS);
    ByteString oversize = Frames.encode(FrameType.JOIN, filled(MAX_MESSAGE + 1, 'n'));
    ByteString valid = Frames.encode(FrameType.TEXT, "still there?");

    List<FramePart> first = decoder.feed(oversize.take(5 + 10));
    assertInstanceOf(FramingError.MessageTooLarge.class, singleInvalid(first));

    assertEquals(List.of(), decoder.feed(oversize.drop(15)));
    assertEquals(List.of(), decoder.feed(valid));
    assertEquals(List.of(), decoder.feed(valid.concat(valid)));
    for (ByteString b : split(valid, 1)) {
      assertEquals(List.of(), decoder.feed(b));
    }
  }

  @Test
  void fatalErrorInTheMiddleOfAChunkStopsDecodingThere() {
    ByteString chunk =
        Frames.encode(FrameType.TEXT, "before")
            .concat(Frames.header(FrameType.ERROR, MAX_MESSAGE + 100))
            .concat(Frames.encode(FrameType.TEXT, "after"));

    List<FramePart> parts = new FrameDecoder(LIMITS).feed(chunk);

    assertEquals(2, parts.size());
    assertEquals(new FramePart.Whole(FrameType.TEXT, utf8("before")), parts.get(0));
    FramePart.Invalid invalid = assertInstanceOf(FramePart.Invalid.class, parts.get(1));
    assertEquals(
        new FramingError.MessageTooLarge(FrameType.ERROR, MAX_MESSAGE + 100, MAX_MESSAGE),
        invalid.error());
  }

  @Test
  void fourGigabyteTextLengthIsRejectedImmediately() {
    FrameDecoder decoder = new FrameDecoder(LIMITS);

    List<FramePart> parts = decoder.feed(bytes(0xff, 0xff, 0xff, 0xff, FrameType.TEXT.code()));

    FramingError error = singleInvalid(parts);
    assertEquals(
        new FramingError.MessageTooLarge(FrameType.TEXT, 0xFFFF_FFFEL, MAX_MESSAGE), error);
    assertTrue(error.fatal());
    assertEquals(List.of(), decoder.feed(filled(64 * 1024, 'z')));
  }

  @Test
  void zeroLengthFrameIsFatal() {
    FrameDecoder decoder = new FrameDecoder(LIMITS);
    ByteString zero = bytes(0, 0, 0, 0).concat(Frames.encode(FrameType.TEXT, "next"));

    List<FramePart> parts = decoder.feed(zero);

    FramingError error = singleInvalid(parts);
    assertEquals(new FramingError.EmptyFrame(), error);
    assertTrue(error.fatal());
    assertEquals(List.of(), decoder.feed(Frames.encode(FrameType.TEXT, "more")));
  }

  // ---------------------------------------------------------------- recoverable errors

  @ParameterizedTest
  @ValueSource(ints = {0x00, 0x09, 0x42, 0xff})
  void unknownTypeIsRecoverableAndItsPayloadIsSkipped(int code) {
    // The skipped payload looks like a frame header, to prove it is not parsed.
    ByteString junk = Frames.encode(FrameType.TEXT, "not a frame").concat(filled(40, 'j'));
    ByteString unknown = bytes(0, 0, 0, junk.size() + 1, code).concat(junk);
    ByteString next = Frames.encode(FrameType.TEXT, "next");
    FrameDecoder decoder = new FrameDecoder(LIMITS);

    List<FramePart> parts = decoder.feed(unknown.take(5 + 3));
    assertEquals(new FramingError.UnknownType(code), singleInvalid(parts));
    assertFalse(singleInvalid(parts).fatal());

    assertEquals(List.of(), decoder.feed(unknown.slice(8, 30)));
    assertEquals(List.of(), decoder.feed(unknown.drop(30)));
    assertEquals(List.of(new FramePart.Whole(FrameType.TEXT, utf8("next"))), decoder.feed(next));
  }

  @Test
  void unknownTypeJustAtTheMessageLimitIsStillSkippedRecoverably() {
    ByteString unknown = bytes(0, 0, (MAX_MESSAGE + 1) >> 8, (MAX_MESSAGE + 1) & 0xff, 0x42).concat(filled(MAX_MESSAGE, 'u'));
    FrameDecoder decoder = new FrameDecoder(LIMITS);

    assertEquals(new FramingError.UnknownType(0x42), singleInvalid(decoder.feed(unknown)));
    assertEquals(List.of(new FramePart.Whole(FrameType.TEXT, utf8("next"))), decoder.feed(Frames.encode(FrameType.TEXT, "next")));
  }

  /**
   * 64 KiB of random bytes before JOIN: the first five make a header of some unknown type and a
   * huge length. Skipping it would hold the connection until the join timeout; it is fatal on
   * its header instead, as an oversize TEXT is.
   */
  @ParameterizedTest
  @ValueSource(longs = {MAX_MESSAGE + 1, 0x00ab_cdefL, 0xffff_fffeL})
  void unknownTypeOverTheMessageLimitIsFatalOnItsHeader(long payload) {
    FrameDecoder decoder = new FrameDecoder(LIMITS);
    ByteString header = Frames.header(FrameType.TEXT, payload).take(4).concat(bytes(0x5a));

    FramingError error = singleInvalid(decoder.feed(header.concat(pseudoRandom(64 * 1024, 3))));

    assertEquals(new FramingError.UnknownTypeTooLarge(0x5a, payload, MAX_MESSAGE), error);
    assertTrue(error.fatal());
    assertEquals(List.of(), decoder.feed(Frames.encode(FrameType.TEXT, "after")));
  }

  @Test
  void theServersFramesAreReadWithTheSkippingPolicyAClientsWithTheFatalOne() {
    assertEquals(FrameDecoder.Oversize.SKIP, FrameDecoder.forFramesFrom(MessageDecoder.Origin.SERVER, LIMITS).oversize());
    assertEquals(FrameDecoder.Oversize.FATAL, FrameDecoder.forFramesFrom(MessageDecoder.Origin.CLIENT, LIMITS).oversize());
    assertEquals(FrameDecoder.Oversize.FATAL, new FrameDecoder(LIMITS).oversize());
  }

  /**
   * A client must get past anything the original server may send, which has no limits: a TEXT
   * over the client's limit is skipped as it arrives, never buffered, and the next frame decodes.
   */
  @ParameterizedTest
  @EnumSource(value = FrameType.class, names = {"TEXT", "JOIN", "LEAVE", "ERROR", "COMMAND", "EVENT"})
  void fromAServerAnOversizeSmallFrameIsSkippedUnbufferedAndTheStreamGoesOn(FrameType type) {
    int length = 10 * MAX_MESSAGE;
    ByteString frame = Frames.encode(type, filled(length, 'x'));
    ByteString next = Frames.encode(FrameType.TEXT, "after the long one");
    FrameDecoder decoder = FrameDecoder.forFramesFrom(MessageDecoder.Origin.SERVER, LIMITS);

    FramingError error = singleInvalid(decoder.feed(frame.take(5 + 100)));
    assertEquals(new FramingError.MessageSkipped(type, length, MAX_MESSAGE), error);
    assertFalse(error.fatal());
    for (ByteString piece : split(frame.drop(105), 700)) {
      assertEquals(List.of(), decoder.feed(piece));
      assertEquals(0, decoder.bufferedBytes(), "a skipped frame is not buffered");
    }
    assertEquals(List.of(new FramePart.Whole(FrameType.TEXT, utf8("after the long one"))), decoder.feed(next));
    assertFalse(decoder.midFrame());
  }

  @Test
  void fromAServerAnOversizeUnknownTypeIsSkippedToo() {
    ByteString frame = bytes(0, 0, 0x10, 0x01, 0x5a).concat(filled(0x1000, 'u'));
    FrameDecoder decoder = FrameDecoder.forFramesFrom(MessageDecoder.Origin.SERVER, LIMITS);

    List<FramePart> parts = decoder.feed(frame.concat(Frames.encode(FrameType.JOIN, "bob")));

    assertEquals(
        List.of(new FramePart.Invalid(new FramingError.UnknownType(0x5a)), new FramePart.Whole(FrameType.JOIN, utf8("bob"))),
        parts);
  }

  @Test
  void fromAServerAFourGigabyteTextIsSkippedWithoutBuffering() {
    FrameDecoder decoder = FrameDecoder.forFramesFrom(MessageDecoder.Origin.SERVER, LIMITS);

    FramingError error = singleInvalid(decoder.feed(bytes(0xff, 0xff, 0xff, 0xff, FrameType.TEXT.code())));

    assertEquals(new FramingError.MessageSkipped(FrameType.TEXT, 0xFFFF_FFFEL, MAX_MESSAGE), error);
    for (int i = 0; i < 16; i++) {
      assertEquals(List.of(), decoder.feed(filled(64 * 1024, 'z')));
    }
    assertEquals(0, decoder.bufferedBytes());
    assertTrue(decoder.midFrame());
  }

  @Test
  void unknownTypeFollowedByAValidFrameInTheSameChunk() {
    ByteString chunk =
        bytes(0, 0, 0, 4, 0x09, 1, 2, 3)
            .concat(bytes(0, 0, 0, 1, 0xff))
            .concat(Frames.encode(FrameType.JOIN, "bob"));

    List<FramePart> parts = new FrameDecoder(LIMITS).feed(chunk);

    assertEquals(
        List.of(
            new FramePart.Invalid(new FramingError.UnknownType(0x09)),
            new FramePart.Invalid(new FramingError.UnknownType(0xff)),
            new FramePart.Whole(FrameType.JOIN, utf8("bob"))),
        parts);
  }

  @Test
  void oversizeFileIsRecoverableAndSkippedWithoutEmittingItsBytes() {
    long announced = 10_000;
    ByteString payload = pseudoRandom((int) announced, 5);
    ByteString frame = Frames.encode(FrameType.FILE, payload);
    ByteString next = Frames.encode(FrameType.TEXT, "after the big file");
    FrameDecoder decoder = new FrameDecoder(LIMITS);

    List<FramePart> header = decoder.feed(frame.take(5));
    FramingError error = singleInvalid(header);
    FramingError.FileTooLarge tooLarge = assertInstanceOf(FramingError.FileTooLarge.class, error);
    assertEquals(announced, tooLarge.length());
    assertFalse(error.fatal());

    assertEquals(List.of(), decoder.feed(frame.slice(5, 3000)));
    assertEquals(List.of(), decoder.feed(frame.slice(3000, 7000)));
    assertTrue(decoder.midFrame());
    List<FramePart> tail = decoder.feed(frame.drop(7000).concat(next));
    assertEquals(List.of(new FramePart.Whole(FrameType.TEXT, utf8("after the big file"))), tail);
    assertFalse(decoder.midFrame());
  }

  @Test
  void fileJustOverTheFileFrameLimitIsRefused() {
    long announced = LIMITS.maxFileFrameBytes() + 1;

    List<FramePart> parts = new FrameDecoder(LIMITS).feed(Frames.header(FrameType.FILE, announced));

    assertInstanceOf(FramingError.FileTooLarge.class, singleInvalid(parts));
  }

  @Test
  void fourGigabyteFileIsRefusedRecoverablyWithoutBuffering() {
    FrameDecoder decoder = new FrameDecoder(LIMITS);

    List<FramePart> parts = decoder.feed(bytes(0xff, 0xff, 0xff, 0xff, FrameType.FILE.code()));

    FramingError error = singleInvalid(parts);
    assertEquals(0xFFFF_FFFEL, assertInstanceOf(FramingError.FileTooLarge.class, error).length());
    assertFalse(error.fatal());
    for (int i = 0; i < 16; i++) {
      assertEquals(List.of(), decoder.feed(filled(64 * 1024, 'f')));
    }
    assertTrue(decoder.midFrame());
  }

  // ---------------------------------------------------------------- random round trip

  @ParameterizedTest
  @ValueSource(longs = {1L, 42L, 20240601L})
  void randomFramesSplitAtRandomPointsReassembleToTheOriginals(long seed) {
    Random random = new Random(seed);
    List<Frame> frames = new ArrayList<>();
    ByteStringBuilder stream = new ByteStringBuilder();
    for (int i = 0; i < 200; i++) {
      FrameType type = FrameType.values()[random.nextInt(FrameType.values().length)];
      int size = type == FrameType.FILE ? random.nextInt(4 * 1024 + 1) : random.nextInt(300);
      ByteString payload = randomBytes(random, size);
      frames.add(new Frame(type, payload));
      if (random.nextBoolean()) {
        stream.append(Frames.encode(type, payload));
      } else {
        stream.append(Frames.header(type, payload.size())).append(payload);
      }
    }

    List<FramePart> parts =
        feedAll(new FrameDecoder(ROOMY), splitRandomly(stream.result(), random));

    assertEquals(frames, reassemble(parts));
  }

  // ---------------------------------------------------------------- helpers

  /** A frame as the peer meant it, rebuilt from parts for comparison. */
  private record Frame(FrameType type, ByteString payload) {}

  private static List<FramePart> feedAll(FrameDecoder decoder, List<ByteString> chunks) {
    List<FramePart> out = new ArrayList<>();
    for (ByteString chunk : chunks) {
      out.addAll(decoder.feed(chunk));
    }
    return out;
  }

  /** Rebuilds whole frames from parts; fails on anything that breaks the part grammar. */
  private static List<Frame> reassemble(List<FramePart> parts) {
    List<Frame> frames = new ArrayList<>();
    FrameType streaming = null;
    long announced = 0;
    ByteStringBuilder body = null;
    for (FramePart part : parts) {
      if (part instanceof FramePart.Whole w) {
        assertEquals(null, streaming, "Whole inside a streamed frame");
        assertTrue(w.type() != FrameType.FILE, "FILE must never arrive whole");
        frames.add(new Frame(w.type(), w.payload()));
      } else if (part instanceof FramePart.Begin b) {
        assertEquals(null, streaming, "Begin inside a streamed frame");
        streaming = b.type();
        announced = b.payloadLength();
        body = new ByteStringBuilder();
      } else if (part instanceof FramePart.Body b) {
        assertTrue(streaming != null, "Body outside a streamed frame");
        assertFalse(b.bytes().isEmpty(), "empty Body slice");
        body.append(b.bytes());
      } else if (part == FramePart.End.INSTANCE) {
        assertTrue(streaming != null, "End outside a streamed frame");
        ByteString payload = body.result();
        assertEquals(announced, payload.size(), "Body slices must add up to the announced length");
        frames.add(new Frame(streaming, payload));
        streaming = null;
      } else {
        throw new AssertionError("unexpected part " + part);
      }
    }
    assertEquals(null, streaming, "unterminated streamed frame");
    return frames;
  }

  /** Merges consecutive Body parts, so that differently sliced streams compare equal. */
  private static List<FramePart> mergeBodies(List<FramePart> parts) {
    List<FramePart> out = new ArrayList<>();
    for (FramePart part : parts) {
      if (part instanceof FramePart.Body b
          && !out.isEmpty()
          && out.get(out.size() - 1) instanceof FramePart.Body previous) {
        out.set(out.size() - 1, new FramePart.Body(previous.bytes().concat(b.bytes()).compact()));
      } else {
        out.add(part);
      }
    }
    return out;
  }

  private static ByteString concatBodies(List<FramePart> parts) {
    ByteStringBuilder b = new ByteStringBuilder();
    for (FramePart part : parts) {
      b.append(((FramePart.Body) part).bytes());
    }
    return b.result();
  }

  private static FramingError singleInvalid(List<FramePart> parts) {
    assertEquals(1, parts.size(), () -> "expected exactly one Invalid, got " + parts);
    return assertInstanceOf(FramePart.Invalid.class, parts.get(0)).error();
  }

  private static List<Frame> expectedMixedFrames() {
    List<Frame> frames = new ArrayList<>();
    for (FrameType type : SMALL_TYPES) {
      frames.add(new Frame(type, utf8("payload of " + type)));
      frames.add(new Frame(type, ByteString.emptyByteString()));
    }
    frames.add(new Frame(FrameType.FILE, pseudoRandom(700, 1)));
    frames.add(new Frame(FrameType.FILE, ByteString.emptyByteString()));
    frames.add(new Frame(FrameType.TEXT, utf8("the end")));
    return frames;
  }

  private static ByteString mixedStream() {
    ByteStringBuilder b = new ByteStringBuilder();
    for (Frame f : expectedMixedFrames()) {
      b.append(Frames.encode(f.type(), f.payload()));
    }
    return b.result();
  }

  private static List<ByteString> split(ByteString bytes, int size) {
    List<ByteString> out = new ArrayList<>();
    for (int i = 0; i < bytes.size(); i += size) {
      out.add(bytes.slice(i, Math.min(bytes.size(), i + size)));
    }
    return out;
  }

  private static List<ByteString> splitRandomly(ByteString bytes, Random random) {
    List<ByteString> out = new ArrayList<>();
    int pos = 0;
    while (pos < bytes.size()) {
      // Mostly tiny pieces (splitting headers), sometimes large ones (several frames at once).
      int size = random.nextInt(4) == 0 ? 1 + random.nextInt(8 * 1024) : 1 + random.nextInt(16);
      int end = Math.min(bytes.size(), pos + size);
      out.add(bytes.slice(pos, end));
      pos = end;
    }
    return out;
  }

  private static ByteString randomBytes(Random random, int size) {
    byte[] b = new byte[size];
    random.nextBytes(b);
    return ByteString.fromArray(b);
  }

  private static ByteString pseudoRandom(int size, long seed) {
    return randomBytes(new Random(seed), size);
  }

  private static ByteString filled(int size, char c) {
    byte[] b = new byte[size];
    Arrays.fill(b, (byte) c);
    return ByteString.fromArray(b);
  }


}
