package pekkochat.protocol;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;

/** Encodes frames for the wire. Every method returns bytes ready to write. */
public final class Frames {

  /** The field separator of the seed protocol. */
  public static final String SEPARATOR = "::";

  private Frames() {}

  public static ByteString encode(FrameType type, ByteString payload) {
    return header(type, payload.size()).concat(payload);
  }

  public static ByteString encode(FrameType type, String payload) {
    return encode(type, ByteString.fromString(payload, StandardCharsets.UTF_8));
  }

  public static Outbound.Frame text(String text) {
    return new Outbound.Frame(encode(FrameType.TEXT, text));
  }

  public static Outbound.Frame join(String payload) {
    return new Outbound.Frame(encode(FrameType.JOIN, payload));
  }

  public static Outbound.Frame leave(String payload) {
    return new Outbound.Frame(encode(FrameType.LEAVE, payload));
  }

  public static Outbound.Frame error(String reason) {
    return new Outbound.Frame(encode(FrameType.ERROR, reason));
  }

  public static Outbound.Frame command(String payload) {
    return new Outbound.Frame(encode(FrameType.COMMAND, payload));
  }

  /**
   * A FILE frame whose payload is {@code prefix} (for example {@code name::}) followed by {@code
   * size} bytes from {@code body}.
   */
  public static Outbound.Streamed file(String prefix, long size, Source<ByteString, NotUsed> body) {
    ByteString prefixBytes = ByteString.fromString(prefix, StandardCharsets.UTF_8);
    long payload = prefixBytes.size() + size;
    return new Outbound.Streamed(header(FrameType.FILE, payload).concat(prefixBytes), body, size);
  }

  /** The prefix a client puts before a file's bytes. */
  public static String clientFilePrefix(String fileName) {
    return fileName + SEPARATOR;
  }

  /** The prefix a server puts before a relayed file's bytes. */
  public static String serverFilePrefix(String sender, String fileName) {
    return sender + SEPARATOR + fileName + SEPARATOR;
  }

  /** The 5-byte header: u32 big-endian length (type byte + payload), then the type byte. */
  public static ByteString header(FrameType type, long payloadLength) {
    long length = payloadLength + 1;
    if (payloadLength < 0 || length > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException("payload of " + payloadLength + " bytes does not fit a frame");
    }
    ByteStringBuilder b = new ByteStringBuilder();
    b.putInt((int) length, ByteOrder.BIG_ENDIAN);
    b.putByte((byte) type.code());
    return b.result();
  }
}
