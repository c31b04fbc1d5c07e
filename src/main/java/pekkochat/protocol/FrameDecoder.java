package pekkochat.protocol;

import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.util.ByteString;

/**
 * Cuts a TCP byte stream into {@link FramePart}s, enforcing the size limits before any payload
 * is buffered.
 *
 * <pre>
 * +----------------------+-----------+---------------------------+
 * | length: u32, big-end | type: u8  | payload: (length-1) bytes |
 * +----------------------+-----------+---------------------------+
 * </pre>
 *
 * <p>{@code length} counts the type byte plus the payload. A small frame is buffered up to
 * {@link ProtocolLimits#maxMessageBytes()} and emitted {@link FramePart.Whole whole}; a FILE frame
 * is never buffered: its payload leaves as {@link FramePart.Body} slices of the input chunks as they
 * arrive. An oversize FILE frame, and a frame of unknown type within the message limit, are
 * skipped as their bytes arrive (the length header keeps the stream in step) and reported as a
 * recoverable {@link FramePart.Invalid}.
 *
 * <p>What happens to any other frame over the message limit (a small type, or an unknown type)
 * is the decoder's {@link Oversize} policy, chosen by whose frames it reads ({@link
 * #forFramesFrom}):
 *
 * <ul>
 *   <li>{@link Oversize#FATAL} (a server reading a client): reported once as a fatal error, after
 *       which all further input is discarded, so that the session can still send its ERROR before
 *       it closes the connection. A peer announcing more than it may send is broken or hostile,
 *       and skipping up to 4 GiB of it would hold the connection for as long as it pleases.
 *   <li>{@link Oversize#SKIP} (a client reading its server): reported as a recoverable {@link
 *       FramingError.MessageSkipped} and skipped unread. The original server has no limits, so a
 *       long line or {@code /users} reply is something it may legitimately send.
 * </ul>
 *
 * <p>Not thread-safe: one instance per connection, driven by {@code statefulMapConcat}.
 */
public final class FrameDecoder {

  private static final int HEADER_BYTES = 5;

  private enum State {
    HEADER,
    SMALL_PAYLOAD,
    STREAMED_PAYLOAD,
    SKIPPING,
    CORRUPT
  }

  /** What the decoder does with a frame over the message limit that is not a FILE frame. */
  public enum Oversize {
    /** Report a fatal error and read nothing more. */
    FATAL,
    /** Report a recoverable error and skip the frame's payload without buffering it. */
    SKIP
  }

  private final ProtocolLimits limits;
  private final Oversize oversize;
  private State state = State.HEADER;
  private ByteString buffer = ByteString.emptyByteString();
  /**
   * How many received chunks {@link #buffer} is made of. A peer that sends a frame a byte at a
   * time would otherwise make the buffer a rope of one-byte arrays, each costing tens of bytes of
   * heap: it is compacted into one array once it has more than {@link #MAX_PIECES} pieces.
   */
  private int bufferPieces;

  static final int MAX_PIECES = 32;
  private FrameType currentType;
  private long remaining;

  /** A decoder with the strict policy ({@link Oversize#FATAL}), as a server reads its clients. */
  public FrameDecoder(ProtocolLimits limits) {
    this(limits, Oversize.FATAL);
  }

  public FrameDecoder(ProtocolLimits limits, Oversize oversize) {
    this.limits = limits;
    this.oversize = oversize;
  }

  /**
   * A decoder for frames sent by {@code origin}: {@link Oversize#FATAL} for a client's frames
   * (read by a server, which guards itself), {@link Oversize#SKIP} for a server's (read by a
   * client, which must get past whatever its server may send).
   */
  public static FrameDecoder forFramesFrom(MessageDecoder.Origin origin, ProtocolLimits limits) {
    return new FrameDecoder(limits, oversizePolicy(origin));
  }

  /** The {@link Oversize} policy for frames sent by {@code origin}. */
  public static Oversize oversizePolicy(MessageDecoder.Origin origin) {
    return switch (origin) {
      case CLIENT -> Oversize.FATAL;
      case SERVER -> Oversize.SKIP;
    };
  }

  /** What this decoder does with an oversize small frame. */
  public Oversize oversize() {
    return oversize;
  }

  /** Feeds one chunk of received bytes; returns the parts it completes, in order. */
  public List<FramePart> feed(ByteString chunk) {
    List<FramePart> out = new ArrayList<>(2);
    int pieces = buffer.isEmpty() ? 1 : bufferPieces + 1;
    ByteString input = buffer.isEmpty() ? chunk : buffer.concat(chunk);
    buffer = ByteString.emptyByteString();
    bufferPieces = 0;
    int pos = 0;
    while (pos < input.size()) {
      switch (state) {
        case HEADER -> {
          if (input.size() - pos < HEADER_BYTES) {
            buffer = input.drop(pos).compact();
            return out;
          }
          long length = readU32(input, pos);
          int code = input.apply(pos + 4) & 0xff;
          pos += HEADER_BYTES;
          onHeader(length, code, out);
        }
        case SMALL_PAYLOAD -> {
          int available = input.size() - pos;
          if (available < remaining) {
            if (pos > 0 || pieces > MAX_PIECES) {
              // Copy only the tail we keep: the rest of the chunk (and earlier frames) can go.
              buffer = input.drop(pos).compact();
              bufferPieces = 1;
            } else {
              buffer = input;
              bufferPieces = pieces;
            }
            return out;
          }
          int len = (int) remaining;
          ByteString payload = input.slice(pos, pos + len);
          // A small frame is copied out, so it does not pin the whole read it came in; an XFER
          // frame (up to a 256 KiB DATA chunk) is most of its reads anyway, and is left as their
          // slices: one copy fewer per byte of a file.
          out.add(new FramePart.Whole(currentType, currentType == FrameType.XFER ? payload : payload.compact()));
          pos += len;
          state = State.HEADER;
        }
        case STREAMED_PAYLOAD -> {
          int take = (int) Math.min(remaining, input.size() - pos);
          out.add(new FramePart.Body(input.slice(pos, pos + take)));
          pos += take;
          remaining -= take;
          if (remaining == 0) {
            out.add(FramePart.End.INSTANCE);
            state = State.HEADER;
          }
        }
        case SKIPPING -> {
          int take = (int) Math.min(remaining, input.size() - pos);
          pos += take;
          remaining -= take;
          if (remaining == 0) {
            state = State.HEADER;
          }
        }
        case CORRUPT -> {
          return out;
        }
      }
    }
    return out;
  }

  /** Whether the input ended in the middle of a frame (reported by the caller as it sees fit). */
  public boolean midFrame() {
    return state != State.HEADER || !buffer.isEmpty();
  }

  /**
   * Received bytes held back until the rest of their header or small frame arrives: fewer than a
   * header, or fewer than {@link ProtocolLimits#maxMessageBytes()}. For the decoder's tests.
   */
  int bufferPieces() {
    return bufferPieces;
  }

  int bufferedBytes() {
    return buffer.size();
  }

  private void onHeader(long length, int code, List<FramePart> out) {
    if (length == 0) {
      corrupt(new FramingError.EmptyFrame(), out);
      return;
    }
    long payload = length - 1;
    var type = FrameType.ofCode(code);
    if (type.isEmpty()) {
      if (payload > limits.maxMessageBytes() && oversize == Oversize.FATAL) {
        corrupt(new FramingError.UnknownTypeTooLarge(code, payload, limits.maxMessageBytes()), out);
        return;
      }
      out.add(new FramePart.Invalid(new FramingError.UnknownType(code)));
      skip(payload);
      return;
    }
    FrameType t = type.get();
    if (t == FrameType.FILE) {
      if (payload > limits.maxFileFrameBytes()) {
        out.add(new FramePart.Invalid(new FramingError.FileTooLarge(payload, limits.maxFileBytes())));
        skip(payload);
        return;
      }
      out.add(new FramePart.Begin(t, payload));
      if (payload == 0) {
        out.add(FramePart.End.INSTANCE);
        state = State.HEADER;
      } else {
        currentType = t;
        remaining = payload;
        state = State.STREAMED_PAYLOAD;
      }
      return;
    }
    // An XFER frame is buffered like a small one, up to a full DATA chunk: bounded by its own limit.
    long limit = t == FrameType.XFER ? limits.maxTransferFrameBytes() : limits.maxMessageBytes();
    if (payload > limit) {
      switch (oversize) {
        case FATAL -> corrupt(new FramingError.MessageTooLarge(t, payload, limit), out);
        case SKIP -> {
          out.add(new FramePart.Invalid(new FramingError.MessageSkipped(t, payload, limit)));
          skip(payload);
        }
      }
      return;
    }
    if (payload == 0) {
      out.add(new FramePart.Whole(t, ByteString.emptyByteString()));
      state = State.HEADER;
    } else {
      currentType = t;
      remaining = payload;
      state = State.SMALL_PAYLOAD;
    }
  }

  private static long readU32(ByteString bytes, int at) {
    return ((long) (bytes.apply(at) & 0xff) << 24)
        | ((bytes.apply(at + 1) & 0xff) << 16)
        | ((bytes.apply(at + 2) & 0xff) << 8)
        | (bytes.apply(at + 3) & 0xff);
  }

  private void skip(long payload) {
    remaining = payload;
    state = payload == 0 ? State.HEADER : State.SKIPPING;
  }

  private void corrupt(FramingError error, List<FramePart> out) {
    out.add(new FramePart.Invalid(error));
    state = State.CORRUPT;
  }
}
