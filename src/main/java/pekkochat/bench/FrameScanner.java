package pekkochat.bench;

import java.nio.ByteBuffer;

/**
 * Splits the wire's frames out of a read buffer without copying them: {@code u32} big-endian length
 * (the type byte plus the payload), the type byte, the payload. The bench's readers call it after
 * every read, then compact the buffer, so a frame split across reads is handled on the next one.
 */
final class FrameScanner {

  /** Receives each complete frame; the payload is {@code buffer[offset, offset + length)}, valid only during the call. */
  interface Handler {
    void frame(int type, ByteBuffer buffer, int offset, int length);
  }

  /** A length field that cannot belong to this protocol (0, or larger than the reader accepts). */
  static final class BadFrame extends Exception {
    BadFrame(String message) {
      super(message);
    }
  }

  private FrameScanner() {}

  /**
   * Hands every complete frame between {@code buffer}'s position and limit to {@code handler} and
   * leaves the position at the first byte of the first incomplete frame. Returns how many frames
   * were handed over.
   *
   * @param maxLength largest length field accepted (it must fit the buffer with its 4 bytes)
   */
  static int scan(ByteBuffer buffer, int maxLength, Handler handler) throws BadFrame {
    int end = buffer.limit();
    int p = buffer.position();
    int frames = 0;
    while (end - p >= 4) {
      long length = Integer.toUnsignedLong(buffer.getInt(p));
      if (length < 1 || length > maxLength) {
        buffer.position(p);
        throw new BadFrame("frame length " + length + (length < 1 ? "" : ", more than the " + maxLength + " expected"));
      }
      int next = p + 4 + (int) length;
      if (next > end) {
        break;
      }
      handler.frame(buffer.get(p + 4) & 0xFF, buffer, p + 5, (int) length - 1);
      frames++;
      p = next;
    }
    buffer.position(p);
    return frames;
  }
}
