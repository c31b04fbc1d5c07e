package pekkochat.protocol;

/**
 * Everything that can be wrong with what a peer sent, as typed values rather than exceptions, so
 * a session can answer each with a clear ERROR frame.
 *
 * <p>A <em>recoverable</em> error concerns one frame whose length was acceptable: its payload is
 * skipped, the stream stays in step and the connection goes on. A <em>fatal</em> error means the
 * byte stream can no longer be trusted (a length header over the limit, announcing more than we
 * are willing to read): the connection is closed after the ERROR is sent.
 */
public sealed interface FramingError {

  /** A human-readable reason, sent to the peer as the payload of an ERROR frame. */
  String message();

  /** Whether the connection must be closed. */
  boolean fatal();

  /** A frame of a small type (TEXT, JOIN, ...) announced a payload over the message limit. */
  record MessageTooLarge(FrameType type, long length, long limit) implements FramingError {
    @Override
    public String message() {
      return type + " frame of " + length + " bytes exceeds the limit of " + limit + " bytes.";
    }

    @Override
    public boolean fatal() {
      return true;
    }
  }

  /**
   * A frame of a type the protocol does not define announced a payload over the message limit:
   * fatal where oversize frames are (a server reading a client), since skipping it would let a
   * peer hold the connection for up to 4 GiB of bytes it never has to send.
   */
  record UnknownTypeTooLarge(int code, long length, long limit) implements FramingError {
    @Override
    public String message() {
      return String.format(
          "Frame of unknown type 0x%02x and %d bytes exceeds the limit of %d bytes.", code, length, limit);
    }

    @Override
    public boolean fatal() {
      return true;
    }
  }

  /**
   * A frame of a small type announced a payload over the message limit and was skipped unread:
   * what a client does with such a frame from its server (the original server has no limits).
   */
  record MessageSkipped(FrameType type, long length, long limit) implements FramingError {
    @Override
    public String message() {
      return "Skipped a " + type + " frame of " + length + " bytes: over the limit of " + limit + " bytes.";
    }

    @Override
    public boolean fatal() {
      return false;
    }
  }

  /** A FILE frame announced more bytes than the file size limit; its payload was skipped. */
  record FileTooLarge(long length, long limit) implements FramingError {
    @Override
    public String message() {
      return "FILE frame of " + length + " bytes exceeds the file size limit of " + limit + " bytes; not relayed.";
    }

    @Override
    public boolean fatal() {
      return false;
    }
  }

  /** A frame with a type byte the protocol does not define; its payload was skipped. */
  record UnknownType(int code) implements FramingError {
    @Override
    public String message() {
      return String.format("Unknown frame type 0x%02x.", code);
    }

    @Override
    public boolean fatal() {
      return false;
    }
  }

  /** A frame of length 0: there is not even a type byte. */
  record EmptyFrame() implements FramingError {
    @Override
    public String message() {
      return "Frame of length 0 has no type byte.";
    }

    @Override
    public boolean fatal() {
      return true;
    }
  }

  /** A text frame whose payload is not valid UTF-8. */
  record InvalidUtf8(FrameType type) implements FramingError {
    @Override
    public String message() {
      return type + " payload is not valid UTF-8.";
    }

    @Override
    public boolean fatal() {
      return false;
    }
  }

  /** A FILE frame whose {@code name::} prefix is missing, too long or not UTF-8. */
  record BadFileHeader(String reason) implements FramingError {
    @Override
    public String message() {
      return "Malformed FILE frame: " + reason + ".";
    }

    @Override
    public boolean fatal() {
      return false;
    }
  }

  /** An EVENT frame (extended protocol) whose payload does not follow its layout. */
  record BadEvent(String reason) implements FramingError {
    @Override
    public String message() {
      return "Malformed EVENT frame: " + reason + ".";
    }

    @Override
    public boolean fatal() {
      return false;
    }
  }

  /** An XFER frame (extended protocol) whose payload does not follow its layout. */
  record BadTransfer(String reason) implements FramingError {
    @Override
    public String message() {
      return "Malformed XFER frame: " + reason + ".";
    }

    @Override
    public boolean fatal() {
      return false;
    }
  }
}
