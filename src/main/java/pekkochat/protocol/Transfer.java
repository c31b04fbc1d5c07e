package pekkochat.protocol;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;

/**
 * One element of a chunked file transfer of the extended protocol: the payload of an XFER frame
 * (type {@code 0x08}, both directions), sent only to and by a connection that negotiated the
 * extended protocol (see {@code docs/PROTOCOL.md}). A file then travels as many bounded DATA
 * frames, so chat frames go between them in both directions.
 *
 * <pre>
 * DATA:        +---------+-----------+----------------------------------------+
 *              | 0x02    | id u64 BE | bytes (1 to MAX_DATA_BYTES)            |
 *              +---------+-----------+----------------------------------------+
 * every other: +---------+-----------+-------------+-------+-------+-------+
 *              | kind u8 | id u64 BE | size u64 BE | who   | room  | text  |
 *              +---------+-----------+-------------+-------+-------+-------+
 *   each string field: length u32 BE, then that many bytes of UTF-8 (0 = empty)
 * </pre>
 *
 * {@code id} names the transfer on this connection: a client chooses the ids of its uploads, the
 * server those of the files it offers the client. Whoever sends a transfer's bytes ends it with
 * END or CANCEL, whoever receives them with DECLINE, so an id never needs its direction spelled out. Which fields a kind uses is on {@link Kind};
 * unused ones are 0 or empty.
 */
public record Transfer(Kind kind, long id, long size, String who, String room, String text, ByteString data) {

  /** The kinds, with their code and who sends them. */
  public enum Kind {
    /** Client: a file of size bytes named text, to who ({@code #room}, a nick, or empty: the active room). */
    OFFER(1),
    /** Both: the next bytes of transfer id. */
    DATA(2),
    /** Both: every byte of transfer id was sent (size: how many). */
    END(3),
    /** Both, from whoever sends the bytes: transfer id stops (text: why); the receiver deletes its part. */
    CANCEL(4),
    /** Client: send me offered file id. */
    ACCEPT(5),
    /**
     * Both, from whoever receives the bytes: I do not want transfer id (any more); text: why. A
     * client declines an offer or stops a file coming to it; a server refuses or stops an upload.
     */
    DECLINE(6),
    /** Server: who (the sender) offers a file of size bytes named text, in room (empty: to you alone). */
    OFFERED(7),
    /** Server to a sender: who (a recipient) answered about your upload id; text is the outcome. */
    RESPONSE(8);

    private static final Object[] BY_CODE = ByteCodes.index(Kind.class, Kind::code);

    private final int code;

    Kind(int code) {
      this.code = code;
    }

    public int code() {
      return code;
    }

    public static Optional<Kind> ofCode(int code) {
      return ByteCodes.find(Kind.class, BY_CODE, code);
    }
  }

  /** Most file bytes in one DATA frame. A sender cuts a file into pieces of at most this. */
  public static final int MAX_DATA_BYTES = 256 * 1024;

  /** What a DATA frame's payload holds besides the bytes: kind and id. */
  public static final int DATA_OVERHEAD = 1 + 8;

  /** The fixed part of every other kind: kind, id, size. */
  public static final int FIXED_BYTES = 1 + 8 + 8;

  /** The largest XFER payload: a full DATA frame. */
  public static final int MAX_PAYLOAD = DATA_OVERHEAD + MAX_DATA_BYTES;

  public Transfer {
    Objects.requireNonNull(kind, "kind");
    who = who == null ? "" : who;
    room = room == null ? "" : room;
    text = text == null ? "" : text;
    data = data == null ? ByteString.emptyByteString() : data;
  }

  public static Transfer offer(long id, long size, String target, String fileName) {
    return new Transfer(Kind.OFFER, id, size, target, "", fileName, null);
  }

  public static Transfer data(long id, ByteString bytes) {
    return new Transfer(Kind.DATA, id, 0, "", "", "", bytes);
  }

  public static Transfer end(long id, long size) {
    return new Transfer(Kind.END, id, size, "", "", "", null);
  }

  public static Transfer cancel(long id, String reason) {
    return new Transfer(Kind.CANCEL, id, 0, "", "", reason, null);
  }

  public static Transfer accept(long id) {
    return new Transfer(Kind.ACCEPT, id, 0, "", "", "", null);
  }

  public static Transfer decline(long id, String reason) {
    return new Transfer(Kind.DECLINE, id, 0, "", "", reason, null);
  }

  public static Transfer offered(long id, long size, String from, String room, String fileName) {
    return new Transfer(Kind.OFFERED, id, size, from, room, fileName, null);
  }

  public static Transfer response(long id, String recipient, String outcome) {
    return new Transfer(Kind.RESPONSE, id, 0, recipient, "", outcome, null);
  }

  /** The XFER frame's payload (without the frame header). */
  public ByteString encodePayload() {
    ByteStringBuilder b = new ByteStringBuilder();
    b.putByte((byte) kind.code());
    b.putLong(id, ByteOrder.BIG_ENDIAN);
    if (kind == Kind.DATA) {
      return b.result().concat(data);
    }
    b.putLong(size, ByteOrder.BIG_ENDIAN);
    putString(b, who);
    putString(b, room);
    putString(b, text);
    return b.result();
  }

  /** The whole XFER frame, header included. */
  public ByteString encodeFrame() {
    return Frames.encode(FrameType.XFER, encodePayload());
  }

  /** A DATA frame for {@code bytes}, built without copying them. */
  public static ByteString dataFrame(long id, ByteString bytes) {
    ByteStringBuilder b = new ByteStringBuilder();
    b.putByte((byte) Kind.DATA.code());
    b.putLong(id, ByteOrder.BIG_ENDIAN);
    return Frames.header(FrameType.XFER, DATA_OVERHEAD + bytes.size()).concat(b.result()).concat(bytes);
  }

  /**
   * Decodes an XFER payload. Empty for an unknown kind (a newer peer's); throws {@link
   * IllegalArgumentException} for a payload off the layout, a DATA frame with no or too many
   * bytes, a negative size or a field that is not UTF-8.
   */
  public static Optional<Transfer> decodePayload(ByteString payload) {
    if (payload.size() < DATA_OVERHEAD) {
      throw new IllegalArgumentException("XFER payload of " + payload.size() + " bytes is too short");
    }
    int code = payload.apply(0) & 0xFF;
    long id = payload.slice(1, 9).asByteBuffer().getLong();
    Optional<Kind> kind = Kind.ofCode(code);
    if (kind.isEmpty()) {
      return Optional.empty();
    }
    if (kind.get() == Kind.DATA) {
      int n = payload.size() - DATA_OVERHEAD;
      if (n == 0) {
        throw new IllegalArgumentException("XFER DATA without bytes");
      }
      if (n > MAX_DATA_BYTES) {
        throw new IllegalArgumentException("XFER DATA of " + n + " bytes is over the limit of " + MAX_DATA_BYTES);
      }
      return Optional.of(data(id, payload.drop(DATA_OVERHEAD)));
    }
    if (payload.size() < FIXED_BYTES + 3 * 4) {
      throw new IllegalArgumentException("XFER payload of " + payload.size() + " bytes is too short");
    }
    long size = payload.slice(9, 17).asByteBuffer().getLong();
    if (size < 0) {
      throw new IllegalArgumentException("XFER size " + Long.toUnsignedString(size) + " is out of range");
    }
    int[] offset = {FIXED_BYTES};
    String who = getString(payload, offset);
    String room = getString(payload, offset);
    String text = getString(payload, offset);
    if (offset[0] != payload.size()) {
      throw new IllegalArgumentException("XFER payload has " + (payload.size() - offset[0]) + " bytes after its fields");
    }
    return Optional.of(new Transfer(kind.get(), id, size, who, room, text, null));
  }

  @Override
  public String toString() {
    return "Transfer[" + kind + " id=" + Long.toUnsignedString(id) + (kind == Kind.DATA ? " bytes=" + data.size()
        : " size=" + size + " who=" + who + " room=" + room + " text=" + text) + "]";
  }

  private static void putString(ByteStringBuilder b, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    b.putInt(bytes.length, ByteOrder.BIG_ENDIAN);
    b.putBytes(bytes);
  }

  private static String getString(ByteString payload, int[] offset) {
    int at = offset[0];
    if (payload.size() - at < 4) {
      throw new IllegalArgumentException("XFER payload ends inside a field length");
    }
    long length = payload.slice(at, at + 4).asByteBuffer().getInt() & 0xFFFF_FFFFL;
    at += 4;
    if (length > payload.size() - at) {
      throw new IllegalArgumentException("XFER field of " + length + " bytes overruns the payload");
    }
    ByteString field = payload.slice(at, at + (int) length);
    offset[0] = at + (int) length;
    try {
      return MessageDecoder.strictUtf8(field);
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new IllegalArgumentException("XFER field is not valid UTF-8");
    }
  }
}
