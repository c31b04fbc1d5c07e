package pekkochat.testing;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;
import pekkochat.protocol.FrameType;
import pekkochat.protocol.Frames;
import pekkochat.protocol.Message;
import pekkochat.protocol.MessageDecoder;
import pekkochat.protocol.Outbound;
import pekkochat.protocol.ProtocolLimits;

/**
 * jqwik generators of byte streams for the fuzz properties: valid frames as the seed protocol
 * defines them (each with the messages a decoder must make of it), structured garbage, valid
 * streams mutated (bit flips, truncation, inserted garbage, huge length headers), and the chunk
 * boundaries a stream arrives in.
 *
 * <p>Frames are encoded here byte by byte from the protocol's definition, not with {@link Frames},
 * so that a property comparing the two checks the encoder too.
 */
public final class FrameStreams {

  /** Length (u32) plus type byte. */
  public static final int HEADER = 5;

  private static final ByteString SEPARATOR = utf8("::");

  private FrameStreams() {}

  // ---------------------------------------------------------------- what is generated

  /**
   * One valid frame: its wire bytes, the {@link Outbound} the project renders it from, and the
   * messages a decoder of frames from {@code origin} must produce (file chunks merged into one).
   */
  public record ValidFrame(ByteString wire, Outbound outbound, List<Message> expected, String label) {
    @Override
    public String toString() {
      return label;
    }
  }

  /** Valid frames, all decodable as frames from {@code origin}. */
  public record ValidStream(MessageDecoder.Origin origin, List<ValidFrame> frames) {
    public ByteString bytes() {
      return concat(frames.stream().map(ValidFrame::wire).toList());
    }

    public List<Message> expected() {
      return frames.stream().flatMap(f -> f.expected().stream()).toList();
    }

    @Override
    public String toString() {
      return origin + " " + frames;
    }
  }

  /** A byte stream and how it was made (shown when a property fails). */
  public record FuzzStream(String how, ByteString bytes) {
    @Override
    public String toString() {
      return how + " => " + describe(bytes);
    }
  }

  /** Where a stream is cut into the chunks it arrives in: these sizes, over and over. */
  public record Chunking(List<Integer> sizes) {
    public List<ByteString> split(ByteString bytes) {
      List<ByteString> out = new ArrayList<>();
      int at = 0;
      for (int i = 0; at < bytes.size(); i++) {
        int size = sizes.get(i % sizes.size());
        out.add(bytes.slice(at, Math.min(bytes.size(), at + size)));
        at += size;
      }
      return out;
    }

    @Override
    public String toString() {
      return "chunks of " + sizes;
    }
  }

  // ---------------------------------------------------------------- valid frames

  /** Up to {@code maxFrames} valid frames of every type, within {@code limits}. */
  public static Arbitrary<ValidStream> validStream(
      MessageDecoder.Origin origin, ProtocolLimits limits, int maxFrames) {
    Arbitrary<ValidFrame> frame =
        Arbitraries.frequencyOf(
            Tuple.of(4, smallFrame(FrameType.TEXT, limits)),
            Tuple.of(1, smallFrame(FrameType.JOIN, limits)),
            Tuple.of(1, smallFrame(FrameType.LEAVE, limits)),
            Tuple.of(1, smallFrame(FrameType.ERROR, limits)),
            Tuple.of(1, smallFrame(FrameType.COMMAND, limits)),
            Tuple.of(3, fileFrame(origin, limits)));
    return frame.list().ofMaxSize(maxFrames).map(frames -> new ValidStream(origin, frames));
  }

  /** Valid frames from a client or from a server. */
  public static Arbitrary<ValidStream> validStream(ProtocolLimits limits, int maxFrames) {
    return Arbitraries.oneOf(
        validStream(MessageDecoder.Origin.CLIENT, limits, maxFrames),
        validStream(MessageDecoder.Origin.SERVER, limits, maxFrames));
  }

  /** A frame of a small type whose UTF-8 payload fits the message limit. */
  public static Arbitrary<ValidFrame> smallFrame(FrameType type, ProtocolLimits limits) {
    return text(80)
        .filter(s -> utf8(s).size() <= limits.maxMessageBytes())
        .map(s -> smallFrame(type, s));
  }

  public static ValidFrame smallFrame(FrameType type, String payload) {
    Message expected =
        switch (type) {
          case TEXT -> new Message.Text(payload);
          case JOIN -> new Message.Join(payload);
          case LEAVE -> new Message.Leave(payload);
          case ERROR -> new Message.Error(payload);
          case COMMAND -> new Message.Command(payload);
          case FILE -> throw new IllegalArgumentException("FILE is not a small frame");
          case EVENT, XFER -> throw new IllegalArgumentException(type + " frames have their own layout");
        };
    Outbound outbound =
        switch (type) {
          case TEXT -> Frames.text(payload);
          case JOIN -> Frames.join(payload);
          case LEAVE -> Frames.leave(payload);
          case ERROR -> Frames.error(payload);
          default -> Frames.command(payload);
        };
    return new ValidFrame(frame(type.code(), utf8(payload)), outbound, List.of(expected), type + " " + quote(payload));
  }

  /**
   * A FILE frame as {@code origin} sends it ({@code name::bytes} or {@code sender::name::bytes}),
   * with the body handed to the renderer in pieces.
   */
  public static Arbitrary<ValidFrame> fileFrame(MessageDecoder.Origin origin, ProtocolLimits limits) {
    Arbitrary<byte[]> content =
        Arbitraries.frequencyOf(
            Tuple.of(3, Arbitraries.bytes().array(byte[].class).ofMaxSize(200)),
            Tuple.of(
                2,
                Arbitraries.bytes()
                    .array(byte[].class)
                    .ofMaxSize((int) Math.min(limits.maxFileBytes(), 4096))
                    .withSizeDistribution(RandomDistribution.uniform())),
            Tuple.of(1, text(40).map(s -> ("::" + s + "::").getBytes(StandardCharsets.UTF_8))));
    Arbitrary<Integer> pieceSize = Arbitraries.integers().between(1, 300);
    return Combinators.combine(fileField(), fileField(), content, pieceSize)
        .as((sender, name, bytes, piece) -> fileFrame(origin, sender, name, ByteString.fromArray(bytes), piece))
        .filter(
            f -> {
              Message first = f.expected().get(0);
              ByteString prefix =
                  first instanceof Message.FileIncoming in
                      ? utf8(Frames.serverFilePrefix(in.sender(), in.fileName()))
                      : utf8(Frames.clientFilePrefix(((Message.FileOffer) first).fileName()));
              long size = first instanceof Message.FileIncoming in ? in.size() : ((Message.FileOffer) first).size();
              return prefix.size() <= limits.maxFileHeaderBytes() && size <= limits.maxFileBytes();
            });
  }

  private static ValidFrame fileFrame(
      MessageDecoder.Origin origin, String sender, String name, ByteString content, int pieceSize) {
    String prefix =
        origin == MessageDecoder.Origin.CLIENT
            ? Frames.clientFilePrefix(name)
            : Frames.serverFilePrefix(sender, name);
    List<ByteString> pieces = new Chunking(List.of(pieceSize)).split(content);
    Outbound outbound = Frames.file(prefix, content.size(), Source.from(pieces));
    List<Message> expected = new ArrayList<>();
    expected.add(
        origin == MessageDecoder.Origin.CLIENT
            ? new Message.FileOffer(name, content.size())
            : new Message.FileIncoming(sender, name, content.size()));
    if (!content.isEmpty()) {
      expected.add(new Message.FileChunk(content));
    }
    expected.add(Message.FileEnd.INSTANCE);
    ByteString wire = frame(FrameType.FILE.code(), utf8(prefix).concat(content));
    return new ValidFrame(wire, outbound, List.copyOf(expected), "FILE " + quote(prefix) + " + " + content.size() + " bytes");
  }

  /**
   * A sender or file name field: no {@code ::} inside, and not ending in {@code :} (which would
   * make the field's end ambiguous: {@code a:::} reads as {@code a} then {@code :...}).
   */
  private static Arbitrary<String> fileField() {
    return text(12).filter(s -> !s.contains("::") && !s.endsWith(":"));
  }

  /**
   * Text of up to {@code maxCodePoints} code points, weighted towards what matters to the
   * protocol: ASCII, the {@code :} of the separator, control characters, multi-byte and
   * supplementary characters. Never a lone surrogate (it has no UTF-8 form).
   */
  public static Arbitrary<String> text(int maxCodePoints) {
    Arbitrary<Integer> codePoint =
        Arbitraries.frequencyOf(
            Tuple.of(8, Arbitraries.integers().between(0x20, 0x7e)),
            Tuple.of(2, Arbitraries.just((int) ':')),
            Tuple.of(1, Arbitraries.integers().between(0, 0x1f)),
            Tuple.of(2, Arbitraries.integers().between(0x80, 0xd7ff)),
            Tuple.of(1, Arbitraries.integers().between(0xe000, 0xfffd)),
            Tuple.of(1, Arbitraries.integers().between(0x10000, 0x10ffff)));
    return codePoint
        .list()
        .ofMaxSize(maxCodePoints)
        .map(cps -> new String(cps.stream().mapToInt(Integer::intValue).toArray(), 0, cps.size()));
  }

  // ---------------------------------------------------------------- garbage and mutations

  /** Any stream at all: random bytes, random frame-shaped pieces, valid and mutated valid streams. */
  public static Arbitrary<FuzzStream> anyStream(ProtocolLimits limits) {
    return Arbitraries.frequencyOf(
        Tuple.of(1, randomBytes()),
        Tuple.of(2, randomFrames(limits)),
        Tuple.of(2, validStream(limits, 10).map(v -> new FuzzStream("valid " + v, v.bytes()))),
        Tuple.of(5, mutatedStream(validStream(limits, 10), limits)));
  }

  /** Plain random bytes: almost always a nonsensical first header. */
  public static Arbitrary<FuzzStream> randomBytes() {
    return Arbitraries.bytes()
        .array(byte[].class)
        .ofMaxSize(600)
        .map(b -> new FuzzStream("random bytes", ByteString.fromArray(b)));
  }

  /**
   * Frame-shaped garbage: headers whose length mostly matches the payload that follows (so the
   * decoder gets past them) but sometimes not, types mostly near the defined ones, payloads of
   * random bytes, text, or text full of separators.
   */
  public static Arbitrary<FuzzStream> randomFrames(ProtocolLimits limits) {
    Arbitrary<ByteString> payload =
        Arbitraries.oneOf(
            Arbitraries.bytes().array(byte[].class).ofMaxSize(300).map(ByteString::fromArray),
            text(60).map(FrameStreams::utf8),
            text(20).map(s -> utf8(s + "::" + s + "::")));
    Arbitrary<Integer> type =
        Arbitraries.frequencyOf(
            Tuple.of(8, Arbitraries.integers().between(0, 8)),
            Tuple.of(1, Arbitraries.integers().between(0, 255)));
    Arbitrary<Long> length =
        Arbitraries.frequencyOf(
            Tuple.of(6, Arbitraries.just(-1L)), // the payload's own length
            Tuple.of(2, interestingLength(limits)),
            Tuple.of(1, Arbitraries.longs().between(0, 400)));
    Arbitrary<ByteString> piece =
        Combinators.combine(length, type, payload)
            .as((len, code, body) -> header(len < 0 ? body.size() + 1 : len, code).concat(body));
    return piece.list().ofMaxSize(12).map(pieces -> new FuzzStream("random frames", concat(pieces)));
  }

  /** A valid stream with 1 to 4 mutations applied in turn. */
  public static Arbitrary<FuzzStream> mutatedStream(Arbitrary<ValidStream> valid, ProtocolLimits limits) {
    return Combinators.combine(valid, mutation(limits).list().ofMinSize(1).ofMaxSize(4))
        .as(
            (v, mutations) -> {
              ByteString bytes = v.bytes();
              for (Mutation m : mutations) {
                bytes = m.apply(bytes);
              }
              return new FuzzStream(mutations + " of " + v, bytes);
            });
  }

  /** Length values that sit on or just past the limits, or at the ends of the u32 range. */
  public static Arbitrary<Long> interestingLength(ProtocolLimits limits) {
    long message = limits.maxMessageBytes() + 1L; // length counts the type byte
    long file = limits.maxFileFrameBytes() + 1L;
    return Arbitraries.oneOf(
        Arbitraries.of(
            0L, 1L, 2L, message - 1, message, message + 1, file - 1, file, file + 1,
            0x7fff_ffffL, 0x8000_0000L, 0xffff_fffeL, 0xffff_ffffL),
        Arbitraries.longs().between(0, 0xffff_ffffL));
  }

  /** A change to a byte stream. Positions are taken modulo the stream's length. */
  public sealed interface Mutation {
    ByteString apply(ByteString bytes);
  }

  public record FlipBit(int at, int bit) implements Mutation {
    @Override
    public ByteString apply(ByteString bytes) {
      if (bytes.isEmpty()) {
        return bytes;
      }
      int i = at % bytes.size();
      return set(bytes, i, bytes.apply(i) ^ (1 << bit));
    }
  }

  public record Truncate(int at) implements Mutation {
    @Override
    public ByteString apply(ByteString bytes) {
      return bytes.take(at % (bytes.size() + 1));
    }
  }

  public record Insert(int at, ByteString garbage) implements Mutation {
    @Override
    public ByteString apply(ByteString bytes) {
      int i = at % (bytes.size() + 1);
      return bytes.take(i).concat(garbage).concat(bytes.drop(i));
    }

    @Override
    public String toString() {
      return "Insert[at=" + at + ", garbage=" + describe(garbage) + "]";
    }
  }

  public record Delete(int at, int length) implements Mutation {
    @Override
    public ByteString apply(ByteString bytes) {
      int i = at % (bytes.size() + 1);
      return bytes.take(i).concat(bytes.drop(i + length));
    }
  }

  /** Overwrites the length field of the {@code frame}-th header found by walking the stream. */
  public record SetLength(int frame, long length) implements Mutation {
    @Override
    public ByteString apply(ByteString bytes) {
      List<Integer> headers = headerOffsets(bytes);
      if (headers.isEmpty()) {
        return bytes;
      }
      int at = headers.get(frame % headers.size());
      return bytes.take(at).concat(u32(length)).concat(bytes.drop(at + 4));
    }
  }

  /** Overwrites the type byte of the {@code frame}-th header found by walking the stream. */
  public record SetType(int frame, int code) implements Mutation {
    @Override
    public ByteString apply(ByteString bytes) {
      List<Integer> headers = headerOffsets(bytes);
      if (headers.isEmpty()) {
        return bytes;
      }
      return set(bytes, headers.get(frame % headers.size()) + 4, code);
    }
  }

  public static Arbitrary<Mutation> mutation(ProtocolLimits limits) {
    Arbitrary<Integer> at = Arbitraries.integers().between(0, 1 << 20);
    Arbitrary<Integer> frame = Arbitraries.integers().between(0, 20);
    Arbitrary<ByteString> garbage =
        Arbitraries.oneOf(
            Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(40).map(ByteString::fromArray),
            interestingLength(limits).map(FrameStreams::u32),
            Arbitraries.of(0xc3, 0xff, 0xed, 0xf4).map(b -> ByteString.fromArray(new byte[] {b.byteValue()})));
    return Arbitraries.frequencyOf(
        Tuple.of(3, Combinators.combine(at, Arbitraries.integers().between(0, 7)).as(FlipBit::new)),
        Tuple.of(2, at.map(Truncate::new)),
        Tuple.of(2, Combinators.combine(at, garbage).as(Insert::new)),
        Tuple.of(1, Combinators.combine(at, Arbitraries.integers().between(1, 64)).as(Delete::new)),
        Tuple.of(3, Combinators.combine(frame, interestingLength(limits)).as(SetLength::new)),
        Tuple.of(2, Combinators.combine(frame, Arbitraries.integers().between(0, 255)).as(SetType::new)));
  }

  /**
   * Offsets of the headers met by walking the stream from its start by their length fields,
   * up to the first that cannot be followed.
   */
  public static List<Integer> headerOffsets(ByteString bytes) {
    List<Integer> out = new ArrayList<>();
    long at = 0;
    while (at + HEADER <= bytes.size()) {
      out.add((int) at);
      long length = readU32(bytes, (int) at);
      if (length == 0) {
        break;
      }
      at += 4 + length;
    }
    return out;
  }

  // ---------------------------------------------------------------- bytes

  /** One frame: u32 big-endian length (type byte + payload), type byte, payload. */
  public static ByteString frame(int typeCode, ByteString payload) {
    return header(payload.size() + 1L, typeCode).concat(payload);
  }

  public static ByteString header(long length, int typeCode) {
    return u32(length).concat(ByteString.fromArray(new byte[] {(byte) typeCode}));
  }

  public static ByteString u32(long value) {
    ByteStringBuilder b = new ByteStringBuilder();
    b.putInt((int) value, ByteOrder.BIG_ENDIAN);
    return b.result();
  }

  public static long readU32(ByteString bytes, int at) {
    return ((long) (bytes.apply(at) & 0xff) << 24)
        | ((long) (bytes.apply(at + 1) & 0xff) << 16)
        | ((long) (bytes.apply(at + 2) & 0xff) << 8)
        | (bytes.apply(at + 3) & 0xff);
  }

  public static ByteString utf8(String s) {
    return ByteString.fromString(s, StandardCharsets.UTF_8);
  }

  public static ByteString concat(List<ByteString> parts) {
    ByteStringBuilder b = new ByteStringBuilder();
    parts.forEach(b::append);
    return b.result();
  }

  private static ByteString set(ByteString bytes, int at, int value) {
    byte[] copy = bytes.toArray();
    copy[at] = (byte) value;
    return ByteString.fromArray(copy);
  }

  /** Size and the first bytes in hex, for failure reports. */
  public static String describe(ByteString bytes) {
    int shown = Math.min(bytes.size(), 48);
    return bytes.size() + " bytes [" + HexFormat.ofDelimiter(" ").formatHex(bytes.take(shown).toArray())
        + (shown < bytes.size() ? " ..." : "") + "]";
  }

  private static String quote(String s) {
    String shown = s.length() > 40 ? s.substring(0, 40) + "..." : s;
    return "\"" + shown.replace("\n", "\\n") + "\"";
  }
}
