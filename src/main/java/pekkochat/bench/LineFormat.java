package pekkochat.bench;

import java.nio.ByteBuffer;

/**
 * The chat lines of {@code bench fanout}: each carries the time it was meant to be sent and its
 * number, in fixed-width hex so that both are written and read without allocating.
 *
 * <pre>
 * sent:     L&lt;intended send time: 16 hex&gt; &lt;line number: 16 hex&gt; .........   (--line-bytes in all)
 * relayed:  &lt;sender&gt;::L&lt;intended send time&gt; &lt;line number&gt; .........
 * </pre>
 *
 * The time is {@link System#nanoTime()} of the bench JVM, which both sends and receives, so a
 * receiver's latency is its own clock minus the time in the line.
 */
final class LineFormat {

  /** "L", 16 hex digits, a space, 16 hex digits, a space: the shortest line. */
  static final int HEADER_BYTES = 35;
  /** What {@link #intendedNanos} returns for a TEXT payload that is not a bench line. */
  static final long NOT_A_LINE = Long.MIN_VALUE;

  private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private LineFormat() {}

  /** Bytes of one TEXT frame carrying a line of {@code lineBytes}: length, type, line. */
  static int frameBytes(int lineBytes) {
    return 4 + 1 + lineBytes;
  }

  /** Appends one TEXT frame with a line of {@code lineBytes} (at least {@link #HEADER_BYTES}). */
  static void putFrame(ByteBuffer out, long intendedNanos, long number, int lineBytes) {
    out.putInt(1 + lineBytes).put((byte) ChatPeer.TEXT).put((byte) 'L');
    putHex(out, intendedNanos);
    out.put((byte) ' ');
    putHex(out, number);
    out.put((byte) ' ');
    for (int i = HEADER_BYTES; i < lineBytes; i++) {
      out.put((byte) '.');
    }
  }

  private static void putHex(ByteBuffer out, long value) {
    for (int shift = 60; shift >= 0; shift -= 4) {
      out.put(HEX[(int) (value >>> shift) & 0xF]);
    }
  }

  /**
   * The intended send time in a relayed line {@code sender::L...} at {@code buffer[offset, offset
   * + length)}, or {@link #NOT_A_LINE}.
   */
  static long intendedNanos(ByteBuffer buffer, int offset, int length) {
    int line = lineStart(buffer, offset, length);
    return line < 0 ? NOT_A_LINE : parseHex(buffer, line + 1);
  }

  /** The line number in a relayed line, or -1 if it is not one (for tests and diagnostics). */
  static long number(ByteBuffer buffer, int offset, int length) {
    int line = lineStart(buffer, offset, length);
    long n = line < 0 ? NOT_A_LINE : parseHex(buffer, line + 18);
    return n == NOT_A_LINE ? -1 : n;
  }

  /** Where the line after {@code sender::} starts, or -1 if the payload is not shaped like a bench line. */
  private static int lineStart(ByteBuffer buffer, int offset, int length) {
    int end = offset + length;
    for (int i = offset; i + 1 < end; i++) {
      if (buffer.get(i) == ':' && buffer.get(i + 1) == ':') {
        int line = i + 2;
        if (end - line < HEADER_BYTES || buffer.get(line) != 'L' || buffer.get(line + 17) != ' '
            || buffer.get(line + 34) != ' ') {
          return -1;
        }
        return line;
      }
    }
    return -1;
  }

  /** 16 lower-case hex digits at {@code at} as a long (any bit pattern), or {@link #NOT_A_LINE}. */
  private static long parseHex(ByteBuffer buffer, int at) {
    long value = 0;
    for (int i = at; i < at + 16; i++) {
      int b = buffer.get(i);
      int digit;
      if (b >= '0' && b <= '9') {
        digit = b - '0';
      } else if (b >= 'a' && b <= 'f') {
        digit = b - 'a' + 10;
      } else {
        return NOT_A_LINE;
      }
      value = (value << 4) | digit;
    }
    return value;
  }
}
