package pekkochat.testing;

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
}
