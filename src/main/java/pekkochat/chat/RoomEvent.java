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

  /**
   * A chat line ({@code action}: a {@code /me}). {@code fromId} identifies the sender in the room
   * (the sequence number of its join), which a nick, passed on the moment it changes, cannot.
   */
  record Posted(@JsonProperty("room") String room, @JsonProperty("seq") long seq, @JsonProperty("time") long time, @JsonProperty("from") String from, @JsonProperty("fromId") long fromId, @JsonProperty("text") String text, @JsonProperty("action") boolean action) implements RoomEvent {
    @JsonCreator
    public Posted {}
  }

  /** {@code nick} entered the room. */
  record UserJoined(@JsonProperty("room") String room, @JsonProperty("seq") long seq, @JsonProperty("time") long time, @JsonProperty("nick") String nick) implements RoomEvent {
    @JsonCreator
    public UserJoined {}
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
  }

  /**
   * A member changed nick. {@code changeId} identifies the change across rooms, so a user who
   * shares several rooms with the renamed one is told once.
   */
  record NickChanged(@JsonProperty("room") String room, @JsonProperty("seq") long seq, @JsonProperty("time") long time, @JsonProperty("memberId") long memberId, @JsonProperty("oldNick") String oldNick, @JsonProperty("newNick") String newNick, @JsonProperty("changeId") long changeId)
      implements RoomEvent {
    @JsonCreator
    public NickChanged {}
  }

  /** {@code by} set the room's topic ({@code topic} empty: cleared). */
  record TopicChanged(@JsonProperty("room") String room, @JsonProperty("seq") long seq, @JsonProperty("time") long time, @JsonProperty("by") String by, @JsonProperty("topic") String topic) implements RoomEvent {
    @JsonCreator
    public TopicChanged {}
  }

  /**
   * {@code from} shared a file with the room: {@code fileId} names it in the file service that holds
   * it ({@code pekkochat.files}), never the bytes themselves.
   */
  record FileShared(@JsonProperty("room") String room, @JsonProperty("seq") long seq, @JsonProperty("time") long time, @JsonProperty("from") String from, @JsonProperty("fromId") long fromId, @JsonProperty("fileId") String fileId, @JsonProperty("fileName") String fileName, @JsonProperty("size") long size)
      implements RoomEvent {
    @JsonCreator
    public FileShared {}
  }
}
