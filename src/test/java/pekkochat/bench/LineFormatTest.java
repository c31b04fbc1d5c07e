package pekkochat.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LineFormatTest {

  /** The line of a frame written by putFrame, as the server relays it: {@code sender::line}. */
  private static ByteBuffer relayed(String sender, long nanos, long number, int lineBytes) {
    ByteBuffer frame = ByteBuffer.allocate(LineFormat.frameBytes(lineBytes));
    LineFormat.putFrame(frame, nanos, number, lineBytes);
    assertEquals(frame.capacity(), frame.position(), "frameBytes is what putFrame writes");
    frame.flip();
    assertEquals(1 + lineBytes, frame.getInt());
    assertEquals(ChatPeer.TEXT, frame.get());
    byte[] prefix = (sender + "::").getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(prefix.length + lineBytes).put(prefix).put(frame).flip();
  }

  @Test
  void aRelayedLineGivesBackItsTimeAndNumber() {
    for (long nanos : new long[] {0, 1, 123_456_789_012_345L, -5, Long.MAX_VALUE}) {
      ByteBuffer b = relayed("b1-u7", nanos, 42, 64);
      assertEquals(nanos, LineFormat.intendedNanos(b, 0, b.limit()));
      assertEquals(42, LineFormat.number(b, 0, b.limit()));
    }
  }

  @Test
  void theShortestLineIsTheHeader() {
    ByteBuffer b = relayed("s", 99, 7, LineFormat.HEADER_BYTES);
    assertEquals(99, LineFormat.intendedNanos(b, 0, b.limit()));
  }

  @Test
  void aLineLooksLikeThis() {
    ByteBuffer frame = ByteBuffer.allocate(LineFormat.frameBytes(40));
    LineFormat.putFrame(frame, 0xABCL, 3, 40);
    String line = new String(frame.array(), 5, 40, StandardCharsets.US_ASCII);
    assertEquals("L0000000000000abc 0000000000000003 .....", line);
  }

  @Test
  void aPayloadInsideALargerBufferIsReadInPlace() {
    ByteBuffer line = relayed("bob", 1000, 5, 50);
    ByteBuffer big = ByteBuffer.allocate(200);
    big.position(77);
    big.put(line);
    assertEquals(1000, LineFormat.intendedNanos(big, 77, line.limit()));
  }

  @Test
  void otherTextIsNotALine() {
    for (String text : new String[] {
        "Welcome! Type /help for commands.",
        "alice::hello there",
        "alice::L0000000000000abc 0000000000000003", // one byte short
        "alice::L0000000000000abX 0000000000000003 ", // not hex
        "alice::X0000000000000abc 0000000000000003 ",
        "no separator L0000000000000abc 0000000000000003 ",
        ""}) {
      ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
      assertEquals(LineFormat.NOT_A_LINE, LineFormat.intendedNanos(b, 0, b.limit()), text);
    }
  }
}
