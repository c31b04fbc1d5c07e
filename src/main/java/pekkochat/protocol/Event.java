package pekkochat.protocol;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import org.apache.pekko.util.ByteIterator;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;

/**
 * One structured chat event of the extended protocol: the payload of an EVENT frame (type
 * {@code 0x07}), sent only to a connection that asked for it with {@code /extended 1} (see
 * {@code docs/PROTOCOL.md}). Every kind has the same layout, so a client can skip a kind it does
 * not know:
 *
 * <pre>
 * +---------+-------------+--------------------+-------+-------+-------+-------+
 * | kind u8 | seq u64 BE  | time i64 BE (ms)   | room  | from  | to    | text  |
 * +---------+-------------+--------------------+-------+-------+-------+-------+
 *   each string field: length u32 BE, then that many bytes of UTF-8 (0 = empty)
 * </pre>
 *
 * {@code seq} is the room's sequence number of the event (0 for events outside a room: private
 * messages, replies), {@code time} the server's clock in milliseconds since the epoch. Which string
 * fields a kind uses is listed on {@link Kind}; unused ones are empty.
 */
public record Event(Kind kind, String room, long seq, long timeMillis, String from, String to, String text) {

  /** The kinds of event, with their code and the fields each uses. */
  public enum Kind {
    /** A chat line: room, from, text. */
    MESSAGE(1),
    /** {@code /me}: room, from, text (the action). */
    ACTION(2),
    /** A private message: from, to, text. Sent to the recipient, and to the sender as an echo. */
    PRIVATE(3),
    /** A private {@code /me}: from, to, text. */
    PRIVATE_ACTION(4),
    /** Someone joined a room: room, from (who). */
    JOINED(5),
    /** Someone left a room: room, from (who), text (why: "quit", "part", "disconnected"). */
    LEFT(6),
    /** A nick change seen in a room: room, from (old nick), to (new nick). */
    NICK(7),
    /** A topic set: room, from (who set it), text (the topic; empty = cleared). */
    TOPIC(8),
    /**
     * This connection entered a room, or it became the active room: room, text (the topic),
     * to (the members, comma-separated).
     */
    ENTERED(9),
    /** This connection's active room is now room (sent on {@code /join} of a room already joined). */
    ACTIVE(10),
    /** This connection left room (after {@code /part}). */
    PARTED(11),
    /** A user went away or came back: from (who), text (the away message; empty = back). */
    AWAY(12),
    /** The extended protocol is on: text is the server's name and version, to the own nick. */
    HELLO(13),
    /**
     * Brackets lines from a room's history (replay on entering it, or {@code /history}): room,
     * text {@code begin} (to: how many follow) or {@code end} (to: {@code more} when older lines
     * exist). Between them, the stored lines as MESSAGE, ACTION and TOPIC events with their own
     * seq, time and sender (yours too).
     */
    HISTORY(14),
    /**
     * A line this client posted with {@code /post} is stored: room, seq (its id in the room),
     * time, to (the id the client chose). Sent once per post, a retried one included.
     */
    STORED(15),
    /**
     * This connection can be resumed: text is its resume token, for {@code /resume <token>
     * <count>} instead of JOIN on a new connection while the server still holds this one (sent
     * after HELLO; a new token for every connection).
     */
    RESUME(16);

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

  /**
   * The ERROR a connection gets when another one resumes it with its {@link Kind#RESUME} token:
   * the wire's words, which our client recognises (it then does not reconnect).
   */
  public static final String RESUMED_ELSEWHERE = "This connection was resumed by another one (/resume), and is closed.";

  /** Fixed part of the payload: kind, seq, time. */
  public static final int FIXED_BYTES = 1 + 8 + 8;

  public Event {
    Objects.requireNonNull(kind, "kind");
    room = room == null ? "" : room;
    from = from == null ? "" : from;
    to = to == null ? "" : to;
    text = text == null ? "" : text;
  }

  /** The EVENT frame's payload (without the frame header). */
  public ByteString encodePayload() {
    ByteStringBuilder b = new ByteStringBuilder();
    b.putByte((byte) kind.code());
    b.putLong(seq, ByteOrder.BIG_ENDIAN);
    b.putLong(timeMillis, ByteOrder.BIG_ENDIAN);
    putString(b, room);
    putString(b, from);
    putString(b, to);
    putString(b, text);
    return b.result();
  }

  /** The whole EVENT frame, header included. */
  public ByteString encodeFrame() {
    return Frames.encode(FrameType.EVENT, encodePayload());
  }

  /**
   * Decodes an EVENT payload. Empty for an unknown kind (a newer server's; skip it); throws
   * {@link IllegalArgumentException} for a payload that does not follow the layout or is not UTF-8.
   */
  public static Optional<Event> decodePayload(ByteString payload) {
    if (payload.size() < FIXED_BYTES + 4 * 4) {
      throw new IllegalArgumentException("EVENT payload of " + payload.size() + " bytes is too short");
    }
    ByteIterator it = payload.iterator();
    int code = it.getByte() & 0xFF;
    long seq = it.getLong(ByteOrder.BIG_ENDIAN);
    long time = it.getLong(ByteOrder.BIG_ENDIAN);
    int[] offset = {FIXED_BYTES};
    String room = getString(payload, offset);
    String from = getString(payload, offset);
    String to = getString(payload, offset);
    String text = getString(payload, offset);
    if (offset[0] != payload.size()) {
      throw new IllegalArgumentException("EVENT payload has " + (payload.size() - offset[0]) + " bytes after its fields");
    }
    return Kind.ofCode(code).map(kind -> new Event(kind, room, seq, time, from, to, text));
  }

  private static void putString(ByteStringBuilder b, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    b.putInt(bytes.length, ByteOrder.BIG_ENDIAN);
    b.putBytes(bytes);
  }

  private static String getString(ByteString payload, int[] offset) {
    int at = offset[0];
    if (payload.size() - at < 4) {
      throw new IllegalArgumentException("EVENT payload ends inside a field length");
    }
    long length = payload.slice(at, at + 4).asByteBuffer().order(java.nio.ByteOrder.BIG_ENDIAN).getInt() & 0xFFFF_FFFFL;
    at += 4;
    if (length > payload.size() - at) {
      throw new IllegalArgumentException("EVENT field of " + length + " bytes overruns the payload");
    }
    ByteString field = payload.slice(at, at + (int) length);
    offset[0] = at + (int) length;
    try {
      return MessageDecoder.strictUtf8(field);
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new IllegalArgumentException("EVENT field is not valid UTF-8");
    }
  }
}
