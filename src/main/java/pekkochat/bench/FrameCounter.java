package pekkochat.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Splits one connection's incoming bytes into frames without buffering them: the state between
 * reads is the frame header read so far and how much of the current payload is left. The payload
 * of a frame is skipped, except for the first {@link #CAPTURE} bytes of a TEXT, ERROR or COMMAND
 * frame, which are handed to the {@link Listener} as text. This lets one thread read thousands of
 * connections, each receiving a flood of small JOIN notices, with a few bytes of state apiece.
 *
 * <pre>
 * +----------------------+-----------+---------------------------+
 * | length: u32, big-end | type: u8  | payload: (length-1) bytes |
 * +----------------------+-----------+---------------------------+
 * </pre>
 */
final class FrameCounter {

  /** Bytes of a TEXT, ERROR or COMMAND payload kept for the listener. */
  static final int CAPTURE = 256;
  /** Largest payload the bench accepts: the server sends no files in the connections scenario. */
  static final long MAX_PAYLOAD = 1 << 20;

  /** Told about each complete frame. */
  interface Listener {
    /**
     * A frame of {@code type} ended. {@code text} is the start of its payload (up to {@link
     * #CAPTURE} bytes, UTF-8) for TEXT, ERROR and COMMAND frames, and null for the others.
     */
    void frame(int type, String text) throws IOException;
  }

  private final byte[] header = new byte[5];
  private int headerFill;
  private int type;
  private long payloadLeft;
  private byte[] captured;
  private int capturedFill;
  private long frames;

  /** Frames completed so far. */
  long frames() {
    return frames;
  }

  /** Whether the bytes so far end exactly at a frame boundary. */
  boolean atBoundary() {
    return headerFill == 0;
  }

  /** Consumes all of {@code in}, telling {@code listener} about every frame that ends in it. */
  void feed(ByteBuffer in, Listener listener) throws IOException {
    while (in.hasRemaining()) {
      if (headerFill < 5) {
        if (headerFill == 0 && in.remaining() >= 5) {
          // The common case: the whole header is in this read.
          long length = Integer.toUnsignedLong(in.getInt());
          startFrame(length, in.get() & 0xFF);
        } else {
          header[headerFill++] = in.get();
          if (headerFill < 5) {
            continue;
          }
          long length = Integer.toUnsignedLong(ByteBuffer.wrap(header, 0, 4).getInt());
          startFrame(length, header[4] & 0xFF);
        }
        if (payloadLeft == 0) {
          endFrame(listener);
        }
        continue;
      }
      int n = (int) Math.min(in.remaining(), payloadLeft);
      if (captured != null && capturedFill < captured.length) {
        int keep = Math.min(n, captured.length - capturedFill);
        in.get(captured, capturedFill, keep);
        capturedFill += keep;
        in.position(in.position() + (n - keep));
      } else {
        in.position(in.position() + n);
      }
      payloadLeft -= n;
      if (payloadLeft == 0) {
        endFrame(listener);
      }
    }
  }

  private void startFrame(long length, int frameType) throws IOException {
    if (length < 1) {
      throw new IOException("received a frame of length 0");
    }
    if (length - 1 > MAX_PAYLOAD) {
      throw new IOException("received a " + ChatPeer.typeName(frameType) + " frame of " + (length - 1)
          + " payload bytes (more than the bench expects)");
    }
    headerFill = 5;
    type = frameType;
    payloadLeft = length - 1;
    boolean keep = frameType == ChatPeer.TEXT || frameType == ChatPeer.ERROR || frameType == ChatPeer.COMMAND;
    if (keep) {
      captured = new byte[(int) Math.min(CAPTURE, payloadLeft)];
    } else {
      captured = null;
    }
    capturedFill = 0;
  }

  private void endFrame(Listener listener) throws IOException {
    headerFill = 0;
    frames++;
    String text = captured == null ? null : new String(captured, 0, capturedFill, StandardCharsets.UTF_8);
    captured = null;
    listener.frame(type, text);
  }
}
