package pekkochat.chat;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Everything the chat core tells one user's session: events of the rooms it is in, replies to
 * its requests, private messages. A session turns these into whatever its transport speaks; the
 * core knows nothing of that.
 */
public sealed interface ToUser extends CborSerializable {

  /**
   * Events of one room since its last flush, in order: the same instance goes to every member,
   * so whatever a transport derives from it (the encoded bytes) is made once per room and flush,
   * see {@link #derived}. A member skips what is not for it: events up to the sequence number it
   * joined at, and its own lines.
   */
  final class RoomEvents implements ToUser {
    private final String room;
    private final List<RoomEvent> events;
    /** Derived forms (one per encoding and view), made once by whichever session needs one first. */
    @JsonIgnore private final transient Map<Object, Object> derived = new ConcurrentHashMap<>(4);

    @JsonCreator
    public RoomEvents(@JsonProperty("room") String room, @JsonProperty("events") List<RoomEvent> events) {
      this.room = room;
      this.events = List.copyOf(events);
    }

    @JsonProperty("room")
    public String room() {
      return room;
    }

    @JsonProperty("events")
    public List<RoomEvent> events() {
      return events;
    }

    /**
     * The form of these events under {@code key}, made by {@code make} the first time it is asked
     * for and shared by every session after that.
     */
    @SuppressWarnings("unchecked")
    public <T> T derived(Object key, Function<RoomEvents, T> make) {
      return (T) derived.computeIfAbsent(key, k -> make.apply(this));
    }

    @Override
    public String toString() {
      return "RoomEvents[" + room + ", " + events.size() + " event(s)]";
    }
  }

  /**
   * {@code /join} succeeded: this user is now a member of {@code room} (display name), whose events
   * up to {@code seq} came before it ({@code seq} is also its id in the room's events), with {@code members} members now. {@code ref} takes the
   * room's commands. (Not the member list: a join storm into a big room would copy it once per
   * join; who wants the list asks with {@link Room.ListMembers}.)
   */
  record JoinedRoom(
      @JsonProperty("room") String room,
      @JsonProperty("ref") ActorRef<Room.Command> ref,
      @JsonProperty("seq") long seq,
      @JsonProperty("topic") String topic,
      @JsonProperty("members") int members)
      implements ToUser {
    @JsonCreator
    public JoinedRoom {}
  }

  /** This user was already in {@code room}. */
  record AlreadyInRoom(@JsonProperty("room") String room, @JsonProperty("ref") ActorRef<Room.Command> ref)
      implements ToUser {
    @JsonCreator
    public AlreadyInRoom {}
  }

  /** This user left {@code room} ({@code /part}). */
  record PartedRoom(@JsonProperty("room") String room) implements ToUser {
    @JsonCreator
    public PartedRoom {}
  }

  /**
   * Something this user started failed later, apart from any command (a file for a user who is
   * not online): not the answer to the command it is waiting on.
   */
  record Failed(@JsonProperty("reason") String reason) implements ToUser {
    @JsonCreator
    public Failed {}
  }

  /** A request was refused; {@code reason} is one sentence for the user. */
  record Refused(@JsonProperty("reason") String reason) implements ToUser {
    @JsonCreator
    public Refused {}
  }

  /** A nick is now this user's ({@code changeId} 0 for the first claim). */
  record NickGranted(@JsonProperty("nick") String nick, @JsonProperty("changeId") long changeId) implements ToUser {
    @JsonCreator
    public NickGranted {}
  }

  /** A nick could not be had; {@code reason} as the original server words it where it has one. */
  record NickRefused(@JsonProperty("nick") String nick, @JsonProperty("reason") String reason) implements ToUser {
    @JsonCreator
    public NickRefused {}
  }

  /**
   * Another connection resumes this one ({@code /resume} with this connection's token, {@link
   * Users.Resume}): hand {@code by} the private messages its client did not receive (it received
   * the first {@code received}) as {@link PrivatesMissed}, and end this connection; the nick goes
   * to {@code by} once this session has stopped.
   */
  record Superseded(@JsonProperty("by") ActorRef<ToUser> by, @JsonProperty("received") long received) implements ToUser {
    @JsonCreator
    public Superseded {}
  }

  /**
   * From the connection this one resumes: the private messages its client missed, oldest first,
   * and how many more before them it no longer held ({@code lost}).
   */
  record PrivatesMissed(@JsonProperty("messages") List<PrivateMessage> messages, @JsonProperty("lost") long lost)
      implements ToUser {
    @JsonCreator
    public PrivatesMissed {
      messages = List.copyOf(messages);
    }
  }

  /**
   * A private message (or its echo, or kept ones) that reached the connection this one resumed
   * after it had handed over: forwarded, to be handled as if it had come here.
   */
  record Forwarded(@JsonProperty("message") ToUser message) implements ToUser {
    @JsonCreator
    public Forwarded {}
  }

  /**
   * The password of the account {@code key}, which this connection is logged in to, was changed
   * from another connection: this one is logged out of it ({@code reason} says so).
   */
  record LoggedOut(@JsonProperty("key") String key, @JsonProperty("reason") String reason) implements ToUser {
    @JsonCreator
    public LoggedOut {}
  }

  /** One member as {@code /users} lists it. */
  record MemberInfo(@JsonProperty("nick") String nick, @JsonProperty("away") String away) implements CborSerializable {
    @JsonCreator
    public MemberInfo {}
  }

  /** The members of {@code room}, in the order they joined, and its topic. */
  record Members(
      @JsonProperty("room") String room,
      @JsonProperty("members") List<MemberInfo> members,
      @JsonProperty("topic") String topic,
      @JsonProperty("history") List<RoomEvent> history,
      @JsonProperty("moreHistory") boolean moreHistory)
      implements ToUser {
    @JsonCreator
    public Members {
      members = List.copyOf(members);
      history = history == null ? List.of() : List.copyOf(history);
    }

    public Members(String room, List<MemberInfo> members, String topic) {
      this(room, members, topic, List.of(), false);
    }
  }

  /** A line posted with a client-chosen id ({@code /post}) is stored as line {@code seq} of {@code room}. */
  record Stored(@JsonProperty("room") String room, @JsonProperty("seq") long seq, @JsonProperty("time") long time,
      @JsonProperty("clientId") String clientId) implements ToUser {
    @JsonCreator
    public Stored {}
  }

  /**
   * Lines from a room's history, oldest first ({@code /history}, or replay on entering it);
   * {@code more}: older ones exist.
   */
  record History(@JsonProperty("room") String room, @JsonProperty("lines") List<RoomEvent> lines, @JsonProperty("more") boolean more)
      implements ToUser {
    @JsonCreator
    public History {
      lines = List.copyOf(lines);
    }
  }

  /** One room as {@code /rooms} lists it. */
  record RoomInfo(@JsonProperty("name") String name, @JsonProperty("members") int members, @JsonProperty("topic") String topic)
      implements CborSerializable {
    @JsonCreator
    public RoomInfo {}
  }

  /** Every room ({@code complete}: false if some did not answer in time). */
  record RoomList(@JsonProperty("rooms") List<RoomInfo> rooms, @JsonProperty("complete") boolean complete)
      implements ToUser {
    @JsonCreator
    public RoomList {
      rooms = List.copyOf(rooms);
    }
  }

  /** The topic of {@code room} (empty: none). */
  record Topic(@JsonProperty("room") String room, @JsonProperty("topic") String topic) implements ToUser {
    @JsonCreator
    public Topic {}
  }

  /** A private message to this user (or, as {@link PrivateSent}, the confirmation of one it sent). */
  record PrivateMessage(
      @JsonProperty("from") String from,
      @JsonProperty("to") String to,
      @JsonProperty("text") String text,
      @JsonProperty("action") boolean action,
      @JsonProperty("time") long time)
      implements ToUser {
    @JsonCreator
    public PrivateMessage {}
  }

  /** A private message this user sent reached {@code message.to()}'s session. */
  record PrivateSent(@JsonProperty("message") PrivateMessage message) implements ToUser {
    @JsonCreator
    public PrivateSent {}
  }

  /**
   * A private message this user sent to {@code message.to()}, a registered nick that is offline,
   * is stored and kept for it: it gets it at its next login.
   */
  record PrivateKept(@JsonProperty("message") PrivateMessage message) implements ToUser {
    @JsonCreator
    public PrivateKept {}
  }

  /** Private messages kept for this user while it was offline, oldest first: it just logged in. */
  record KeptMessages(@JsonProperty("messages") List<PrivateMessage> messages) implements ToUser {
    @JsonCreator
    public KeptMessages {
      messages = List.copyOf(messages);
    }
  }

  /**
   * Lines of this user's private conversation with {@code peer}, oldest first ({@code /history
   * @nick}); {@code more}: older ones exist.
   */
  record PrivateHistory(@JsonProperty("peer") String peer, @JsonProperty("lines") List<PrivateLine> lines,
      @JsonProperty("more") boolean more) implements ToUser {
    @JsonCreator
    public PrivateHistory {
      lines = List.copyOf(lines);
    }
  }

  /** A file sent to this user alone ({@code /sendto}), held by the file service under {@code fileId}. */
  record PrivateFile(
      @JsonProperty("from") String from,
      @JsonProperty("fileId") String fileId,
      @JsonProperty("fileName") String fileName,
      @JsonProperty("size") long size)
      implements ToUser {
    @JsonCreator
    public PrivateFile {}
  }

  /** {@code nick}, to whom this user sent a private message, is away: {@code message}. */
  record IsAway(@JsonProperty("nick") String nick, @JsonProperty("message") String message) implements ToUser {
    @JsonCreator
    public IsAway {}
  }
}
