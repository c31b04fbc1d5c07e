package pekkochat.server;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;
import pekkochat.config.ServerSettings;
import pekkochat.protocol.Frames;
import pekkochat.protocol.Message;
import pekkochat.protocol.MessageDecoder;
import pekkochat.protocol.Outbound;
import pekkochat.protocol.WireProtocol;

/**
 * The room: spawns and watches one {@link Session} per connection, keeps the registry of joined
 * users, and fans messages out.
 *
 * <p>Fan-out never blocks and never waits for a slow user: a broadcast is encoded once and the
 * same bytes are offered to each recipient's bounded outbound queue, a non-blocking call. A user
 * whose queue is full is cut off (its session sends a last ERROR and closes) and everyone else
 * carries on. A file is offered the same way, as one streamed frame per recipient that reads
 * the spooled copy from disk at that recipient's pace.
 */
public final class ChatRoom extends AbstractBehavior<ChatRoom.Command> {

  /** What the room handles. */
  public sealed interface Command {}

  /** A TCP connection was accepted. */
  public record Connected(Tcp.IncomingConnection connection) implements Command {}

  /** A session asks to join under {@code name}; the answer goes back to {@code session}. */
  public record Register(String name, ActorRef<Session.Command> session, BoundedSourceQueue<Outbound> outbound)
      implements Command {}

  /** A joined user sent a chat line. */
  public record Post(ActorRef<Session.Command> from, String text) implements Command {}

  /** A joined user's file is arriving in (or complete in) the spool and can be relayed. */
  public record ShareFile(ActorRef<Session.Command> from, String fileName, SpoolFile file) implements Command {}

  /** A file being relayed will not be completed ({@code why}: the sender disconnected, ...). */
  public record FileAborted(String fileName, SpoolFile file, String why) implements Command {}

  /** {@code /users}. */
  public record ListUsers(ActorRef<Session.Command> replyTo) implements Command {}

  /** Tell everyone the server is stopping, close every connection, then reply. */
  public record Shutdown(ActorRef<Done> replyTo) implements Command {}

  private record SessionEnded(ActorRef<Session.Command> session) implements Command {}

  /** Offer the broadcast frames gathered since the last flush (see {@link #broadcast}). */
  private enum Flush implements Command {
    INSTANCE
  }

  private record RelayEnded(SpoolFile file) implements Command {}

  /** Who a file in relay came from and went to, for the notice should it be cut off. */
  private record Relay(String sender, Set<ActorRef<Session.Command>> recipients) {}

  private enum ShutdownDeadline implements Command {
    INSTANCE
  }

  static final String SHUTDOWN_NOTICE = "[Server] The server is shutting down. Goodbye.";

  /** A joined user. {@code cutOff} is set once its queue overflowed: it gets nothing more. */
  private static final class Member {
    final String name;
    final ActorRef<Session.Command> session;
    final BoundedSourceQueue<Outbound> queue;
    boolean cutOff;
    /**
     * Where this member's part of the room's {@link ChatRoom#log} starts: 0, or the log's length
     * when it joined, if that was since the last flush (what was broadcast before is not for it).
     */
    int logStart;
    /**
     * Byte ranges of the log this member sent itself, so not for it: {start, end} pairs, in
     * order; null when there are none (nearly everyone, nearly always).
     */
    int[] ownFrames;
    int ownFrameCount;

    Member(String name, ActorRef<Session.Command> session, BoundedSourceQueue<Outbound> queue) {
      this.name = name;
      this.session = session;
      this.queue = queue;
    }
  }

  public static Behavior<Command> create(ServerSettings settings, Spool spool) {
    return Behaviors.setup(
        context -> Behaviors.withTimers(timers -> new ChatRoom(context, timers, settings, spool)));
  }

  private final TimerScheduler<Command> timers;
  private final ServerSettings settings;
  private final Spool spool;
  private final Set<ActorRef<Session.Command>> sessions = new HashSet<>();
  /** The remote address of each connection accepted here, for the connection limits. */
  private final Map<ActorRef<Session.Command>, InetAddress> addresses = new HashMap<>();
  private final Map<InetAddress, Integer> connectionsPerAddress = new HashMap<>();
  private final Map<ActorRef<Session.Command>, Member> members = new LinkedHashMap<>();
  private final Map<String, Member> membersByName = new HashMap<>();
  private final List<ActorRef<Done>> shutdownWaiters = new ArrayList<>();
  private final Map<SpoolFile, Relay> relays = new HashMap<>();
  /**
   * The broadcast frames not yet offered, one after another, shared by every member: see
   * {@link #broadcast}.
   */
  private ByteString log = ByteString.emptyByteString();
  /** Members whose {@code logStart} or {@code ownFrames} are set, to reset at the flush. */
  private final List<Member> marked = new ArrayList<>();
  /** Whether a {@link Flush} is in the mailbox (sent by {@link #broadcast}, not by the timer). */
  private boolean flushQueued;
  /** The key of the timer that flushes the last frames of a burst (see {@link #broadcast}). */
  private static final Object FLUSH_TIMER = "flush";
  /** When {@link #flush} last ran: the next runs {@code broadcast-flush-interval} later at the earliest. */
  private long lastFlushNanos = System.nanoTime();
  /** How many members the last {@link #flush} offered frames to: the next waits in proportion. */
  private int lastFlushSize;
  private long sessionCounter;
  private long relayCounter;
  private boolean shuttingDown;

  private ChatRoom(
      ActorContext<Command> context, TimerScheduler<Command> timers, ServerSettings settings, Spool spool) {
    super(context);
    this.timers = timers;
    this.settings = settings;
    this.spool = spool;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Connected.class, this::onConnected)
        .onMessageEquals(Flush.INSTANCE, () -> {
          flushQueued = false; // or the timer fired: then a queued Flush, if any, finds little to do
          flush();
          return this;
        })
        .onMessage(Register.class, this::onRegister)
        .onMessage(Post.class, this::onPost)
        .onMessage(ShareFile.class, this::onShareFile)
        .onMessage(FileAborted.class, this::onFileAborted)
        .onMessage(RelayEnded.class, ended -> {
          relays.remove(ended.file());
          return this;
        })
        .onMessage(ListUsers.class, this::onListUsers)
        .onMessage(SessionEnded.class, this::onSessionEnded)
        .onMessage(Shutdown.class, this::onShutdown)
        .onMessageEquals(ShutdownDeadline.INSTANCE, this::onShutdownDeadline)
        .build();
  }

  private Behavior<Command> onConnected(Connected connected) {
    if (shuttingDown) {
      connected.connection().handleWith(
          Flow.fromSinkAndSource(Sink.cancelled(), Source.empty()), getContext().getSystem());
      return this;
    }
    InetAddress address = connected.connection().remoteAddress().getAddress();
    String refusal = connectionRefusal(address);
    if (refusal != null) {
      getContext().getLog().info("Refused connection from {}: {}", connected.connection().remoteAddress(), refusal);
      refuse(connected.connection(), refusal);
      return this;
    }
    ActorRef<Session.Command> session =
        getContext()
            .spawn(
                Session.create(connected.connection(), getContext().getSelf(), settings, spool),
                "session-" + (++sessionCounter));
    getContext().watchWith(session, new SessionEnded(session));
    sessions.add(session);
    addresses.put(session, address);
    connectionsPerAddress.merge(address, 1, Integer::sum);
    return this;
  }

  /** Why a new connection from {@code address} is over a limit, or null if it is not. */
  private String connectionRefusal(InetAddress address) {
    var policy = settings.policy();
    if (addresses.size() >= policy.maxConnections()) {
      return "Server full: " + policy.maxConnections() + " connections at most. Try again later.";
    }
    if (connectionsPerAddress.getOrDefault(address, 0) >= policy.maxConnectionsPerAddress()) {
      return "Too many connections from your address: " + policy.maxConnectionsPerAddress() + " at most.";
    }
    return null;
  }

  /**
   * Answers a connection over a limit with one ERROR and closes it, without a session: the
   * coupled flow ends the connection once the ERROR is written, and nothing it sends is read.
   */
  private void refuse(Tcp.IncomingConnection connection, String reason) {
    try {
      connection.handleWith(
          WireProtocol.around(
              MessageDecoder.Origin.CLIENT,
              settings.limits(),
              Flow.fromSinkAndSourceCoupled(Sink.<Message>ignore(), Source.single(Frames.error(reason)))),
          getContext().getSystem());
    } catch (RuntimeException e) {
      getContext().getLog().warn("Could not refuse connection from {}: {}", connection.remoteAddress(), e.toString());
    }
  }

  private Behavior<Command> onRegister(Register register) {
    // No flush here: the JOIN notice joins the room's log behind what was broadcast before it,
    // and the newcomer's part of the log starts after it. A join storm is thus gathered like a
    // burst of lines, one queue element per member per flush instead of one per notice.
    String key = Names.key(register.name());
    if (membersByName.containsKey(key)) {
      register.session().tell(new Session.Rejected("Username already taken."));
      return this;
    }
    if (shuttingDown) {
      register.session().tell(new Session.Rejected("The server is shutting down."));
      return this;
    }
    if (sessions.add(register.session())) {
      // Not spawned here (or already forgotten): watch it, so its end is announced all the same.
      // Watching an actor that has already stopped yields SessionEnded at once.
      getContext().watchWith(register.session(), new SessionEnded(register.session()));
    }
    Member member = new Member(register.name(), register.session(), register.outbound());
    broadcast(Frames.join(member.name + " joined the chat."), null);
    // The welcome goes into the member's queue here, before it is a member: whatever the room
    // broadcasts from now on can only come after it. (Sent by the session on Registered, a JOIN
    // notice flushed meanwhile could overtake it.)
    deliver(member, WELCOME);
    if (!log.isEmpty()) {
      member.logStart = log.size();
      marked.add(member);
    }
    members.put(member.session, member);
    membersByName.put(key, member);
    register.session().tell(new Session.Registered(member.name));
    return this;
  }

  private Behavior<Command> onPost(Post post) {
    Member from = members.get(post.from());
    if (from != null) {
      broadcast(Frames.text(from.name + Frames.SEPARATOR + post.text()), from);
    }
    return this;
  }

  private Behavior<Command> onShareFile(ShareFile share) {
    flush(); // what was broadcast before this goes out before what this causes
    Member from = members.get(share.from());
    List<Member> recipients = new ArrayList<>();
    for (Member m : members.values()) {
      if (m != from && !m.cutOff) {
        recipients.add(m);
      }
    }
    SpoolFile file = share.file();
    if (from == null || recipients.isEmpty()) {
      file.releaseReaders();
      return this;
    }
    Set<ActorRef<Session.Command>> refs = new HashSet<>();
    recipients.forEach(m -> refs.add(m.session));
    ActorRef<FileRelay.Command> relay =
        getContext().spawn(FileRelay.create(file, refs), "relay-" + (++relayCounter));
    getContext().watchWith(relay, new RelayEnded(file));
    relays.put(file, new Relay(from.name, refs));
    getContext()
        .getLog()
        .info("Relaying {} ({} bytes) from {} to {} user(s)", share.fileName(), file.size(), from.name, recipients.size());
    String prefix = Frames.serverFilePrefix(from.name, share.fileName());
    for (Member m : recipients) {
      if (!deliver(m, relayedFile(prefix, file, m.session, relay))) {
        relay.tell(new FileRelay.Finished(m.session, false));
      }
    }
    return this;
  }

  /**
   * The file for one recipient, decided when that recipient's connection gets to it: by then the
   * upload may have failed, and a file not yet begun is better not sent at all.
   */
  private Outbound relayedFile(
      String prefix, SpoolFile file, ActorRef<Session.Command> recipient, ActorRef<FileRelay.Command> relay) {
    int chunkSize = settings.fileChunkSize();
    Duration stallTimeout = settings.relayStallTimeout();
    return new Outbound.Deferred(
        () -> {
          if (file.state() == SpoolFile.State.FAILED) {
            relay.tell(new FileRelay.Finished(recipient, false));
            return Optional.empty();
          }
          Source<ByteString, NotUsed> body =
              SpoolReader.source(file, chunkSize, stallTimeout)
                  .watchTermination(
                      (mat, done) -> {
                        done.whenComplete((d, failure) -> relay.tell(new FileRelay.Finished(recipient, failure == null)));
                        return NotUsed.getInstance();
                      });
          return Optional.of(Frames.file(prefix, file.size(), body));
        });
  }

  private Behavior<Command> onFileAborted(FileAborted aborted) {
    flush(); // what was broadcast before this goes out before what this causes
    Relay relay = relays.get(aborted.file());
    if (relay == null) {
      return this;
    }
    Outbound notice = Frames.text(incompleteNotice(relay.sender(), aborted.fileName(), aborted.file(), aborted.why()));
    for (ActorRef<Session.Command> recipient : relay.recipients()) {
      Member m = members.get(recipient);
      if (m != null) {
        deliver(m, notice);
      }
    }
    return this;
  }

  /**
   * Follows a FILE frame that had to be completed with zero bytes. The project's client recognises
   * it (see {@code pekkochat.client.Client}) and deletes its copy; a seed client shows it.
   */
  static String incompleteNotice(String sender, String fileName, SpoolFile file, String why) {
    return "[Server] Incomplete file: " + sender + Frames.SEPARATOR + fileName + " was cut off after "
        + file.committed() + " of " + file.size() + " bytes (" + why + "). Discard any copy you received.";
  }

  private Behavior<Command> onListUsers(ListUsers list) {
    // No flush: the list may reach the asker before lines broadcast at about the same time,
    // which are concurrent with the question anyway.
    List<String> names = new ArrayList<>(members.size());
    members.values().forEach(m -> names.add(m.name));
    list.replyTo().tell(new Session.UserList(names));
    return this;
  }

  private Behavior<Command> onSessionEnded(SessionEnded ended) {
    // No flush here: the LEAVE notice joins the log in order (see onRegister), and the one who
    // left is no longer a member, so the flush offers it nothing.
    sessions.remove(ended.session());
    InetAddress address = addresses.remove(ended.session());
    if (address != null) {
      connectionsPerAddress.computeIfPresent(address, (a, n) -> n == 1 ? null : n - 1);
    }
    Member gone = members.remove(ended.session());
    if (gone != null) {
      membersByName.remove(Names.key(gone.name));
      if (!shuttingDown) {
        broadcast(Frames.leave(gone.name + " left the chat."), null);
      }
    }
    if (shuttingDown && sessions.isEmpty()) {
      return finishShutdown();
    }
    return this;
  }

  private Behavior<Command> onShutdown(Shutdown shutdown) {
    flush(); // what was broadcast before this goes out before what this causes
    shutdownWaiters.add(shutdown.replyTo());
    if (!shuttingDown) {
      shuttingDown = true;
      getContext().getLog().info("Shutting down: closing {} connection(s)", sessions.size());
      sessions.forEach(s -> s.tell(new Session.Close(SHUTDOWN_NOTICE)));
      timers.startSingleTimer(ShutdownDeadline.INSTANCE, settings.shutdownGrace());
    }
    return sessions.isEmpty() ? finishShutdown() : this;
  }

  private Behavior<Command> onShutdownDeadline() {
    getContext().getLog().info("Shutdown grace over; {} connection(s) still closing", sessions.size());
    return finishShutdown();
  }

  private Behavior<Command> finishShutdown() {
    shutdownWaiters.forEach(w -> w.tell(Done.getInstance()));
    shutdownWaiters.clear();
    timers.cancel(ShutdownDeadline.INSTANCE);
    return this;
  }

  // --- fan-out ------------------------------------------------------------------------------

  /**
   * Sends a small frame to every member but {@code except}. The frame is not offered at once: it
   * is appended to the room's {@link #log}, and a {@link Flush} offers every member the whole log
   * as one element: the same bytes for nearly everyone, so a broadcast costs the same whatever
   * the room's size, and a flush costs one queue offer per member. Only a member that sent one of
   * the frames itself, or joined since the last flush, gets its own slice of the log. Under load
   * a member's connection thus takes one queue element, one wake-up and one socket write for a
   * whole burst of lines and notices instead of one per frame.
   *
   * <p>A flush costs each connection it reaches a wake-up and a write, so the next one waits in
   * proportion: {@code broadcast-flush-interval-per-user} times the members the last one reached
   * (2 ms after a flush to 100 users, 200 ms after one to 10,000), which bounds the share of CPU
   * that flushing takes whatever the room's size. A frame that comes later than that after the
   * last flush queues one at once (behind the room's other mail, so what is already there joins
   * it); one that comes sooner waits for the next frame past the interval, which under load is
   * never far, or at worst for a timer (which fires on Pekko's scheduler tick, {@code
   * pekko.scheduler.tick-duration}) for the last frames of a burst. A log of {@link #FLUSH_BYTES}
   * is flushed at once.
   */
  private void broadcast(Outbound.Frame frame, Member except) {
    ByteString bytes = frame.encoded();
    if (except != null) {
      if (except.ownFrames == null) {
        except.ownFrames = new int[8];
        marked.add(except);
      } else if (except.ownFrameCount * 2 == except.ownFrames.length) {
        except.ownFrames = Arrays.copyOf(except.ownFrames, except.ownFrames.length * 2);
      }
      except.ownFrames[except.ownFrameCount * 2] = log.size();
      except.ownFrames[except.ownFrameCount * 2 + 1] = log.size() + bytes.size();
      except.ownFrameCount++;
    }
    log = log.concat(bytes);
    if (log.size() >= FLUSH_BYTES) {
      flush();
      return;
    }
    if (flushQueued) {
      return;
    }
    long wait = lastFlushNanos + lastFlushSize * settings.broadcastFlushIntervalPerUser().toNanos() - System.nanoTime();
    if (wait <= 0) {
      flushQueued = true;
      getContext().getSelf().tell(Flush.INSTANCE);
    } else if (!timers.isTimerActive(FLUSH_TIMER)) {
      timers.startSingleTimer(FLUSH_TIMER, Flush.INSTANCE, Duration.ofNanos(wait));
    }
  }

  /** Offers every member its part of the {@link #log}. */
  private void flush() {
    if (log.isEmpty()) {
      return;
    }
    ByteString all = log.compact(); // one array, shared by every member's element
    Outbound.Frame shared = new Outbound.Frame(all);
    int reached = 0;
    for (Member m : members.values()) {
      if (m.cutOff) {
        continue;
      }
      if (m.logStart == 0 && m.ownFrames == null) {
        deliver(m, shared);
        reached++;
      } else {
        ByteString part = partFor(m, all);
        if (!part.isEmpty()) {
          deliver(m, new Outbound.Frame(part));
          reached++;
        }
      }
    }
    for (Member m : marked) {
      m.logStart = 0;
      m.ownFrames = null;
      m.ownFrameCount = 0;
    }
    marked.clear();
    log = ByteString.emptyByteString();
    lastFlushSize = reached;
    lastFlushNanos = System.nanoTime();
  }

  /** The log from where {@code m} joined, without the frames {@code m} sent. */
  private static ByteString partFor(Member m, ByteString all) {
    ByteString part = ByteString.emptyByteString();
    int from = m.logStart;
    for (int i = 0; i < m.ownFrameCount; i++) {
      int start = m.ownFrames[i * 2];
      if (start >= from) {
        part = part.concat(all.slice(from, start));
      }
      from = Math.max(from, m.ownFrames[i * 2 + 1]);
    }
    return part.concat(all.drop(from));
  }

  /** Queued by {@link #onRegister} for each newcomer, ahead of anything broadcast after it. */
  static final Outbound.Frame WELCOME = Frames.text("Welcome! Type /help for commands.");

  /** Most bytes the {@link #log} gathers before it is flushed without waiting. */
  static final int FLUSH_BYTES = 64 * 1024;

  /**
   * Offers {@code frame} to one member without blocking. The queue counts as full one slot early
   * (see {@link Session}), so the session still has room to say why it closes.
   */
  private boolean deliver(Member m, Outbound frame) {
    if (m.cutOff) {
      return false;
    }
    if (m.queue.size() >= settings.outboundQueueSize()) {
      cutOff(m);
      return false;
    }
    QueueOfferResult result = m.queue.offer(frame);
    if (result.isEnqueued()) {
      return true;
    }
    if (result == QueueOfferResult.dropped()) {
      cutOff(m);
    }
    return false;
  }

  private void cutOff(Member m) {
    m.cutOff = true;
    m.session.tell(Session.Overflowed.INSTANCE);
  }
}
