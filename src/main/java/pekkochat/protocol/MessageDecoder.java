package pekkochat.protocol;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.util.ByteString;

/**
 * Turns {@link FramePart}s into typed {@link Message}s: strict UTF-8 for text, and the {@code
 * [sender::]name::} prefix of a FILE payload split off as it streams in (it may straddle chunks;
 * it is buffered up to {@link ProtocolLimits#maxFileHeaderBytes()}).
 *
 * <p>Which FILE prefix to expect depends on who sent the frame: a client sends {@code name::},
 * a server {@code sender::name::}.
 */
public final class MessageDecoder {

  /** Whose frames are being decoded. */
  public enum Origin {
    /** Frames a client sends; decoded by the server. */
    CLIENT(1),
    /** Frames a server sends; decoded by the client. */
    SERVER(2);

    final int fileHeaderFields;

    Origin(int fileHeaderFields) {
      this.fileHeaderFields = fileHeaderFields;
    }
  }

  private static final ByteString SEPARATOR = ByteString.fromString("::");

  private final Origin origin;
  private final ProtocolLimits limits;

  private enum FileState {
    NONE,
    HEADER,
    BODY,
    SKIP
  }

  private FileState fileState = FileState.NONE;
  private ByteString headerBuffer = ByteString.emptyByteString();
  private long payloadLength;

  public MessageDecoder(Origin origin, ProtocolLimits limits) {
    this.origin = origin;
    this.limits = limits;
  }

  public List<Message> decode(FramePart part) {
    if (part instanceof FramePart.Whole w) {
      return List.of(decodeWhole(w));
    } else if (part instanceof FramePart.Begin b) {
      fileState = FileState.HEADER;
      headerBuffer = ByteString.emptyByteString();
      payloadLength = b.payloadLength();
      return List.of();
    } else if (part instanceof FramePart.Body body) {
      return onBody(body.bytes());
    } else if (part == FramePart.End.INSTANCE) {
      return onEnd();
    } else if (part instanceof FramePart.Invalid invalid) {
      return List.of(new Message.Malformed(invalid.error()));
    }
    throw new IllegalStateException("unexpected frame part " + part);
  }

  private Message decodeWhole(FramePart.Whole w) {
    if (w.type() == FrameType.EVENT) {
      return decodeEvent(w.payload());
    }
    if (w.type() == FrameType.XFER) {
      return decodeTransfer(w.payload());
    }
    String text;
    try {
      text = strictUtf8(w.payload());
    } catch (CharacterCodingException e) {
      return new Message.Malformed(new FramingError.InvalidUtf8(w.type()));
    }
    return switch (w.type()) {
      case TEXT -> new Message.Text(text);
      case JOIN -> new Message.Join(text);
      case LEAVE -> new Message.Leave(text);
      case ERROR -> new Message.Error(text);
      case COMMAND -> new Message.Command(text);
      case FILE -> throw new IllegalStateException("FILE frames are streamed");
      case EVENT, XFER -> throw new IllegalStateException(w.type() + " frames are decoded apart");
    };
  }

  /** An EVENT frame; from a client, or of a kind this version does not know, it is ignored. */
  private Message decodeEvent(ByteString payload) {
    if (origin == Origin.CLIENT) {
      return new Message.Malformed(new FramingError.UnknownType(FrameType.EVENT.code()));
    }
    try {
      return Event.decodePayload(payload).<Message>map(Message.Event::new).orElse(Message.Ignored.INSTANCE);
    } catch (IllegalArgumentException e) {
      return new Message.Malformed(new FramingError.BadEvent(e.getMessage()));
    }
  }

  /**
   * An XFER frame. A kind this version does not know is ignored from a server (a newer one's) and
   * refused from a client, which must speak the protocol it negotiated.
   */
  private Message decodeTransfer(ByteString payload) {
    // Only DATA may use the XFER frame's own, larger limit; an offer, an answer or a reason is a
    // small message like any other (a file name of 200 KiB is nobody's file name).
    if (!payload.isEmpty() && (payload.apply(0) & 0xFF) != Transfer.Kind.DATA.code() && payload.size() > limits.maxMessageBytes()) {
      return new Message.Malformed(
          new FramingError.BadTransfer(
              "an XFER frame other than DATA of " + payload.size() + " bytes is over the limit of " + limits.maxMessageBytes()));
    }
    try {
      Optional<Transfer> t = Transfer.decodePayload(payload);
      if (t.isPresent()) {
        return new Message.Xfer(t.get());
      }
      return origin == Origin.SERVER
          ? Message.Ignored.INSTANCE
          : new Message.Malformed(new FramingError.BadTransfer("unknown kind " + (payload.apply(0) & 0xFF)));
    } catch (IllegalArgumentException e) {
      return new Message.Malformed(new FramingError.BadTransfer(e.getMessage()));
    }
  }

  private List<Message> onBody(ByteString bytes) {
    switch (fileState) {
      case BODY:
        return List.of(new Message.FileChunk(bytes));
      case SKIP:
        return List.of();
      case HEADER:
        headerBuffer = headerBuffer.concat(bytes);
        int end = headerEnd(headerBuffer);
        if (end < 0) {
          if (headerBuffer.size() > limits.maxFileHeaderBytes()) {
            return skipFile("file name header longer than " + limits.maxFileHeaderBytes() + " bytes");
          }
          return List.of();
        }
        if (end > limits.maxFileHeaderBytes()) {
          return skipFile("file name header longer than " + limits.maxFileHeaderBytes() + " bytes");
        }
        ByteString header = headerBuffer.take(end);
        ByteString rest = headerBuffer.drop(end);
        headerBuffer = ByteString.emptyByteString();
        long size = payloadLength - end;
        if (size > limits.maxFileBytes()) {
          // The framing layer could only bound file + prefix; now the file's own size is known.
          fileState = FileState.SKIP;
          return List.of(
              new Message.Malformed(new FramingError.FileTooLarge(size, limits.maxFileBytes())));
        }
        Message start;
        try {
          start = fileStart(header, size);
        } catch (CharacterCodingException e) {
          return skipFile("file name is not valid UTF-8");
        }
        fileState = FileState.BODY;
        return rest.isEmpty() ? List.of(start) : List.of(start, new Message.FileChunk(rest));
      default:
        throw new IllegalStateException("file body outside a FILE frame");
    }
  }

  private List<Message> onEnd() {
    FileState was = fileState;
    fileState = FileState.NONE;
    headerBuffer = ByteString.emptyByteString();
    return switch (was) {
      case BODY -> List.of(Message.FileEnd.INSTANCE);
      case HEADER -> List.of(
          new Message.Malformed(new FramingError.BadFileHeader("no '::' after the file name")));
      default -> List.of();
    };
  }

  private List<Message> skipFile(String reason) {
    fileState = FileState.SKIP;
    headerBuffer = ByteString.emptyByteString();
    return List.of(new Message.Malformed(new FramingError.BadFileHeader(reason)));
  }

  /** The index just past the separator that ends the prefix, or -1 if not yet seen. */
  private int headerEnd(ByteString buf) {
    int from = 0;
    for (int field = 0; field < origin.fileHeaderFields; field++) {
      int at = buf.indexOfSlice(SEPARATOR, from);
      if (at < 0) {
        return -1;
      }
      from = at + SEPARATOR.size();
    }
    return from;
  }

  private Message fileStart(ByteString header, long size) throws CharacterCodingException {
    String text = strictUtf8(header.dropRight(SEPARATOR.size()));
    if (origin == Origin.CLIENT) {
      return new Message.FileOffer(text, size);
    }
    int sep = text.indexOf("::");
    return new Message.FileIncoming(text.substring(0, sep), text.substring(sep + 2), size);
  }

  static String strictUtf8(ByteString bytes) throws CharacterCodingException {
    ByteBuffer buffer = bytes.asByteBuffer();
    return StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(buffer)
        .toString();
  }
}
