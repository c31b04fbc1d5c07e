package pekkochat.chat;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One room: its members, its topic, and the order of what happens in it. Every event gets the
 * room's next sequence number, so each member sees the same history in the same order, and a
 * member that joined at {@code seq} knows exactly which events came after it.
 *
 * <p>Events are not sent one by one: they gather in a batch, and a flush hands every member the
 * same {@link ToUser.RoomEvents} (one message per member per flush, whatever the burst). A flush
 * makes work for every member, so the next one waits {@code flush-interval-per-user} times the
 * members the last one reached: a burst in a room of 10,000 costs each of them one message per
 * 200 ms instead of one per line. The first event after a quiet spell goes out at once.
 *
 * <p>The room watches each member's inbox: a session that ends, for whatever reason, leaves every
 * room it was in exactly once.
 */
public final class Room extends AbstractBehavior<Room.Command> {

  /** What a room handles. */
  public sealed interface Command extends CborSerializable {}

  /** {@code nick} enters; answered with {@link ToUser.JoinedRoom} (or {@link ToUser.AlreadyInRoom}). */
  public record Join(@JsonProperty("nick") String nick, @JsonProperty("away") String away, @JsonProperty("inbox") ActorRef<ToUser> inbox)
      implements Command {
    @JsonCreator
    public Join {}
  }

  /** The member behind {@code inbox} leaves ({@code /part}); answered with {@link ToUser.PartedRoom}. */
  public record Part(@JsonProperty("inbox") ActorRef<ToUser> inbox) implements Command {
    @JsonCreator
    public Part {}
  }

  /** A chat line (or, with {@code action}, a {@code /me}) from the member behind {@code inbox}. */
  public record Post(@JsonProperty("inbox") ActorRef<ToUser> inbox, @JsonProperty("text") String text, @JsonProperty("action") boolean action)
      implements Command {
    @JsonCreator
    public Post {}
  }

  /**
   * The member behind {@code inbox} shares a file held by the file service under {@code fileId};
   * how many members the announcement reached goes to {@code announceTo}.
   */
  public record ShareFile(
      @JsonProperty("inbox") ActorRef<ToUser> inbox,
      @JsonProperty("announceTo") ActorRef<FileAnnounced> announceTo,
      @JsonProperty("fileId") String fileId,
      @JsonProperty("fileName") String fileName,
      @JsonProperty("size") long size)
      implements Command {
    @JsonCreator
    public ShareFile {}
  }

  /** {@code /topic text} ({@code topic} empty: clear it). */
  public record SetTopic(@JsonProperty("inbox") ActorRef<ToUser> inbox, @JsonProperty("topic") String topic) implements Command {
    @JsonCreator
    public SetTopic {}
  }

  /** {@code /topic}: answered with {@link ToUser.Topic}. */
  public record GetTopic(@JsonProperty("replyTo") ActorRef<ToUser> replyTo) implements Command {
    @JsonCreator
    public GetTopic {}
  }

  /** {@code /users}: answered with {@link ToUser.Members}. */
  public record ListMembers(@JsonProperty("replyTo") ActorRef<ToUser> replyTo) implements Command {
    @JsonCreator
    public ListMembers {}
  }

  /** The member behind {@code inbox} is now called {@code newNick} (granted by {@link Users}). */
  public record Rename(@JsonProperty("inbox") ActorRef<ToUser> inbox, @JsonProperty("newNick") String newNick, @JsonProperty("changeId") long changeId)
      implements Command {
    @JsonCreator
    public Rename {}
  }

  /** The member behind {@code inbox} is away ({@code message}) or back ({@code message} empty). */
  public record SetAway(@JsonProperty("inbox") ActorRef<ToUser> inbox, @JsonProperty("message") String message) implements Command {
    @JsonCreator
    public SetAway {}
  }

  /** For {@code /rooms}: answered with this room's {@link ToUser.RoomInfo}. */
  public record Describe(@JsonProperty("replyTo") ActorRef<ToUser.RoomInfo> replyTo) implements Command {
    @JsonCreator
    public Describe {}
  }

  /** From {@link Rooms}: stop, if no join has come since {@link Rooms.RoomIdle} said it was empty. */
  record Passivate(@JsonProperty("joinsSeen") long joinsSeen) implements Command {
    @JsonCreator
    Passivate {}
  }

  private record MemberGone(ActorRef<ToUser> inbox) implements Command {}

  private enum Flush implements Command {
    INSTANCE
  }

  private static final class Member {
    /** The sequence number of its join: its id in this room's events. */
    final long id;
    String nick;
    String away;
    final ActorRef<ToUser> inbox;

    Member(long id, String nick, String away, ActorRef<ToUser> inbox) {
      this.id = id;
      this.nick = nick;
      this.away = away;
      this.inbox = inbox;
    }
  }

  /** Most events a batch gathers before it is flushed without waiting. */
  static final int FLUSH_EVENTS = 512;

  private static final Object FLUSH_TIMER = "flush";

  public static Behavior<Command> create(String name, boolean permanent, ChatSettings settings, ActorRef<Rooms.Command> registry) {
    return Behaviors.setup(
        context -> Behaviors.withTimers(timers -> new Room(context, timers, name, permanent, settings, registry)));
  }

  private final TimerScheduler<Command> timers;
  private final String name;
  private final boolean permanent;
  private final ChatSettings settings;
  private final ActorRef<Rooms.Command> registry;
  private final Map<ActorRef<ToUser>, Member> members = new LinkedHashMap<>();
  private String topic = "";
  private long seq;
  private long joinsSeen;
  private List<RoomEvent> pending = new ArrayList<>();
  private boolean flushQueued;
  /** Whether the pending batch has anything but joins and leaves (see {@link #nanosToNextFlush}). */
  private boolean pendingHasChat;
  private long lastFlushNanos = System.nanoTime();
  private int lastFlushSize;

  private Room(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      String name,
      boolean permanent,
      ChatSettings settings,
      ActorRef<Rooms.Command> registry) {
    super(context);
    this.timers = timers;
    this.name = name;
    this.permanent = permanent;
    this.settings = settings;
    this.registry = registry;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Post.class, this::onPost)
        .onMessageEquals(Flush.INSTANCE, this::onFlush)
        .onMessage(Join.class, this::onJoin)
        .onMessage(Part.class, this::onPart)
        .onMessage(MemberGone.class, this::onMemberGone)
        .onMessage(ShareFile.class, this::onShareFile)
        .onMessage(SetTopic.class, this::onSetTopic)
        .onMessage(GetTopic.class, this::onGetTopic)
        .onMessage(ListMembers.class, this::onListMembers)
        .onMessage(Rename.class, this::onRename)
        .onMessage(SetAway.class, this::onSetAway)
        .onMessage(Describe.class, this::onDescribe)
        .onMessage(Passivate.class, this::onPassivate)
        .build();
  }

  private Behavior<Command> onPost(Post post) {
    Member from = members.get(post.inbox());
    if (from == null) {
      post.inbox().tell(new ToUser.Refused("You are not in " + name + "."));
    } else {
      append(new RoomEvent.Posted(name, ++seq, now(), from.nick, from.id, post.text(), post.action()));
    }
    return this;
  }

  private Behavior<Command> onJoin(Join join) {
    joinsSeen++;
    if (members.containsKey(join.inbox())) {
      join.inbox().tell(new ToUser.AlreadyInRoom(name, getContext().getSelf()));
      return this;
    }
    long joinedAt = ++seq;
    members.put(join.inbox(), new Member(joinedAt, join.nick(), join.away(), join.inbox()));
    getContext().watchWith(join.inbox(), new MemberGone(join.inbox()));
    // The reply goes before the event's flush, and both go from this actor to the member: it
    // always learns it joined (and at which seq) before it sees anything that came after.
    join.inbox().tell(new ToUser.JoinedRoom(name, getContext().getSelf(), joinedAt, topic, members.size()));
    append(new RoomEvent.UserJoined(name, joinedAt, now(), join.nick()));
    return this;
  }

  private Behavior<Command> onPart(Part part) {
    if (members.containsKey(part.inbox())) {
      flush(); // what was said before the part still reaches the one who parts
    }
    Member m = members.remove(part.inbox());
    if (m != null) {
      getContext().unwatch(m.inbox);
      append(new RoomEvent.UserLeft(name, ++seq, now(), m.nick, RoomEvent.LeaveReason.PART));
      m.inbox.tell(new ToUser.PartedRoom(name));
      idleIfEmpty();
    } else {
      part.inbox().tell(new ToUser.Refused("You are not in " + name + "."));
    }
    return this;
  }

  private Behavior<Command> onMemberGone(MemberGone gone) {
    Member m = members.remove(gone.inbox());
    if (m != null) {
      append(new RoomEvent.UserLeft(name, ++seq, now(), m.nick, RoomEvent.LeaveReason.DISCONNECTED));
      idleIfEmpty();
    }
    return this;
  }

  private Behavior<Command> onShareFile(ShareFile share) {
    Member from = members.get(share.inbox());
    if (from != null) {
      append(new RoomEvent.FileShared(name, ++seq, now(), from.nick, from.id, share.fileId(), share.fileName(), share.size()));
      share.announceTo().tell(new FileAnnounced(share.fileId(), members.size() - 1));
    } else {
      share.announceTo().tell(new FileAnnounced(share.fileId(), 0));
    }
    return this;
  }

  private Behavior<Command> onSetTopic(SetTopic set) {
    Member by = members.get(set.inbox());
    if (by == null) {
      set.inbox().tell(new ToUser.Refused("You are not in " + name + "."));
    } else {
      topic = set.topic();
      append(new RoomEvent.TopicChanged(name, ++seq, now(), by.nick, topic));
    }
    return this;
  }

  private Behavior<Command> onGetTopic(GetTopic get) {
    get.replyTo().tell(new ToUser.Topic(name, topic));
    return this;
  }

  private Behavior<Command> onListMembers(ListMembers list) {
    List<ToUser.MemberInfo> infos = new ArrayList<>(members.size());
    members.values().forEach(m -> infos.add(new ToUser.MemberInfo(m.nick, m.away)));
    list.replyTo().tell(new ToUser.Members(name, infos, topic));
    return this;
  }

  private Behavior<Command> onRename(Rename rename) {
    Member m = members.get(rename.inbox());
    if (m != null && !m.nick.equals(rename.newNick())) {
      String old = m.nick;
      m.nick = rename.newNick();
      append(new RoomEvent.NickChanged(name, ++seq, now(), m.id, old, m.nick, rename.changeId()));
    }
    return this;
  }

  private Behavior<Command> onSetAway(SetAway away) {
    Member m = members.get(away.inbox());
    if (m != null) {
      m.away = away.message();
    }
    return this;
  }

  private Behavior<Command> onDescribe(Describe describe) {
    describe.replyTo().tell(new ToUser.RoomInfo(name, members.size(), topic));
    return this;
  }

  private void idleIfEmpty() {
    if (members.isEmpty() && !permanent) {
      flush(); // the last LEFT notices go to nobody, but keep the order simple
      registry.tell(new Rooms.RoomIdle(name, getContext().getSelf(), joinsSeen));
    }
  }

  private Behavior<Command> onPassivate(Passivate passivate) {
    if (members.isEmpty() && passivate.joinsSeen() == joinsSeen) {
      return Behaviors.stopped();
    }
    return this; // a join overtook the registry's decision: the room goes on
  }

  // --- batching -------------------------------------------------------------------------------

  private void append(RoomEvent event) {
    pending.add(event);
    if (!(event instanceof RoomEvent.UserJoined || event instanceof RoomEvent.UserLeft)) {
      pendingHasChat = true;
    }
    if (pending.size() >= FLUSH_EVENTS) {
      flush();
      return;
    }
    if (flushQueued) {
      return;
    }
    long wait = nanosToNextFlush();
    if (wait <= 0) {
      // Behind the room's other mail: what is already there joins this flush.
      flushQueued = true;
      getContext().getSelf().tell(Flush.INSTANCE);
    } else if (!timers.isTimerActive(FLUSH_TIMER)) {
      timers.startSingleTimer(FLUSH_TIMER, Flush.INSTANCE, Duration.ofNanos(wait));
    }
  }

  private Behavior<Command> onFlush() {
    flushQueued = false;
    long wait = nanosToNextFlush();
    if (wait > 0 && pending.size() < FLUSH_EVENTS) {
      if (!timers.isTimerActive(FLUSH_TIMER)) {
        timers.startSingleTimer(FLUSH_TIMER, Flush.INSTANCE, Duration.ofNanos(wait));
      }
      return this;
    }
    flush();
    return this;
  }

  /**
   * How long until the next flush is due: the interval per member times the members the last one
   * reached, and for a batch of joins and leaves only, {@code notice-flush-factor} times that. A
   * join storm into a big room is nearly nothing but notices, and each flush costs a message and
   * a socket write per member; a chat line arriving meanwhile brings its flush forward.
   */
  private long nanosToNextFlush() {
    long interval = lastFlushSize * settings.flushIntervalPerUser().toNanos();
    if (!pendingHasChat) {
      interval *= settings.noticeFlushFactor();
    }
    return lastFlushNanos + interval - System.nanoTime();
  }

  private void flush() {
    if (pending.isEmpty()) {
      return;
    }
    pendingHasChat = false;
    ToUser.RoomEvents batch = new ToUser.RoomEvents(name, pending);
    pending = new ArrayList<>();
    for (Member m : members.values()) {
      m.inbox.tell(batch);
    }
    lastFlushSize = members.size();
    lastFlushNanos = System.nanoTime();
  }

  private static long now() {
    return System.currentTimeMillis();
  }
}
