package pekkochat.protocol;

import com.typesafe.config.Config;

/**
 * Size limits the decoder enforces before buffering anything.
 *
 * @param maxMessageBytes largest payload of a TEXT, JOIN or other small frame
 * @param maxFileBytes largest file content a FILE frame may carry
 * @param maxFileHeaderBytes largest {@code [sender::]name::} prefix of a FILE payload
 */
public record ProtocolLimits(int maxMessageBytes, long maxFileBytes, int maxFileHeaderBytes) {

  /** The largest u32 frame length minus the type byte. */
  public static final long MAX_PAYLOAD = 0xFFFF_FFFFL - 1;

  public ProtocolLimits {
    if (maxMessageBytes < 1 || maxFileHeaderBytes < 1 || maxFileBytes < 0) {
      throw new IllegalArgumentException("protocol limits must be positive");
    }
    if (maxFileBytes + maxFileHeaderBytes > MAX_PAYLOAD) {
      throw new IllegalArgumentException(
          "max-file-size must leave room for the file header within a u32 frame length");
    }
  }

  /** The largest FILE payload: the file itself plus its name prefix. */
  public long maxFileFrameBytes() {
    return maxFileBytes + maxFileHeaderBytes;
  }

  /**
   * The largest XFER payload the decoder buffers: a full DATA frame ({@link
   * Transfer#MAX_PAYLOAD}), or the message limit if that is larger (an OFFER with a long name).
   */
  public int maxTransferFrameBytes() {
    return Math.max(maxMessageBytes, Transfer.MAX_PAYLOAD);
  }

  /** Reads {@code pekko-chat.protocol}. */
  public static ProtocolLimits fromConfig(Config config) {
    Config c = config.getConfig("pekko-chat.protocol");
    return new ProtocolLimits(
        Math.toIntExact(c.getBytes("max-message-size")),
        c.getBytes("max-file-size"),
        Math.toIntExact(c.getBytes("max-file-header-size")));
  }
}
