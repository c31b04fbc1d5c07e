package pekkochat.protocol;

import org.apache.pekko.util.ByteString;

/**
 * The framing layer's output: frames cut out of the byte stream, with file payloads kept as a
 * stream of slices so that no file is ever held whole in memory.
 *
 * <ul>
 *   <li>a small frame (every type but FILE) arrives as one {@link Whole};
 *   <li>a FILE frame arrives as {@link Begin}, zero or more {@link Body} slices adding up to the
 *       announced payload length, then {@link End};
 *   <li>a frame that cannot be accepted arrives as one {@link Invalid}.
 * </ul>
 */
public sealed interface FramePart {

  /** A complete frame of a small type; {@code payload} excludes the type byte. */
  record Whole(FrameType type, ByteString payload) implements FramePart {}

  /** The start of a streamed (FILE) frame whose payload is {@code payloadLength} bytes. */
  record Begin(FrameType type, long payloadLength) implements FramePart {}

  /** A slice of a streamed frame's payload. */
  record Body(ByteString bytes) implements FramePart {}

  /** The end of a streamed frame. */
  enum End implements FramePart {
    INSTANCE
  }

  /** A frame that was rejected; a fatal one is the last part the decoder emits. */
  record Invalid(FramingError error) implements FramePart {}
}
