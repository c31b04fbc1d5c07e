package pekkochat.protocol;

import static pekkochat.testing.TestBytes.bytes;
import static pekkochat.testing.TestBytes.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Unit tests of {@link MessageDecoder#decode}: strict UTF-8 and the FILE name prefix. */
class MessageDecoderTest {

  private static final int MAX_FILE_HEADER = 64;
  private static final ProtocolLimits LIMITS = new ProtocolLimits(64 * 1024, 1 << 20, MAX_FILE_HEADER);

  private static final String NON_ASCII = "héllo 世界 🎉";

  /** Raw file bytes that contain the separator, a lone ':' and bytes that are not UTF-8. */
  private static final ByteString RAW =
      utf8("::leading separator, a:b, trailing::").concat(bytes(0xff, 0x00, 0xc3, 0x28, ':', ':'));

  // ---------------------------------------------------------------- small frames

  static Stream<Arguments> smallFrames() {
    return Stream.of(
        Arguments.of(FrameType.TEXT, new Message.Text(NON_ASCII)),
        Arguments.of(FrameType.JOIN, new Message.Join(NON_ASCII)),
        Arguments.of(FrameType.LEAVE, new Message.Leave(NON_ASCII)),
        Arguments.of(FrameType.ERROR, new Message.Error(NON_ASCII)),
        Arguments.of(FrameType.COMMAND, new Message.Command(NON_ASCII)));
  }

  @ParameterizedTest
  @MethodSource("smallFrames")
  void smallFrameMapsToItsMessageWithUtf8Text(FrameType type, Message expected) {
    for (MessageDecoder.Origin origin : MessageDecoder.Origin.values()) {
      List<Message> messages = decoder(origin).decode(whole(type, utf8(NON_ASCII)));

      assertEquals(List.of(expected), messages, origin.toString());
    }
  }

  @Test
  void emptyTextPayloadDecodesToEmptyString() {
    assertEquals(
        List.of(new Message.Text("")),
        decoder(MessageDecoder.Origin.CLIENT).decode(whole(FrameType.TEXT, ByteString.emptyByteString())));
  }

  @Test
  void separatorInTextIsLeftToTheApplication() {
    assertEquals(
        List.of(new Message.Text("alice::hi :: there")),
        decoder(MessageDecoder.Origin.SERVER).decode(whole(FrameType.TEXT, utf8("alice::hi :: there"))));
  }

  static Stream<ByteString> invalidUtf8() {
    return Stream.of(
        bytes(0xc3, 0x28), // a lead byte followed by a non-continuation byte
        bytes(0xff), // never valid in UTF-8
        bytes('o', 'k', 0xe4, 0xb8), // truncated three-byte sequence
        bytes(0xc0, 0xaf), // overlong encoding of '/'
        bytes(0xed, 0xa0, 0x80)); // an encoded UTF-16 surrogate
  }

  @ParameterizedTest
  @MethodSource("invalidUtf8")
  void invalidUtf8IsARecoverableMalformedMessage(ByteString payload) {
    MessageDecoder decoder = decoder(MessageDecoder.Origin.CLIENT);

    List<Message> messages = decoder.decode(whole(FrameType.TEXT, payload));

    FramingError error = singleMalformed(messages);
    assertEquals(new FramingError.InvalidUtf8(FrameType.TEXT), error);
    assertFalse(error.fatal());
    assertEquals(List.of(new Message.Text("fine")), decoder.decode(whole(FrameType.TEXT, utf8("fine"))));
  }

  @ParameterizedTest
  @EnumSource(value = FrameType.class, names = {"JOIN", "LEAVE", "ERROR", "COMMAND"})
  void invalidUtf8InOtherSmallFramesNamesTheFrameType(FrameType type) {
    List<Message> messages =
        decoder(MessageDecoder.Origin.SERVER).decode(whole(type, bytes('x', 0xff)));

    assertEquals(new FramingError.InvalidUtf8(type), singleMalformed(messages));
  }

  @Test
  void invalidPartBecomesMalformedWithTheSameError() {
    FramingError error = new FramingError.FileTooLarge(5000, 1024);

    List<Message> messages =
        decoder(MessageDecoder.Origin.CLIENT).decode(new FramePart.Invalid(error));

    assertEquals(List.of(new Message.Malformed(error)), messages);
  }

  // ---------------------------------------------------------------- FILE from a client

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 5, 11, 1000})
  void clientFileBecomesOfferChunksAndEnd(int sliceSize) {
    ByteString payload = utf8("notes.txt::").concat(RAW);

    List<Message> messages =
        decodeAll(decoder(MessageDecoder.Origin.CLIENT), fileParts(payload, sliceSize));

    assertEquals(new Message.FileOffer("notes.txt", RAW.size()), messages.get(0));
    assertFileBody(RAW, messages);
  }

  @Test
  void clientFileWithUnicodeNameKeepsTheName() {
    ByteString payload = utf8("résumé 世界.pdf::").concat(RAW);

    List<Message> messages = decodeAll(decoder(MessageDecoder.Origin.CLIENT), fileParts(payload, 3));

    assertEquals(new Message.FileOffer("résumé 世界.pdf", RAW.size()), messages.get(0));
    assertFileBody(RAW, messages);
  }

  @Test
  void clientFileWithEmptyBodyGivesOfferOfSizeZeroThenEnd() {
    List<Message> messages =
        decodeAll(decoder(MessageDecoder.Origin.CLIENT), fileParts(utf8("notes.txt::"), 100));

    assertEquals(List.of(new Message.FileOffer("notes.txt", 0), Message.FileEnd.INSTANCE), messages);
  }

  @Test
  void prefixAtExactlyTheHeaderLimitIsAccepted() {
    String name = "n".repeat(MAX_FILE_HEADER - 2);
    ByteString payload = utf8(name + "::").concat(RAW);

    List<Message> messages = decodeAll(decoder(MessageDecoder.Origin.CLIENT), fileParts(payload, 7));

    assertEquals(new Message.FileOffer(name, RAW.size()), messages.get(0));
    assertFileBody(RAW, messages);
  }

  // ---------------------------------------------------------------- FILE from a server

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 17, 1000})
  void serverFileBecomesIncomingChunksAndEnd(int sliceSize) {
    ByteString payload = utf8("alice::notes.txt::").concat(RAW);

    List<Message> messages =
        decodeAll(decoder(MessageDecoder.Origin.SERVER), fileParts(payload, sliceSize));

    assertEquals(new Message.FileIncoming("alice", "notes.txt", RAW.size()), messages.get(0));
    assertFileBody(RAW, messages);
  }

  @Test
  void serverFileWithEmptyBody() {
    List<Message> messages =
        decodeAll(decoder(MessageDecoder.Origin.SERVER), fileParts(utf8("bob::empty.bin::"), 4));

    assertEquals(
        List.of(new Message.FileIncoming("bob", "empty.bin", 0), Message.FileEnd.INSTANCE), messages);
  }

  @Test
  void serverFileWithOnlyOneSeparatorIsMalformedAtEnd() {
    MessageDecoder decoder = decoder(MessageDecoder.Origin.SERVER);

    List<Message> messages = decodeAll(decoder, fileParts(utf8("alice::notes.txt"), 4));

    assertInstanceOf(FramingError.BadFileHeader.class, singleMalformed(messages));
  }

  // ---------------------------------------------------------------- bad FILE headers

  @Test
  void fileWithoutAnySeparatorIsMalformedOnceAtEnd() {
    MessageDecoder decoder = decoder(MessageDecoder.Origin.CLIENT);
    List<FramePart> parts = fileParts(utf8("notes.txt:just some bytes"), 5);

    List<Message> beforeEnd = decodeAll(decoder, parts.subList(0, parts.size() - 1));
    assertEquals(List.of(), beforeEnd, "nothing can be said before the frame ends");
    List<Message> atEnd = decoder.decode(FramePart.End.INSTANCE);

    FramingError error = singleMalformed(atEnd);
    assertInstanceOf(FramingError.BadFileHeader.class, error);
    assertFalse(error.fatal());
    assertEquals(List.of(new Message.Text("next")), decoder.decode(whole(FrameType.TEXT, utf8("next"))));
  }

  @Test
  void emptyFilePayloadIsMalformed() {
    List<Message> messages =
        decodeAll(decoder(MessageDecoder.Origin.CLIENT), fileParts(ByteString.emptyByteString(), 1));

    assertInstanceOf(FramingError.BadFileHeader.class, singleMalformed(messages));
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 10, 1000})
  void overlongPrefixWithoutSeparatorIsMalformedAndTheRestOfTheFrameIgnored(int sliceSize) {
    MessageDecoder decoder = decoder(MessageDecoder.Origin.CLIENT);
    ByteString payload = utf8("a".repeat(MAX_FILE_HEADER * 3) + "::").concat(RAW);

    List<Message> messages = decodeAll(decoder, fileParts(payload, sliceSize));

    assertInstanceOf(FramingError.BadFileHeader.class, singleMalformed(messages));
    assertEquals(
        List.of(new Message.Text("still decoding")),
        decoder.decode(whole(FrameType.TEXT, utf8("still decoding"))));
  }

  @Test
  void prefixOneByteOverTheLimitIsMalformedEvenWithASeparator() {
    String name = "n".repeat(MAX_FILE_HEADER - 1);
    ByteString payload = utf8(name + "::").concat(RAW);

    List<Message> messages = decodeAll(decoder(MessageDecoder.Origin.CLIENT), fileParts(payload, 1000));

    assertInstanceOf(FramingError.BadFileHeader.class, singleMalformed(messages));
  }

  @Test
  void prefixIsNotBufferedBeyondTheLimit() {
    MessageDecoder decoder = decoder(MessageDecoder.Origin.CLIENT);
    decoder.decode(new FramePart.Begin(FrameType.FILE, 10_000));

    List<Message> upToLimit = decoder.decode(new FramePart.Body(utf8("x".repeat(MAX_FILE_HEADER))));
    List<Message> overLimit = decoder.decode(new FramePart.Body(utf8("y")));
    List<Message> rest = decoder.decode(new FramePart.Body(utf8("::" + "z".repeat(100))));
    List<Message> end = decoder.decode(FramePart.End.INSTANCE);

    assertEquals(List.of(), upToLimit);
    assertInstanceOf(FramingError.BadFileHeader.class, singleMalformed(overLimit));
    assertEquals(List.of(), rest, "the rest of a refused file is ignored");
    assertEquals(List.of(), end, "the refusal is reported once");
  }

  @Test
  void invalidUtf8InTheFileNameIsABadFileHeader() {
    MessageDecoder decoder = decoder(MessageDecoder.Origin.CLIENT);
    ByteString payload = bytes('n', 0xff, 'x').concat(utf8("::")).concat(RAW);

    List<Message> messages = decodeAll(decoder, fileParts(payload, 2));

    assertInstanceOf(FramingError.BadFileHeader.class, singleMalformed(messages));
    assertEquals(List.of(new Message.Join("ok")), decoder.decode(whole(FrameType.JOIN, utf8("ok"))));
  }

  @Test
  void invalidUtf8InTheSenderOfARelayedFileIsABadFileHeader() {
    ByteString payload = bytes(0xc3, 0x28).concat(utf8("::notes.txt::")).concat(RAW);

    List<Message> messages = decodeAll(decoder(MessageDecoder.Origin.SERVER), fileParts(payload, 4));

    assertInstanceOf(FramingError.BadFileHeader.class, singleMalformed(messages));
  }

  // ---------------------------------------------------------------- file size limit

  /** A file limit small enough that a frame passes framing (file + prefix) but not this check. */
  private static final ProtocolLimits SMALL_FILES = new ProtocolLimits(1024, 100, MAX_FILE_HEADER);

  @Test
  void fileAtExactlyTheFileSizeLimitIsAccepted() {
    ByteString content = bytesOf(100, 'c');
    MessageDecoder decoder = new MessageDecoder(MessageDecoder.Origin.CLIENT, SMALL_FILES);

    List<Message> messages = decodeAll(decoder, fileParts(utf8("a.bin::").concat(content), 9));

    assertEquals(new Message.FileOffer("a.bin", 100), messages.get(0));
    assertFileBody(content, messages);
  }

  @ParameterizedTest
  @EnumSource(MessageDecoder.Origin.class)
  void fileOverTheFileSizeLimitIsRefusedOnceTheNameIsKnown(MessageDecoder.Origin origin) {
    // 7 + 101 bytes of payload is well within maxFileFrameBytes (100 + 64): only the decoder,
    // which knows where the name ends, can tell that the file itself is too large.
    String prefix = origin == MessageDecoder.Origin.CLIENT ? "a.bin::" : "bob::a.bin::";
    MessageDecoder decoder = new MessageDecoder(origin, SMALL_FILES);

    List<Message> messages = decodeAll(decoder, fileParts(utf8(prefix).concat(bytesOf(101, 'c')), 9));

    FramingError error = singleMalformed(messages);
    assertEquals(new FramingError.FileTooLarge(101, 100), error);
    assertFalse(error.fatal());
    assertEquals(List.of(new Message.Text("next")), decoder.decode(whole(FrameType.TEXT, utf8("next"))));
  }

  // ---------------------------------------------------------------- sequences

  @Test
  void decoderRecoversForTheNextFileAfterABadOne() {
    MessageDecoder decoder = decoder(MessageDecoder.Origin.CLIENT);
    List<FramePart> parts = new ArrayList<>();
    parts.addAll(fileParts(utf8("no separator here"), 3));
    parts.add(whole(FrameType.TEXT, utf8("between")));
    parts.addAll(fileParts(utf8("good.bin::").concat(RAW), 6));

    List<Message> messages = decodeAll(decoder, parts);

    Message.Malformed bad = assertInstanceOf(Message.Malformed.class, messages.get(0));
    assertInstanceOf(FramingError.BadFileHeader.class, bad.error());
    assertEquals(new Message.Text("between"), messages.get(1));
    List<Message> file = messages.subList(2, messages.size());
    assertEquals(new Message.FileOffer("good.bin", RAW.size()), file.get(0));
    assertFileBody(RAW, file);
  }

  @Test
  void twoFilesInARowAreDecodedIndependently() {
    MessageDecoder decoder = decoder(MessageDecoder.Origin.SERVER);
    ByteString second = utf8("second file");

    List<Message> first = decodeAll(decoder, fileParts(utf8("a::one.bin::").concat(RAW), 8));
    List<Message> next = decodeAll(decoder, fileParts(utf8("b::two.bin::").concat(second), 8));

    assertEquals(new Message.FileIncoming("a", "one.bin", RAW.size()), first.get(0));
    assertFileBody(RAW, first);
    assertEquals(new Message.FileIncoming("b", "two.bin", second.size()), next.get(0));
    assertFileBody(second, next);
  }

  // ---------------------------------------------------------------- helpers

  private static MessageDecoder decoder(MessageDecoder.Origin origin) {
    return new MessageDecoder(origin, LIMITS);
  }

  private static FramePart whole(FrameType type, ByteString payload) {
    return new FramePart.Whole(type, payload);
  }

  /** The parts a FILE frame with {@code payload} arrives as, sliced into {@code sliceSize} bodies. */
  private static List<FramePart> fileParts(ByteString payload, int sliceSize) {
    List<FramePart> parts = new ArrayList<>();
    parts.add(new FramePart.Begin(FrameType.FILE, payload.size()));
    for (int i = 0; i < payload.size(); i += sliceSize) {
      parts.add(new FramePart.Body(payload.slice(i, Math.min(payload.size(), i + sliceSize))));
    }
    parts.add(FramePart.End.INSTANCE);
    return parts;
  }

  private static List<Message> decodeAll(MessageDecoder decoder, List<FramePart> parts) {
    List<Message> out = new ArrayList<>();
    for (FramePart part : parts) {
      out.addAll(decoder.decode(part));
    }
    return out;
  }

  /**
   * Checks that {@code messages} is a file header, then chunks adding up to {@code expected}, then
   * FileEnd, and nothing else.
   */
  private static void assertFileBody(ByteString expected, List<Message> messages) {
    assertTrue(messages.size() >= 2, () -> "too few messages: " + messages);
    assertEquals(Message.FileEnd.INSTANCE, messages.get(messages.size() - 1));
    ByteStringBuilder body = new ByteStringBuilder();
    for (Message m : messages.subList(1, messages.size() - 1)) {
      Message.FileChunk chunk = assertInstanceOf(Message.FileChunk.class, m);
      assertFalse(chunk.bytes().isEmpty(), "no empty chunks");
      body.append(chunk.bytes());
    }
    assertEquals(expected, body.result());
  }

  private static FramingError singleMalformed(List<Message> messages) {
    assertEquals(1, messages.size(), () -> "expected exactly one Malformed, got " + messages);
    return assertInstanceOf(Message.Malformed.class, messages.get(0)).error();
  }

  private static ByteString bytesOf(int size, char c) {
    return utf8(String.valueOf(c).repeat(size));
  }


}
