package pekkochat.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameScannerTest {

  private static byte[] frames(String... texts) {
    ByteBuffer b = ByteBuffer.allocate(1024);
    int type = 1;
    for (String t : texts) {
      byte[] p = t.getBytes(StandardCharsets.UTF_8);
      b.putInt(1 + p.length).put((byte) type++).put(p);
    }
    byte[] out = new byte[b.position()];
    b.flip().get(out);
    return out;
  }

  /** Feeds {@code wire} in pieces of {@code step} bytes through a small buffer, as a reader does. */
  private static List<String> feed(byte[] wire, int step) throws FrameScanner.BadFrame {
    List<String> seen = new ArrayList<>();
    FrameScanner.Handler h = (type, buffer, offset, length) -> {
      byte[] p = new byte[length];
      buffer.get(offset, p);
      seen.add(type + ":" + new String(p, StandardCharsets.UTF_8));
    };
    ByteBuffer in = ByteBuffer.allocateDirect(64);
    for (int i = 0; i < wire.length; i += step) {
      in.put(wire, i, Math.min(step, wire.length - i));
      in.flip();
      FrameScanner.scan(in, 60, h);
      in.compact();
    }
    assertEquals(0, in.position(), "no bytes left over");
    return seen;
  }

  @Test
  void framesSplitAnywhereComeOutWhole() throws Exception {
    byte[] wire = frames("alice::hi", "", "bob joined the chat.", "x");
    List<String> expected = List.of("1:alice::hi", "2:", "3:bob joined the chat.", "4:x");
    for (int step = 1; step <= wire.length; step++) {
      assertEquals(expected, feed(wire, step), "pieces of " + step + " bytes");
    }
  }

  @Test
  void leavesAnIncompleteFrameInPlace() throws Exception {
    byte[] wire = frames("one", "two");
    ByteBuffer in = ByteBuffer.wrap(wire, 0, wire.length - 1);
    int n = FrameScanner.scan(in, 100, (type, buffer, offset, length) -> { });
    assertEquals(1, n);
    assertEquals(8, in.position(), "at the start of the second frame");
  }

  @Test
  void rejectsLengthsThatCannotBeThisProtocol() {
    ByteBuffer zero = ByteBuffer.allocate(8).putInt(0).putInt(0).flip();
    assertThrows(FrameScanner.BadFrame.class, () -> FrameScanner.scan(zero, 100, (t, b, o, l) -> { }));
    ByteBuffer huge = ByteBuffer.allocate(8).putInt(0xFFFF_FFFF).putInt(0).flip();
    assertThrows(FrameScanner.BadFrame.class, () -> FrameScanner.scan(huge, 100, (t, b, o, l) -> { }));
    ByteBuffer tooLong = ByteBuffer.allocate(8).putInt(101).putInt(0).flip();
    assertThrows(FrameScanner.BadFrame.class, () -> FrameScanner.scan(tooLong, 100, (t, b, o, l) -> { }));
  }
}
