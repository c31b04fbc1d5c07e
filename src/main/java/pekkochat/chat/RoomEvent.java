package pekkochat.chat;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * What happened in a room, in the room's order: every event carries the room's next sequence
 * number ({@code seq}, from 1) and the server time it happened ({@code time}, milliseconds since
 * the epoch). Plain data: no sockets, no bytes, no actor references, so an event can be encoded
 * for any transport, stored, or sent to another node.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = RoomEvent.Posted.class, name = "posted"),
  @JsonSubTypes.Type(value = RoomEvent.UserJoined.class, name = "joined"),
  @JsonSubTypes.Type(value = RoomEvent.UserLeft.class, name = "left"),
  @JsonSubTypes.Type(value = RoomEvent.NickChanged.class, name = "nick"),
  @JsonSubTypes.Type(value = RoomEvent.TopicChanged.class, name = "topic"),
  @JsonSubTypes.Type(value = RoomEvent.FileShared.class, name = "file")
})
public sealed interface RoomEvent extends CborSerializable {

  String room();

  long seq();

  long time();

  /** This event as number {@code seq} of its room (events are numbered when they are stored). */
  RoomEvent withSeq(long seq);

  /** Whether this is a line people said (a message, an action) or a topic: what history replays. */
  default boolean isLine() {
    return this instanceof Posted || this instanceof TopicChanged;
  }

  /**
   * A chat line ({@code action}: a {@code /me}). {@code fromId} identifies the sender in the room
   * (the sequence number of its join), which a nick, passed on the moment it changes, cannot.
   * {@code clientId}, when the sender's client chose one ({@code /post}), makes a retry of the
   * same line idempotent: it is stored once and acknowledged with the first one's seq.
   */
  record Posted(
      @JsonProperty("room") String room,
      @JsonProperty("seq") long seq,
      @JsonProperty("time") long time,
      @JsonProperty("from") String from,
      @JsonProperty("fromId") long fromId,
      @JsonProperty("text") String text,
      @JsonProperty("action") boolean action,
      @JsonProperty("clientId") String clientId)
      implements RoomEvent {
    @JsonCreator
    public Posted {}

    /** A line without a client-chosen id (typed by an original client, or a plain line). */
    public Posted(String room, long seq, long time, String from, long fromId, String text, boolean action) {
      this(room, seq, time, from, fromId, text, action, null);
    }

    @Override
    public Posted withSeq(long seq) {
      return new Posted(room, seq, time, from, fromId, text, action, clientId);
    }
  }

  /** {@code nick} entered the room. */
  record UserJoined(@JsonProperty("room") String room, @JsonProperty("seq") long seq, @JsonProperty("time") long time, @JsonProperty("nick") String nick) implements RoomEvent {
    @JsonCreator
    public UserJoined {}

    @Override
    public UserJoined withSeq(long seq) {
      return new UserJoined(room, seq, time, nick);
    }
  }

  /** Why a member is no longer in a room. */
  enum LeaveReason {
    /** {@code /part}. */
    PART,
    /** The connection ended ({@code /quit}, closed, reset, cut off). */
    DISCONNECTED
  }

  /** {@code nick} left the room. */
  record UserLeft(@JsonProperty("room") String room, @JsonProperty("seq") long seq, @JsonProperty("time") long time, @JsonProperty("nick") String nick, @JsonProperty("reason") LeaveReason reason) implements RoomEvent {
    @JsonCreator
    public UserLeft {}

    @Override
    public UserLeft withSeq(long seq) {
      return new UserLeft(room, seq, time, nick, reason);
    }
  }

  /**
   * A member changed nick. {@code changeId} identifies the change across rooms, so a user who
   * shares several rooms with the renamed one is told once.
   */
  record NickChanged(@JsonProperty("room") String room, @JsonProperty("seq") long seq, @JsonProperty("time") long time, @JsonProperty("memberId") long memberId, @JsonProperty("oldNick") String oldNick, @JsonProperty("newNick") String newNick, @JsonProperty("changeId") long changeId)
      implements RoomEvent {
    @JsonCreator
    public NickChanged {}

    @Override
    public NickChanged withSeq(long seq) {
      return new NickChanged(room, seq, time, memberId, oldNick, newNick, changeId);
    }
  }

  /** {@code by} set the room's topic ({@code topic} empty: cleared). */
  record TopicChanged(@JsonProperty("room") String room, @JsonProperty("seq") long seq, @JsonProperty("time") long time, @JsonProperty("by") String by, @JsonProperty("topic") String topic) implements RoomEvent {
    @JsonCreator
    public TopicChanged {}

    @Override
    public TopicChanged withSeq(long seq) {
      return new TopicChanged(room, seq, time, by, topic);
    }
  }

  /**
   * {@code from} shared a file with the room: {@code fileId} names it in the file service that holds
   * it ({@code pekkochat.files}), never the bytes themselves.
   */
  record FileShared(@JsonProperty("room") String room, @JsonProperty("seq") long seq, @JsonProperty("time") long time, @JsonProperty("from") String from, @JsonProperty("fromId") long fromId, @JsonProperty("fileId") String fileId, @JsonProperty("fileName") String fileName, @JsonProperty("size") long size)
      implements RoomEvent {
    @JsonCreator
    public FileShared {}

    @Override
    public FileShared withSeq(long seq) {
      return new FileShared(room, seq, time, from, fromId, fileId, fileName, size);
    }
  }
}
