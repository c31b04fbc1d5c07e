package pekkochat.testing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.util.ByteString;

/** Byte strings for codec tests. */
public final class TestBytes {

  private TestBytes() {}

  public static ByteString utf8(String s) {
    return ByteString.fromString(s, StandardCharsets.UTF_8);
  }

  /** The given byte values (0..255), e.g. {@code bytes(0xc3, 0x28)}. */
  public static ByteString bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return ByteString.fromArray(b);
  }

  /**
   * A payload written by hand for the frames that share one layout (EVENT: seq and time; XFER:
   * id and size): a kind byte, two u64 big-endian numbers, then fields of u32 big-endian length
   * and bytes. Independent of the codecs it checks.
   */
  public static byte[] kindTwoLongsFields(int kind, long first, long second, byte[]... fields) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(kind);
    out.writeBytes(ByteBuffer.allocate(16).putLong(first).putLong(second).array());
    for (byte[] f : fields) {
      out.writeBytes(ByteBuffer.allocate(4).putInt(f.length).array());
      out.writeBytes(f);
    }
    return out.toByteArray();
  }

  /** The UTF-8 bytes of {@code s}, as an array. */
  public static byte[] utf8Array(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
