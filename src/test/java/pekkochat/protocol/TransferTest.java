package pekkochat.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;
import pekkochat.testing.TestBytes;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The XFER payload codec ({@link Transfer}) against the layout of docs/PROTOCOL.md: every kind
 * round trips, the document's examples are the codec's bytes exactly, an unknown kind is skipped
 * from a server and refused from a client, and payloads off the layout are refused.
 */
class TransferTest {

  private static final ProtocolLimits LIMITS = new ProtocolLimits(64 * 1024, 1L << 31, 1024);

  /** docs/PROTOCOL.md: alice offers notes.txt (4,096 bytes) as her upload 1 to the active room. */
  private static final String OFFER_HEX =
      "00000027" + "08" + "01" + "0000000000000001" + "0000000000001000"
          + "00000000" + "00000000" + "00000009" + "6e6f7465732e747874";

  /** docs/PROTOCOL.md: the first three bytes "abc" of upload 1. */
  private static final String DATA_HEX = "0000000d" + "08" + "02" + "0000000000000001" + "616263";

  private static byte[] payload(int kind, long id, long size, byte[]... fields) {
    return TestBytes.kindTwoLongsFields(kind, id, size, fields);
  }

  private static byte[] utf8(String s) {
    return TestBytes.utf8Array(s);
  }

  private static Optional<Transfer> decode(byte[] payload) {
    return Transfer.decodePayload(ByteString.fromArray(payload));
  }

  @ParameterizedTest
  @EnumSource(Transfer.Kind.class)
  void everyKindRoundTrips(Transfer.Kind kind) {
    Transfer t =
        kind == Transfer.Kind.DATA
            ? Transfer.data(-2L, ByteString.fromString("bytes"))
            : new Transfer(kind, 0xFFFF_FFFF_FFL, 123_456_789L, "alice", "#dev", "n\u00e4me.txt", null);
    assertEquals(Optional.of(t), Transfer.decodePayload(t.encodePayload()));
  }

  @Test
  void theDocumentedExamplesAreTheCodecsBytes() {
    assertEquals(OFFER_HEX, HexFormat.of().formatHex(Transfer.offer(1, 4096, "", "notes.txt").encodeFrame().toArray()));
    assertEquals(DATA_HEX, HexFormat.of().formatHex(Transfer.dataFrame(1, ByteString.fromString("abc")).toArray()));
    assertEquals(Transfer.data(1, ByteString.fromString("abc")).encodeFrame(), Transfer.dataFrame(1, ByteString.fromString("abc")));
  }

  @Test
  void theLayoutIsAsDocumentedFieldByField() {
    byte[] p = payload(7, 3, 10, utf8("bob"), utf8("#dev"), utf8("a.txt"));
    assertEquals(Optional.of(Transfer.offered(3, 10, "bob", "#dev", "a.txt")), decode(p));
  }

  @Test
  void aFullDataChunkFitsTheDecodersLimitAndOneByteMoreDoesNot() {
    assertEquals(Transfer.MAX_PAYLOAD, LIMITS.maxTransferFrameBytes());
    byte[] full = new byte[Transfer.DATA_OVERHEAD + Transfer.MAX_DATA_BYTES];
    full[0] = 2;
    assertEquals(Transfer.MAX_DATA_BYTES, decode(full).orElseThrow().data().size());
    byte[] over = new byte[full.length + 1];
    over[0] = 2;
    assertThrows(IllegalArgumentException.class, () -> decode(over));

    FrameDecoder server = new FrameDecoder(LIMITS);
    List<FramePart> parts = server.feed(Frames.header(FrameType.XFER, full.length + 1));
    FramingError error = assertInstanceOf(FramePart.Invalid.class, parts.get(0)).error();
    assertTrue(error.fatal(), "a client announcing more than a chunk is cut off, as for any oversize frame");
  }

  @Test
  void anUnknownKindIsIgnoredFromAServerAndRefusedFromAClient() {
    byte[] p = payload(200, 1, 0, new byte[0], new byte[0], new byte[0]);
    assertEquals(Optional.empty(), decode(p));
    FramePart.Whole frame = new FramePart.Whole(FrameType.XFER, ByteString.fromArray(p));
    assertEquals(List.of(Message.Ignored.INSTANCE), new MessageDecoder(MessageDecoder.Origin.SERVER, LIMITS).decode(frame));
    Message fromClient = new MessageDecoder(MessageDecoder.Origin.CLIENT, LIMITS).decode(frame).get(0);
    assertEquals(new Message.Malformed(new FramingError.BadTransfer("unknown kind 200")), fromClient);
  }

  @Test
  void payloadsOffTheLayoutAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> decode(new byte[] {1, 0, 0}));
    assertThrows(IllegalArgumentException.class, () -> decode(new byte[] {2, 0, 0, 0, 0, 0, 0, 0, 1})); // DATA, no bytes
    assertThrows(IllegalArgumentException.class, () -> decode(payload(1, 1, -1, new byte[0], new byte[0], new byte[0])));
    byte[] overrun = payload(1, 1, 1, new byte[0], new byte[0], utf8("x"));
    overrun[overrun.length - 5] = 9; // the last field claims more than is there
    assertThrows(IllegalArgumentException.class, () -> decode(overrun));
    byte[] trailing = java.util.Arrays.copyOf(payload(1, 1, 1, new byte[0], new byte[0], new byte[0]), 17 + 12 + 1);
    assertThrows(IllegalArgumentException.class, () -> decode(trailing));
    assertThrows(IllegalArgumentException.class, () -> decode(payload(1, 1, 1, new byte[] {(byte) 0xC3}, new byte[0], new byte[0])));
  }

  @Test
  void aDecodedBadFrameIsARecoverableMalformedMessage() {
    Message m = new MessageDecoder(MessageDecoder.Origin.CLIENT, LIMITS)
        .decode(new FramePart.Whole(FrameType.XFER, ByteString.fromArray(new byte[] {1}))).get(0);
    FramingError error = assertInstanceOf(Message.Malformed.class, m).error();
    assertEquals("Malformed XFER frame: XFER payload of 1 bytes is too short.", error.message());
    assertTrue(!error.fatal());
  }

  @Test
  void onlyDataMayBeLargerThanAMessage() {
    MessageDecoder decoder = new MessageDecoder(MessageDecoder.Origin.CLIENT, LIMITS);
    byte[] longName = utf8("n".repeat(LIMITS.maxMessageBytes()));
    FramePart.Whole offer = new FramePart.Whole(FrameType.XFER, ByteString.fromArray(payload(1, 1, 1, new byte[0], new byte[0], longName)));
    FramingError error = assertInstanceOf(Message.Malformed.class, decoder.decode(offer).get(0)).error();
    assertTrue(error.message().contains("over the limit of " + LIMITS.maxMessageBytes()), error::message);
    assertTrue(!error.fatal());

    byte[] data = new byte[1 + 8 + LIMITS.maxMessageBytes() * 2];
    data[0] = 2;
    data[8] = 7; // id 7
    Message big = decoder.decode(new FramePart.Whole(FrameType.XFER, ByteString.fromArray(data))).get(0);
    Transfer t = assertInstanceOf(Message.Xfer.class, big).transfer();
    assertEquals(Transfer.Kind.DATA, t.kind());
    assertEquals(LIMITS.maxMessageBytes() * 2, t.data().size());
  }
}
