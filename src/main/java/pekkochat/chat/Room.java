package pekkochat.chat;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import pekkochat.history.HistorySettings;
import pekkochat.history.StoreUsage;

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

  /**
   * A chat line (or, with {@code action}, a {@code /me}) from the member behind {@code inbox}. With
   * a {@code clientId} (history on), the sender is told {@link ToUser.Stored} once it is stored,
   * and a second post of the same id by the same nick is not stored again but acknowledged alike.
   */
  public record Post(
      @JsonProperty("inbox") ActorRef<ToUser> inbox,
      @JsonProperty("text") String text,
      @JsonProperty("action") boolean action,
      @JsonProperty("clientId") String clientId)
      implements Command {
    @JsonCreator
    public Post {}

    public Post(ActorRef<ToUser> inbox, String text, boolean action) {
      this(inbox, text, action, null);
    }
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

  /**
   * {@code /users}: answered with {@link ToUser.Members}; with {@code history} above 0, also the
   * last that many lines before {@code beforeSeq} (what a client entering the room is replayed),
   * only those after {@code afterSeq} when it is 0 or more (a client resuming).
   */
  public record ListMembers(
      @JsonProperty("replyTo") ActorRef<ToUser> replyTo,
      @JsonProperty("history") int history,
      @JsonProperty("beforeSeq") long beforeSeq,
      @JsonProperty("afterSeq") long afterSeq)
      implements Command {
    @JsonCreator
    public ListMembers {}

    public ListMembers(ActorRef<ToUser> replyTo, int history, long beforeSeq) {
      this(replyTo, history, beforeSeq, -1);
    }

    public ListMembers(ActorRef<ToUser> replyTo) {
      this(replyTo, 0, Long.MAX_VALUE, -1);
    }
  }

  /**
   * {@code /history}: the last {@code limit} lines before {@code beforeSeq} (oldest first),
   * answered with {@link ToUser.History} (or {@link ToUser.Refused} when history is off).
   */
  public record GetHistory(@JsonProperty("replyTo") ActorRef<ToUser> replyTo, @JsonProperty("beforeSeq") long beforeSeq, @JsonProperty("limit") int limit)
      implements Command {
    @JsonCreator
    public GetHistory {}
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

  /** Answered with {@link Recovered} once the room's history is recovered (at once with history off). */
  public record AwaitRecovered(@JsonProperty("replyTo") ActorRef<Recovered> replyTo) implements Command {
    @JsonCreator
    public AwaitRecovered {}
  }

  /** {@code room} has recovered its history and serves. */
  public record Recovered(@JsonProperty("room") String room) implements CborSerializable {
    @JsonCreator
    public Recovered {}
  }

  /** From {@link Rooms}: stop, if no join has come since {@link Rooms.RoomIdle} said it was empty. */
  record Passivate(@JsonProperty("joinsSeen") long joinsSeen) implements Command {
    @JsonCreator
    Passivate {}
  }

  private record MemberGone(ActorRef<ToUser> inbox) implements Command {}

  /** From the {@link RoomLog}: these events (numbered) are stored. */
  record Stored(List<RoomEvent> events) implements Command {}

  /** From a (re)started {@link RoomLog}: what the store holds, and the newest lines. */
  record LogRecovered(long lastSeq, String topic, String name, List<RoomEvent> recent, boolean olderToCome) implements Command {}

  /** From the {@link RoomLog} after {@link LogRecovered} said so: the lines from before the snapshot. */
  record LogBackfilled(List<RoomEvent> older) implements Command {}

  /** The {@link RoomLog} of generation {@code generation} stopped (a write or recovery failed). */
  private record LogStopped(long generation) implements Command {}

  /** The write in flight took longer than {@code write-timeout}. */
  private record WriteTimedOut(long generation) implements Command {}

  private enum RestartLog implements Command {
    INSTANCE
  }

  private enum Flush implements Command {
    INSTANCE
  }

  private static final class Member {
    /**
     * Its id in this room's events: the {@code seq} of its join (0 while the join is being stored:
     * it then receives nothing yet, and cannot post, for it does not know it joined).
     */
    long id;
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

  /**
   * An event waiting to be stored, with whom to tell how it went: {@code from} is refused if a
   * line of its cannot be stored; {@code member} is the one who joins (it learns its join's {@code
   * seq}) or parts (it gets what came before, then its {@link ToUser.PartedRoom}); {@code
   * announceTo} learns how many a shared file reached.
   */
  private record Pending(RoomEvent event, ActorRef<ToUser> from, Member member, ActorRef<FileAnnounced> announceTo) {}

  /** Most events a batch gathers before it is flushed without waiting. */
  static final int FLUSH_EVENTS = 512;

  /** Commands held while the room's history is recovered at its start. */
  static final int STASH_CAPACITY = 10_000;

  private static final Object FLUSH_TIMER = "flush";
  private static final Object WRITE_TIMER = "write";
  private static final Object RESTART_TIMER = "restart-log";

  public static Behavior<Command> create(
      String name, boolean permanent, ChatSettings settings, HistorySettings history, StoreUsage usage, ActorRef<Rooms.Command> registry) {
    return Behaviors.withStash(
        STASH_CAPACITY,
        stash ->
            Behaviors.setup(
                context -> Behaviors.withTimers(timers -> new Room(context, timers, stash, name, permanent, settings, history, usage, registry))));
  }

  /** A room without durable history (as the original server: it forgets everything). */
  public static Behavior<Command> create(String name, boolean permanent, ChatSettings settings, ActorRef<Rooms.Command> registry) {
    return create(name, permanent, settings, HistorySettings.off(), StoreUsage.NONE, registry);
  }

  private final TimerScheduler<Command> timers;
  private final StashBuffer<Command> stash;
  /** The room's name: as the first join spelled it, then, with history, as it was when the room was created. */
  private String name;
  private final boolean permanent;
  private final ChatSettings settings;
  private final HistorySettings history;
  private final StoreUsage usage;
  private final ActorRef<Rooms.Command> registry;
  private final Map<ActorRef<ToUser>, Member> members = new LinkedHashMap<>();
  private String topic = "";
  /** The last event's {@code seq}: stored, with history on; numbered, with it off. */
  private long seq;
  private long joinsSeen;
  private List<Pending> pending = new ArrayList<>();
  private boolean flushQueued;
  /** Whether the pending batch has anything but joins and leaves (see {@link #nanosToNextFlush}). */
  private boolean pendingHasChat;
  private long lastFlushNanos = System.nanoTime();
  private int lastFlushSize;

  // --- history (all unused with it off) ---
  private ActorRef<RoomLog.Command> log;
  private long logGeneration;
  /** Whether the log has recovered and takes writes; until the first time, commands are stashed. */
  private boolean logReady;
  private boolean everRecovered;
  private int restartsInARow;
  /** The batch being written, or null. */
  private List<Pending> inFlight;
  /** The newest lines, oldest first, at most keep-in-memory: replay on join and /history. */
  private final ArrayDeque<RoomEvent> recent = new ArrayDeque<>();
  /**
   * Whether {@link #recent} holds every line the room still keeps (so no read of the store helps):
   * true until memory's own limit, keep-in-memory, first drops one.
   */
  private boolean recentIsAll;
  private boolean passivating;
  private final long startedNanos = System.nanoTime();
  /**
   * While the lines from before the last snapshot are read back (after a restart): what needs
   * them waits here (a replay on entering the room, a post whose id may be among them).
   */
  private List<Command> awaitingBackfill;
  /** Lines stored with a client-chosen id, by {@link #idKey}: the newest keep-in-memory of them. */
  private final Map<String, RoomEvent.Posted> storedIds =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, RoomEvent.Posted> eldest) {
          return size() > Math.max(1, history.keepInMemory());
        }
      };
  /** Lines with a client-chosen id not stored yet, with who else posted the same id meanwhile. */
  private final Map<String, List<ActorRef<ToUser>>> postsInProgress = new HashMap<>();

  private Room(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      StashBuffer<Command> stash,
      String name,
      boolean permanent,
      ChatSettings settings,
      HistorySettings history,
      StoreUsage usage,
      ActorRef<Rooms.Command> registry) {
    super(context);
    this.timers = timers;
    this.stash = stash;
    this.name = name;
    this.permanent = permanent;
    this.settings = settings;
    this.history = history;
    this.usage = usage;
    this.registry = registry;
    if (history.enabled()) {
      startLog();
    } else {
      logReady = true;
      everRecovered = true;
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Post.class, this::onPost)
        .onMessageEquals(Flush.INSTANCE, this::onFlush)
        .onMessage(Stored.class, this::onStored)
        .onMessage(LogRecovered.class, this::onLogRecovered)
        .onMessage(LogBackfilled.class, this::onLogBackfilled)
        .onMessage(LogStopped.class, this::onLogStopped)
        .onMessage(WriteTimedOut.class, this::onWriteTimedOut)
        .onMessageEquals(RestartLog.INSTANCE, this::onRestartLog)
        .onMessage(Command.class, this::notYetRecovered, this::onOther)
        .onMessage(Command.class, this::onCommand)
        .build();
  }

  /** Until the room's history is recovered the first time, what it is asked waits. */
  private boolean notYetRecovered(Command command) {
    return !everRecovered;
  }

  private Behavior<Command> onOther(Command command) {
    if (stash.isFull()) {
      getContext().getLog().warn("Room {} is still recovering its history: dropped {}", name, command.getClass().getSimpleName());
    } else {
      stash.stash(command);
    }
    return this;
  }

  /** Everything but what {@link #createReceive} handles first, once the history is there. */
  private Behavior<Command> onCommand(Command command) {
    if (command instanceof Join join) {
      return onJoin(join);
    } else if (command instanceof Part part) {
      return onPart(part);
    } else if (command instanceof MemberGone gone) {
      return onMemberGone(gone);
    } else if (command instanceof ShareFile share) {
      return onShareFile(share);
    } else if (command instanceof SetTopic set) {
      return onSetTopic(set);
    } else if (command instanceof GetTopic get) {
      get.replyTo().tell(new ToUser.Topic(name, topic));
    } else if (command instanceof ListMembers list) {
      return onListMembers(list);
    } else if (command instanceof GetHistory get) {
      return onGetHistory(get);
    } else if (command instanceof Rename rename) {
      return onRename(rename);
    } else if (command instanceof SetAway away) {
      Member m = members.get(away.inbox());
      if (m != null) {
        m.away = away.message();
      }
    } else if (command instanceof Describe describe) {
      describe.replyTo().tell(new ToUser.RoomInfo(name, members.size(), topic));
    } else if (command instanceof Passivate passivate) {
      return onPassivate(passivate);
    } else if (command instanceof AwaitRecovered await) {
      await.replyTo().tell(new Recovered(name)); // stashed until now, if the room was recovering
    }
    return this;
  }

  private Behavior<Command> onPost(Post post) {
    if (!everRecovered) {
      return onOther(post);
    }
    Member from = members.get(post.inbox());
    if (from == null || from.id == 0) {
      post.inbox().tell(new ToUser.Refused(
          post.clientId() == null ? "You are not in " + name + "." : yourLine(post.clientId()) + " was not sent: you are not in " + name + "."));
    } else if (post.clientId() != null && awaitingBackfill != null) {
      if (awaitingBackfill.size() >= history.maxPending()) {
        post.inbox().tell(new ToUser.Refused(
            yourLine(post.clientId()) + " was not sent: " + name + " is still reading its history back; try again in a moment."));
      } else {
        awaitingBackfill.add(post); // its id may be among the older lines: a retry is stored once
      }
    } else if (post.clientId() != null && history.enabled() && acknowledgedAgain(from, post)) {
      return this;
    } else if (refusedByStore(post.inbox(), yourLine(post.clientId()))) {
      return this;
    } else {
      String clientId = history.enabled() ? post.clientId() : null;
      append(new RoomEvent.Posted(name, 0, now(), from.nick, from.id, post.text(), post.action(), clientId), post.inbox(), null, null);
      if (clientId != null) {
        postsInProgress.put(idKey(from.nick, clientId), new ArrayList<>());
      }
    }
    return this;
  }

  /**
   * How a refusal names a line: {@code Your line}, and for one posted with an id {@code Your line
   * (post <id>)}, so that the client can tell which of its lines will never be acknowledged (an
   * id is letters, digits and {@code . _ : -}: nothing to escape).
   */
  public static String yourLine(String clientId) {
    return clientId == null ? "Your line" : "Your line (post " + clientId + ")";
  }

  /** The key of a client-chosen id: per nick (a resumed connection keeps its nick), per room. */
  private static String idKey(String nick, String clientId) {
    return NameRules.key(nick) + "\u0000" + clientId;
  }

  /**
   * Whether {@code post} repeats a line already stored (acknowledged again with its seq) or being
   * stored (acknowledged with it when it is): a client retrying after a lost acknowledgement.
   */
  private boolean acknowledgedAgain(Member from, Post post) {
    String key = idKey(from.nick, post.clientId());
    RoomEvent.Posted stored = storedIds.get(key);
    if (stored != null) {
      post.inbox().tell(new ToUser.Stored(name, stored.seq(), stored.time(), post.clientId()));
      return true;
    }
    List<ActorRef<ToUser>> waiting = postsInProgress.get(key);
    if (waiting != null) {
      waiting.add(post.inbox());
      return true;
    }
    return false;
  }

  /**
   * With history on, a line is refused when it could not be stored: the store is full, or down.
   * Nothing is delivered that is not stored.
   */
  private boolean refusedByStore(ActorRef<ToUser> from, String what) {
    if (!history.enabled()) {
      return false;
    }
    if (!logReady) {
      from.tell(new ToUser.Refused(what + " was not sent: the history store is unavailable; try again shortly."));
      return true;
    }
    if (usage.full()) {
      from.tell(new ToUser.Refused(what + " was not sent: the history store is full (" + usage.describe() + ")."));
      return true;
    }
    if (pending.size() >= history.maxPending()) {
      // The store is slower than what arrives: refused, and said so, rather than queued without end.
      from.tell(new ToUser.Refused(what + " was not sent: " + name + " is busy storing " + pending.size()
          + " others; try again in a moment."));
      return true;
    }
    return false;
  }

  private Behavior<Command> onJoin(Join join) {
    joinsSeen++;
    if (members.containsKey(join.inbox())) {
      join.inbox().tell(new ToUser.AlreadyInRoom(name, getContext().getSelf()));
      return this;
    }
    passivating = false;
    Member m = new Member(0, join.nick(), join.away(), join.inbox());
    members.put(join.inbox(), m);
    getContext().watchWith(join.inbox(), new MemberGone(join.inbox()));
    // The reply goes before the flush that carries the join, and both go from this actor to the
    // member: it always learns it joined (and at which seq) before it sees anything after it.
    append(new RoomEvent.UserJoined(name, 0, now(), join.nick()), null, m, null);
    return this;
  }

  private Behavior<Command> onPart(Part part) {
    Member m = members.get(part.inbox());
    if (m == null) {
      part.inbox().tell(new ToUser.Refused("You are not in " + name + "."));
      return this;
    }
    flush(); // what was said before the part still reaches the one who parts
    members.remove(part.inbox());
    getContext().unwatch(m.inbox);
    if (history.enabled()) {
      // Told once its leave is stored, after what came before it.
      append(new RoomEvent.UserLeft(name, 0, now(), m.nick, RoomEvent.LeaveReason.PART), null, m, null);
    } else {
      append(new RoomEvent.UserLeft(name, 0, now(), m.nick, RoomEvent.LeaveReason.PART), null, null, null);
      m.inbox.tell(new ToUser.PartedRoom(name));
    }
    idleIfEmpty();
    return this;
  }

  private Behavior<Command> onMemberGone(MemberGone gone) {
    Member m = members.remove(gone.inbox());
    if (m != null) {
      append(new RoomEvent.UserLeft(name, 0, now(), m.nick, RoomEvent.LeaveReason.DISCONNECTED), null, null, null);
      idleIfEmpty();
    }
    return this;
  }

  private Behavior<Command> onShareFile(ShareFile share) {
    Member from = members.get(share.inbox());
    if (from == null || from.id == 0 || refusedByStore(share.inbox(), "The file " + share.fileName())) {
      share.announceTo().tell(new FileAnnounced(share.fileId(), 0));
      return this;
    }
    append(new RoomEvent.FileShared(name, 0, now(), from.nick, from.id, share.fileId(), share.fileName(), share.size()),
        share.inbox(), null, share.announceTo());
    return this;
  }

  private Behavior<Command> onSetTopic(SetTopic set) {
    Member by = members.get(set.inbox());
    if (by == null || by.id == 0) {
      set.inbox().tell(new ToUser.Refused("You are not in " + name + "."));
    } else if (!refusedByStore(set.inbox(), "The topic")) {
      append(new RoomEvent.TopicChanged(name, 0, now(), by.nick, set.topic()), set.inbox(), null, null);
    }
    return this;
  }

  private Behavior<Command> onListMembers(ListMembers list) {
    if (awaitingBackfill != null && list.history() > 0 && awaitingBackfill.size() < history.maxPending()) {
      awaitingBackfill.add(list); // replayed once the older lines are back (beyond the bound: now, with what is here)
      return this;
    }
    List<ToUser.MemberInfo> infos = new ArrayList<>(members.size());
    members.values().forEach(m -> infos.add(new ToUser.MemberInfo(m.nick, m.away)));
    List<RoomEvent> lines = List.of();
    boolean more = false;
    if (list.history() > 0 && history.enabled()) {
      lines = recentBefore(list.beforeSeq(), list.history() + 1);
      if (list.afterSeq() >= 0) {
        lines = new ArrayList<>(lines.stream().filter(e -> e.seq() > list.afterSeq()).toList());
      }
      // More (older lines not shown): beyond the page, or before what memory holds.
      boolean memoryShort = !recentIsAll && (list.afterSeq() < 0 || recent.isEmpty() || recent.peekFirst().seq() > list.afterSeq() + 1);
      more = lines.size() > list.history() || memoryShort;
      if (lines.size() > list.history()) {
        lines = lines.subList(1, lines.size());
      }
      more = more && !lines.isEmpty();
    }
    list.replyTo().tell(new ToUser.Members(name, infos, topic, lines, more));
    return this;
  }

  private Behavior<Command> onGetHistory(GetHistory get) {
    if (!history.enabled()) {
      get.replyTo().tell(new ToUser.Refused("This server keeps no history."));
      return this;
    }
    int limit = Math.max(1, Math.min(get.limit(), history.maxPage()));
    List<RoomEvent> lines = recentBefore(get.beforeSeq(), limit + 1);
    if (lines.size() > limit) {
      get.replyTo().tell(new ToUser.History(name, lines.subList(1, lines.size()), true));
    } else if (recentIsAll) {
      get.replyTo().tell(new ToUser.History(name, lines, false));
    } else if (log != null && logReady) {
      log.tell(new RoomLog.Read(get.beforeSeq(), limit, get.replyTo()));
    } else {
      get.replyTo().tell(new ToUser.Refused("The history of " + name + " cannot be read now: the store is unavailable."));
    }
    return this;
  }

  /** The last {@code limit} lines in memory with {@code seq} below {@code beforeSeq}, oldest first. */
  private List<RoomEvent> recentBefore(long beforeSeq, int limit) {
    ArrayDeque<RoomEvent> found = new ArrayDeque<>();
    long oldest = history.oldestShown();
    for (var it = recent.descendingIterator(); it.hasNext() && found.size() < limit; ) {
      RoomEvent e = it.next();
      if (e.time() < oldest) {
        break; // past max-age: neither shown nor kept
      }
      if (e.seq() < beforeSeq) {
        found.addFirst(e);
      }
    }
    return new ArrayList<>(found);
  }

  private Behavior<Command> onRename(Rename rename) {
    Member m = members.get(rename.inbox());
    if (m != null && !m.nick.equals(rename.newNick())) {
      String old = m.nick;
      m.nick = rename.newNick();
      append(new RoomEvent.NickChanged(name, 0, now(), m.id, old, m.nick, rename.changeId()), null, null, null);
    }
    return this;
  }

  private void idleIfEmpty() {
    if (members.isEmpty() && !permanent) {
      flush(); // the last LEFT notices go to nobody, but keep the order simple
      registry.tell(new Rooms.RoomIdle(name, getContext().getSelf(), joinsSeen));
    }
  }

  private Behavior<Command> onPassivate(Passivate passivate) {
    if (!members.isEmpty() || passivate.joinsSeen() != joinsSeen) {
      return this; // a join overtook the registry's decision: the room goes on
    }
    passivating = true;
    return stopIfPassivatedAndWritten();
  }

  /** A passivated room stops once what it had to store is stored (its log may not be written by two). */
  private Behavior<Command> stopIfPassivatedAndWritten() {
    if (passivating && members.isEmpty() && inFlight == null && (pending.isEmpty() || !logReady)) {
      return Behaviors.stopped();
    }
    return this;
  }

  // --- batching and storing -------------------------------------------------------------------

  private void append(RoomEvent event, ActorRef<ToUser> from, Member member, ActorRef<FileAnnounced> announceTo) {
    if (!history.enabled()) {
      // Numbered now, delivered at the flush: without a store, nothing waits.
      event = event.withSeq(++seq);
      if (member != null && event instanceof RoomEvent.UserJoined) {
        member.id = seq;
        member.inbox.tell(new ToUser.JoinedRoom(name, getContext().getSelf(), seq, topic, members.size()));
      }
      if (event instanceof RoomEvent.TopicChanged t) {
        topic = t.topic();
      }
      if (announceTo != null) {
        announceTo.tell(new FileAnnounced(((RoomEvent.FileShared) event).fileId(), members.size() - 1));
      }
      from = null;
      member = null;
      announceTo = null;
    }
    pending.add(new Pending(event, from, member, announceTo));
    if (!(event instanceof RoomEvent.UserJoined || event instanceof RoomEvent.UserLeft)) {
      pendingHasChat = true;
    }
    if (pending.size() >= FLUSH_EVENTS) {
      flush();
      return;
    }
    scheduleFlush();
  }

  /**
   * Flushes the pending batch when it is due: at once after a quiet spell (behind the mail
   * already there), otherwise at the pace {@link #nanosToNextFlush} sets.
   */
  private void scheduleFlush() {
    if (flushQueued || pending.isEmpty()) {
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

  /**
   * Sends the pending batch on: to the members (history off), or to the store, unless a write is
   * in flight: then it grows until that write is done, and goes as one write (group commit).
   */
  private void flush() {
    if (pending.isEmpty()) {
      return;
    }
    if (!history.enabled()) {
      List<RoomEvent> events = new ArrayList<>(pending.size());
      pending.forEach(p -> events.add(p.event()));
      pending = new ArrayList<>();
      pendingHasChat = false;
      deliver(new ToUser.RoomEvents(name, events));
      return;
    }
    if (inFlight != null || !logReady) {
      return;
    }
    pendingHasChat = false;
    List<Pending> batch = pending;
    if (batch.size() > history.maxBatch()) {
      batch = new ArrayList<>(pending.subList(0, history.maxBatch()));
      pending = new ArrayList<>(pending.subList(history.maxBatch(), pending.size()));
    } else {
      pending = new ArrayList<>();
    }
    inFlight = batch;
    List<RoomEvent> events = new ArrayList<>(batch.size());
    batch.forEach(p -> events.add(p.event()));
    log.tell(new RoomLog.Append(events));
    timers.startSingleTimer(WRITE_TIMER, new WriteTimedOut(logGeneration), history.writeTimeout());
  }

  private Behavior<Command> onStored(Stored stored) {
    if (inFlight == null || stored.events().size() != inFlight.size()) {
      return this; // from a log given up on (its batch was settled by the next one's recovery)
    }
    timers.cancel(WRITE_TIMER);
    restartsInARow = 0;
    settle(stored.events());
    // What came meanwhile goes at the flushes' pace, not at once: a busy room writes fewer,
    // bigger batches (each commit costs the store about the same whatever its size).
    if (pending.size() >= FLUSH_EVENTS) {
      flush();
    } else {
      scheduleFlush();
    }
    return stopIfPassivatedAndWritten();
  }

  /** The batch in flight is stored as {@code events}: joiners learn their seq, then all see it. */
  private void settle(List<RoomEvent> events) {
    List<Pending> batch = inFlight;
    inFlight = null;
    List<Member> leavers = null;
    List<Integer> leftAt = null;
    for (int i = 0; i < events.size(); i++) {
      RoomEvent e = events.get(i);
      Pending p = batch.get(i);
      seq = e.seq();
      Member m = p.member();
      if (m != null && e instanceof RoomEvent.UserJoined && members.get(m.inbox) == m) {
        m.id = e.seq();
        m.inbox.tell(new ToUser.JoinedRoom(name, getContext().getSelf(), e.seq(), topic, members.size()));
      } else if (m != null && e instanceof RoomEvent.UserLeft) {
        if (leavers == null) {
          leavers = new ArrayList<>();
          leftAt = new ArrayList<>();
        }
        leavers.add(m);
        leftAt.add(i);
      }
      if (e instanceof RoomEvent.TopicChanged t) {
        topic = t.topic();
      }
      if (p.announceTo() != null) {
        p.announceTo().tell(new FileAnnounced(((RoomEvent.FileShared) e).fileId(), Math.max(0, receivers() - 1)));
      }
      if (e.isLine()) {
        remember(e);
      }
      if (e instanceof RoomEvent.Posted posted && posted.clientId() != null) {
        acknowledge(posted, p.from());
      }
    }
    ToUser.RoomEvents delivered = new ToUser.RoomEvents(name, events);
    deliver(delivered);
    if (leavers != null) {
      // Who parts gets what came before its leave, then the answer to its /part.
      for (int k = 0; k < leavers.size(); k++) {
        Member m = leavers.get(k);
        int upTo = leftAt.get(k);
        if (m.id != 0 && upTo > 0) {
          m.inbox.tell(new ToUser.RoomEvents(name, events.subList(0, upTo)));
        }
        m.inbox.tell(new ToUser.PartedRoom(name));
      }
    }
  }

  /** Tells the sender (and anyone who retried it meanwhile) that {@code posted} is stored. */
  private void acknowledge(RoomEvent.Posted posted, ActorRef<ToUser> sender) {
    String key = idKey(posted.from(), posted.clientId());
    storedIds.put(key, posted);
    ToUser.Stored stored = new ToUser.Stored(name, posted.seq(), posted.time(), posted.clientId());
    if (sender != null) {
      sender.tell(stored);
    }
    List<ActorRef<ToUser>> waiting = postsInProgress.remove(key);
    if (waiting != null) {
      waiting.forEach(w -> w.tell(stored));
    }
  }

  private int receivers() {
    int n = 0;
    for (Member m : members.values()) {
      if (m.id != 0) {
        n++;
      }
    }
    return n;
  }

  private void remember(RoomEvent line) {
    recent.addLast(line);
    if (recent.size() > history.keepInMemory()) {
      recent.removeFirst();
      recentIsAll = false;
    }
    trimToRetention(line.seq());
  }

  /**
   * Retention holds for what memory shows too: no line older than max-events-per-room events
   * before {@code lastSeq}. (What it drops retention drops from the store as well, so memory still
   * holds everything there is to show: {@link #recentIsAll} stays as it was.)
   */
  private void trimToRetention(long lastSeq) {
    long max = history.maxEventsPerRoom();
    while (max > 0 && !recent.isEmpty() && recent.peekFirst().seq() <= lastSeq - max) {
      recent.removeFirst();
    }
  }

  /** Hands every member (whose join is stored) the same batch. */
  private void deliver(ToUser.RoomEvents batch) {
    int reached = 0;
    for (Member m : members.values()) {
      if (m.id != 0) {
        m.inbox.tell(batch);
        reached++;
      }
    }
    lastFlushSize = reached;
    lastFlushNanos = System.nanoTime();
  }

  // --- the log's life -------------------------------------------------------------------------

  private void startLog() {
    logReady = false;
    logGeneration++;
    log = getContext().spawn(RoomLog.create(name, history, getContext().getSelf()), "log-" + logGeneration);
    getContext().watchWith(log, new LogStopped(logGeneration));
  }

  private Behavior<Command> onLogRecovered(LogRecovered recovered) {
    if (!everRecovered) {
      seq = recovered.lastSeq();
      topic = recovered.topic();
      name = recovered.name(); // the stored spelling: a restart does not rename the room to its first join's

      recent.addAll(recovered.recent());
      for (RoomEvent e : recovered.recent()) {
        if (e instanceof RoomEvent.Posted posted && posted.clientId() != null) {
          storedIds.put(idKey(posted.from(), posted.clientId()), posted);
        }
      }
      recentIsAll = !recovered.olderToCome() && recovered.recent().size() < history.keepInMemory();
      trimToRetention(seq); // the store deletes old events a little after each snapshot
      if (recovered.olderToCome()) {
        awaitingBackfill = new ArrayList<>();
      }
      everRecovered = true;
      logReady = true;
      if (seq > 0) {
        getContext().getLog().info("Room {} recovered its history in {} ms: {} events, {} lines in memory",
            name, (System.nanoTime() - startedNanos) / 1_000_000, seq, recent.size());
      }
      flush();
      return stash.unstashAll(this);
    }
    logReady = true;
    if (inFlight != null) {
      // Whether the batch the failed log was writing made it is what the store says now.
      if (recovered.lastSeq() >= seq + inFlight.size()) {
        List<RoomEvent> events = new ArrayList<>(inFlight.size());
        for (int i = 0; i < inFlight.size(); i++) {
          events.add(inFlight.get(i).event().withSeq(seq + 1 + i));
        }
        settle(events);
      } else {
        refuse(inFlight, "the history store failed to store it");
      }
    }
    flush();
    return stopIfPassivatedAndWritten();
  }

  /**
   * A batch that was not stored: its lines are refused (their senders get an ERROR); what
   * happened to membership did happen, and goes into the next write.
   */
  private void refuse(List<Pending> batch, String why) {
    inFlight = null;
    List<Pending> again = new ArrayList<>();
    for (Pending p : batch) {
      RoomEvent e = p.event();
      if (e instanceof RoomEvent.UserJoined || e instanceof RoomEvent.UserLeft || e instanceof RoomEvent.NickChanged) {
        again.add(p);
      } else {
        if (e instanceof RoomEvent.Posted posted && posted.clientId() != null) {
          postsInProgress.remove(idKey(posted.from(), posted.clientId()));
        }
        if (p.from() != null) {
          String what = e instanceof RoomEvent.Posted posted ? yourLine(posted.clientId())
              : e instanceof RoomEvent.TopicChanged ? "The topic" : "The file";
          p.from().tell(new ToUser.Refused(what + " was not sent to " + name + ": " + why + "."));
        }
        if (p.announceTo() != null) {
          p.announceTo().tell(new FileAnnounced(((RoomEvent.FileShared) e).fileId(), 0));
        }
      }
    }
    again.addAll(pending);
    pending = again;
  }

  private Behavior<Command> onLogBackfilled(LogBackfilled backfilled) {
    if (awaitingBackfill == null) {
      return this;
    }
    List<RoomEvent> older = backfilled.older();
    long oldestNow = recent.isEmpty() ? Long.MAX_VALUE : recent.peekFirst().seq();
    for (int i = older.size() - 1; i >= 0 && recent.size() < history.keepInMemory(); i--) {
      RoomEvent e = older.get(i);
      if (e.seq() < oldestNow) {
        recent.addFirst(e);
        if (e instanceof RoomEvent.Posted posted && posted.clientId() != null) {
          storedIds.putIfAbsent(idKey(posted.from(), posted.clientId()), posted);
        }
      }
    }
    recentIsAll = recent.size() < history.keepInMemory();
    trimToRetention(seq);
    List<Command> waiting = awaitingBackfill;
    awaitingBackfill = null;
    getContext().getLog().debug("Room {} read back {} older lines", name, older.size());
    Behavior<Command> next = this;
    for (Command c : waiting) {
      next = c instanceof Post post ? onPost(post) : onCommand(c);
    }
    return next;
  }

  private Behavior<Command> onLogStopped(LogStopped stopped) {
    if (stopped.generation() != logGeneration) {
      return this;
    }
    log = null;
    logReady = false;
    timers.cancel(WRITE_TIMER);
    if (!everRecovered) {
      getContext().getLog().error("Room {} could not recover its history from the store", name);
      throw new IllegalStateException("the history of " + name + " could not be recovered");
    }
    restartsInARow++;
    long delayMs = Math.min(30_000, 200L << Math.min(8, restartsInARow - 1));
    getContext().getLog().warn("Room {}: the history store failed; retrying in {} ms", name, delayMs);
    timers.startSingleTimer(RESTART_TIMER, RestartLog.INSTANCE, Duration.ofMillis(delayMs));
    return this;
  }

  private Behavior<Command> onWriteTimedOut(WriteTimedOut timedOut) {
    if (timedOut.generation() == logGeneration && log != null && inFlight != null) {
      getContext().getLog().warn("Room {}: a write to the history store took over {}; restarting its log", name, history.writeTimeout());
      getContext().stop(log); // its recovery says whether the write made it
    }
    return this;
  }

  private Behavior<Command> onRestartLog() {
    if (log == null) {
      startLog();
    }
    return this;
  }

  private static long now() {
    return System.currentTimeMillis();
  }
}
