package pekkochat.protocol;

import java.util.Optional;

/** The type byte of a frame, as in the seed protocol. */
public enum FrameType {
  TEXT(0x01),
  FILE(0x02),
  JOIN(0x03),
  LEAVE(0x04),
  ERROR(0x05),
  COMMAND(0x06),
  /** Extended protocol only (see docs/PROTOCOL.md): a structured chat event, server to client. */
  EVENT(0x07),
  /** Extended protocol only: one element of a chunked file transfer, both directions. */
  XFER(0x08);

  private static final Object[] BY_CODE = ByteCodes.index(FrameType.class, FrameType::code);

  private final int code;

  FrameType(int code) {
    this.code = code;
  }

  public int code() {
    return code;
  }

  public static Optional<FrameType> ofCode(int code) {
    return ByteCodes.find(FrameType.class, BY_CODE, code);
  }
}
