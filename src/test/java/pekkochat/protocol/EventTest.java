package pekkochat.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;
import pekkochat.testing.TestBytes;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import pekkochat.testing.SeedOriginal;

/**
 * The EVENT payload codec ({@link Event}) against the layout of docs/PROTOCOL.md: every kind
 * round trips, an unknown kind is skipped, a payload off the layout is refused, and the document's
 * example is the codec's bytes exactly.
 */
class EventTest {

  /** The example of docs/PROTOCOL.md: alice says hi in #dev, the room's 42nd event. */
  private static final Event EXAMPLE = new Event(Event.Kind.MESSAGE, "#dev", 42, 1796133792345L, "alice", "", "hi");

  private static final String EXAMPLE_HEX =
      "0000002d" + "07" + "01" + "000000000000002a" + "000001a231eaaa59"
          + "00000004" + "23646576" + "00000005" + "616c696365" + "00000000" + "00000002" + "6869";

  /** A payload written field by field, independent of the codec. */
  private static byte[] payload(int kind, long seq, long time, byte[]... fields) {
    return TestBytes.kindTwoLongsFields(kind, seq, time, fields);
  }

  private static byte[] utf8(String s) {
    return TestBytes.utf8Array(s);
  }

  private static Optional<Event> decode(byte[] payload) {
    return Event.decodePayload(ByteString.fromArray(payload));
  }

  // --- round trips --------------------------------------------------------------------------

  @ParameterizedTest
  @EnumSource(Event.Kind.class)
  void everyKindRoundTrips(Event.Kind kind) {
    Event e = new Event(kind, "#dév", Long.MAX_VALUE - kind.code(), -kind.code(), "ålice", "bob,carol", "hi :: \u00e9\ud83d\ude00\n");
    assertEquals(Optional.of(e), Event.decodePayload(e.encodePayload()));
    ByteString frame = e.encodeFrame();
    assertEquals(frame.size() - 4, frame.asByteBuffer().getInt(), "length counts the type byte and the payload");
    assertEquals(FrameType.EVENT.code(), frame.apply(4) & 0xff);
    assertEquals(e.encodePayload(), frame.drop(5));
  }

  @ParameterizedTest
  @EnumSource(Event.Kind.class)
  void everyKindDecodesFromBytesWrittenByHand(Event.Kind kind) {
    byte[] p = payload(kind.code(), 7, 1_000, utf8("#dev"), utf8("alice"), utf8("bob"), utf8("text"));
    assertEquals(Optional.of(new Event(kind, "#dev", 7, 1_000, "alice", "bob", "text")), decode(p));
    assertArrayEquals(p, new Event(kind, "#dev", 7, 1_000, "alice", "bob", "text").encodePayload().toArray());
  }

  @Test
  void kindCodesAreThoseOfTheDocument() {
    String[] names = {
      "MESSAGE", "ACTION", "PRIVATE", "PRIVATE_ACTION", "JOINED", "LEFT", "NICK", "TOPIC", "ENTERED", "ACTIVE", "PARTED",
      "AWAY", "HELLO", "HISTORY", "STORED", "RESUME"
    };
    assertEquals(names.length, Event.Kind.values().length);
    for (int i = 0; i < names.length; i++) {
      assertEquals(Optional.of(Event.Kind.valueOf(names[i])), Event.Kind.ofCode(i + 1), names[i]);
      assertEquals(i + 1, Event.Kind.valueOf(names[i]).code());
    }
  }

  @Test
  void emptyAndNullFieldsAreEmptyStringsOfLengthZero() {
    Event e = new Event(Event.Kind.ACTIVE, "#dev", 0, 0, null, null, null);
    assertEquals("", e.from());
    assertEquals("", e.to());
    assertEquals("", e.text());
    assertArrayEquals(payload(10, 0, 0, utf8("#dev"), new byte[0], new byte[0], new byte[0]), e.encodePayload().toArray());
    assertEquals(Optional.of(e), Event.decodePayload(e.encodePayload()));
    assertThrows(NullPointerException.class, () -> new Event(null, "", 0, 0, "", "", ""));
  }

  @Test
  void seqIsUnsignedOnTheWire() {
    byte[] p = payload(1, -1L, 0, new byte[0], new byte[0], new byte[0], new byte[0]);
    assertEquals(-1L, decode(p).orElseThrow().seq(), "u64 0xffffffffffffffff is kept bit for bit");
  }

  // --- unknown kinds ------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(ints = {0, 17, 99, 255})
  void anUnknownKindIsSkipped(int code) {
    assertEquals(Optional.empty(), Event.Kind.ofCode(code));
    assertEquals(Optional.empty(), decode(payload(code, 1, 2, utf8("#dev"), utf8("a"), utf8("b"), utf8("from the future"))));
  }

  @Test
  void anUnknownKindMustStillFollowTheLayout() {
    byte[] p = payload(200, 1, 2, utf8("#dev"), utf8("a"), utf8("b"), utf8("c"));
    byte[] longer = java.util.Arrays.copyOf(p, p.length + 1);
    assertThrows(IllegalArgumentException.class, () -> decode(longer));
  }

  // --- malformed payloads -------------------------------------------------------------------

  @Test
  void tooShortPayloadsAreRefused() {
    byte[] minimal = payload(1, 0, 0, new byte[0], new byte[0], new byte[0], new byte[0]);
    assertEquals(Event.FIXED_BYTES + 16, minimal.length);
    assertTrue(decode(minimal).isPresent());
    for (int n = 0; n < minimal.length; n++) {
      byte[] cut = java.util.Arrays.copyOf(minimal, n);
      int size = n;
      assertThrows(IllegalArgumentException.class, () -> decode(cut), () -> size + " bytes");
    }
  }

  @Test
  void aPayloadEndingInsideAFieldIsRefused() {
    byte[] whole = payload(1, 3, 4, utf8("#dev"), utf8("alice"), utf8(""), utf8("hello"));
    for (int n = Event.FIXED_BYTES + 16; n < whole.length; n++) {
      byte[] cut = java.util.Arrays.copyOf(whole, n);
      int size = n;
      assertThrows(IllegalArgumentException.class, () -> decode(cut), () -> size + " of " + whole.length + " bytes");
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2, 3})
  void aFieldOverrunningThePayloadIsRefused(int field) {
    byte[][] fields = {utf8("#dev"), utf8("alice"), utf8("bob"), utf8("hi")};
    byte[] p = payload(1, 0, 0, fields);
    int at = Event.FIXED_BYTES;
    for (int i = 0; i < field; i++) {
      at += 4 + fields[i].length;
    }
    for (int length : new int[] {p.length, Integer.MAX_VALUE, -1 /* 0xffffffff: 4 GiB */, fields[field].length + 1 + (3 - field) * 4 + 100}) {
      byte[] bad = p.clone();
      ByteBuffer.wrap(bad, at, 4).putInt(length);
      assertThrows(IllegalArgumentException.class, () -> decode(bad), () -> "field " + field + " of length " + Integer.toUnsignedString(length));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 4, 1000})
  void trailingBytesAreRefused(int extra) {
    byte[] p = payload(1, 0, 0, utf8("#dev"), utf8("alice"), utf8(""), utf8("hi"));
    byte[] longer = java.util.Arrays.copyOf(p, p.length + extra);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> decode(longer));
    assertTrue(e.getMessage().contains(extra + " bytes after its fields"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"ff", "c3", "c328", "c0af", "e08080", "eda080", "f4908080", "80", "f8888080"})
  void invalidUtf8InAnyFieldIsRefused(String hex) {
    byte[] bad = HexFormat.of().parseHex(hex);
    for (int field = 0; field < 4; field++) {
      byte[][] fields = {utf8("#dev"), utf8("alice"), utf8("bob"), utf8("hi")};
      fields[field] = bad;
      byte[] p = payload(1, 0, 0, fields);
      int f = field;
      assertThrows(IllegalArgumentException.class, () -> decode(p), () -> "field " + f + " holding " + hex);
    }
  }

  // --- the document's example ---------------------------------------------------------------

  @Test
  void theExampleIsTheCodecsBytesExactly() {
    assertEquals(Instant.parse("2026-12-01T14:03:12.345Z").toEpochMilli(), EXAMPLE.timeMillis(), "the example's date");
    byte[] expected = HexFormat.of().parseHex(EXAMPLE_HEX);
    assertEquals(4 + 45, expected.length);
    assertArrayEquals(expected, EXAMPLE.encodeFrame().toArray(), () -> HexFormat.of().formatHex(EXAMPLE.encodeFrame().toArray()));
    assertEquals(Optional.of(EXAMPLE), Event.decodePayload(ByteString.fromArray(expected).drop(5)));
  }

  /** The hex dump in docs/PROTOCOL.md itself, so that the document cannot drift from the code. */
  @Test
  void theDocumentsHexDumpIsTheCodecsBytes() throws IOException {
    Path doc = SeedOriginal.projectRoot().resolve("docs/PROTOCOL.md");
    List<String> lines = Files.readAllLines(doc, StandardCharsets.UTF_8);
    int start = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains("says `hi` in `#dev`, the room's 42nd event")) {
        start = i;
        break;
      }
    }
    assertTrue(start >= 0, "docs/PROTOCOL.md no longer has the example of alice's hi in #dev");
    int open = start + 1;
    while (!lines.get(open).startsWith("```")) {
      open++;
    }
    List<String> dumped = new ArrayList<>();
    StringBuilder hex = new StringBuilder();
    for (int i = open + 1; !lines.get(i).startsWith("```"); i++) {
      String line = lines.get(i);
      dumped.add(line);
      for (String token : line.trim().split("\\s+")) {
        if (!token.matches("[0-9a-f]{2}")) {
          break; // the comment
        }
        hex.append(token);
      }
    }
    assertEquals(EXAMPLE_HEX, hex.toString(), "the document's bytes:\n" + String.join("\n", dumped));
    assertTrue(lines.get(start).contains("2026-12-01 14:03:12.345 UTC"), lines.get(start));
    assertTrue(dumped.stream().anyMatch(l -> l.contains("time 1796133792345")), "the example's time");
    assertTrue(dumped.stream().anyMatch(l -> l.contains("length 45")), "the example's length");
  }
}
