package pekkochat.server;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.stream.typed.javadsl.ActorSink;
import pekkochat.config.ServerSettings;
import pekkochat.files.ChunkWriter;
import pekkochat.files.SafeFileNames;
import pekkochat.files.Sizes;
import pekkochat.protocol.Frames;
import pekkochat.protocol.FramingError;
import pekkochat.protocol.Message;
import pekkochat.protocol.MessageDecoder;
import pekkochat.protocol.Outbound;
import pekkochat.protocol.WireProtocol;

/**
 * One client connection, from accept to close. The session owns the connection's stream:
 * inbound frames arrive as messages with backpressure (one at a time, acknowledged when handled,
 * so a flooding or uploading client is slowed down at the TCP level rather than buffered), and
 * outbound frames go into a bounded queue that the room also offers broadcasts into.
 *
 * <p>Before JOIN only JOIN is accepted. Once joined, chat lines go to the {@link ChatRoom},
 * commands are answered here, and a FILE is written to the spool as it arrives and handed to the
 * room for relay when complete. Ending for any reason stops this actor, which the room watches
 * to announce the LEAVE exactly once.
 */
public final class Session extends AbstractBehavior<Session.Command> {

  /** What a session handles. */
  public sealed interface Command {}

  /** The room accepted the JOIN under {@code name}. */
  public record Registered(String name) implements Command {}

  /** The room refused the JOIN. */
  public record Rejected(String reason) implements Command {}

  /** The answer to {@code /users}. */
  public record UserList(List<String> names) implements Command {}

  /** The room found this session's outbound queue full: the user is not reading. */
  public enum Overflowed implements Command {
    INSTANCE
  }

  /** Send {@code notice} and close (server shutdown). */
  public record Close(String notice) implements Command {}

  /** The acknowledgement the inbound stream waits for before sending the next frame. */
  enum Ack {
    INSTANCE
  }

  private record StreamStarted(ActorRef<Ack> ackTo) implements Command {}

  private record Received(Message message, ActorRef<Ack> ackTo) implements Command {}

  private enum InboundCompleted implements Command {
    INSTANCE
  }

  private record InboundFailed(Throwable cause) implements Command {}

  private enum OutboundClosed implements Command {
    INSTANCE
  }

  private record ChunkWritten(Throwable failure) implements Command {}

  private record FileStored(ActorRef<Ack> ackTo, Throwable failure) implements Command {}

  private enum CloseTimedOut implements Command {
    INSTANCE
  }

  private enum JoinTimedOut implements Command {
    INSTANCE
  }

  private enum IdleTimedOut implements Command {
    INSTANCE
  }

  /** The flood-control wait is over: read the next message. */
  private enum FloodWaitOver implements Command {
    INSTANCE
  }

  /** The upload of {@code file} is being relayed, and none of it has arrived for a while. */
  private record UploadStalled(SpoolFile file) implements Command {}

  /** The key of the timer that bounds how long recipients wait for a stalled upload. */
  private enum StallTimer {
    KEY
  }

  /** Upload chunks being written to the spool at once (each up to one TCP read, ~128 KiB). */
  static final int WRITES_IN_FLIGHT = 8;

  static final String HELP =
      String.join(
          "\n",
          "[Server] Commands:",
          "/users - list online users",
          "/send <filepath> - send a file to everyone",
          "/quit - leave the chat");

  /** Handles of one materialized connection stream. */
  private record Connection(
      BoundedSourceQueue<Outbound> queue, UniqueKillSwitch killSwitch, CompletionStage<Done> outboundDone) {}

  /** A file being received; a {@link #DISCARDING} upload's remaining bytes are read and dropped. */
  private static final class Upload {
    static final Upload DISCARDING = new Upload(null, null, null, 0);

    final String fileName;
    final SpoolFile file;
    final ChunkWriter writer;
    final long startNanos;
    long received;
    boolean relaying;

    Upload(String fileName, SpoolFile file, ChunkWriter writer, long startNanos) {
      this.fileName = fileName;
      this.file = file;
      this.writer = writer;
      this.startNanos = startNanos;
    }

    boolean discarding() {
      return writer == null;
    }
  }

  private enum Phase {
    AWAITING_JOIN,
    JOINING,
    JOINED,
    CLOSING
  }

  public static Behavior<Command> create(
      Tcp.IncomingConnection connection, ActorRef<ChatRoom.Command> room, ServerSettings settings, Spool spool) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers -> {
                  Connection conn;
                  try {
                    conn = connect(context, connection, settings);
                  } catch (RuntimeException e) {
                    // Never leave an accepted socket dangling, and never let this reach the binding.
                    context.getLog().error("Could not start session for {}", connection.remoteAddress(), e);
                    connection.handleWith(
                        Flow.fromSinkAndSource(Sink.cancelled(), Source.empty()),
                        context.getSystem());
                    return Behaviors.stopped();
                  }
                  return new Session(context, timers, connection.remoteAddress(), room, settings, spool, conn);
                }));
  }

  private static Connection connect(
      ActorContext<Command> context, Tcp.IncomingConnection connection, ServerSettings settings) {
    ActorRef<Command> self = context.getSelf();
    Sink<Message, ?> inbound =
        ActorSink.<Message, Command, Ack>actorRefWithBackpressure(
            self,
            (ackTo, message) -> new Received(message, ackTo),
            StreamStarted::new,
            Ack.INSTANCE,
            InboundCompleted.INSTANCE,
            InboundFailed::new);
    // One slot more than the configured size: the room treats the queue as full one element
    // early, which keeps room for the ERROR that tells an overflowing user why it is cut off.
    Source<Outbound, Connection> outbound =
        Source.<Outbound>queue(settings.outboundQueueSize() + 1)
            .viaMat(KillSwitches.single(), Keep.both())
            .watchTermination((qk, done) -> new Connection(qk.first(), qk.second(), done));
    // Deliberately not coupled: completing the outbound queue must let its last frames (an
    // ERROR, the shutdown notice, /quit_ack) reach the socket before the connection closes. The
    // session does the coupling itself: it stops when the inbound side ends (the socket closed),
    // and stopping aborts the outbound side, so no socket is ever left half open.
    Flow<Message, Outbound, Connection> application =
        Flow.fromSinkAndSourceMat(inbound, outbound, Keep.right());
    Connection conn =
        connection.handleWith(
            WireProtocol.around(MessageDecoder.Origin.CLIENT, settings.limits(), application),
            Materializer.matFromSystem(context.getSystem()));
    context.pipeToSelf(conn.outboundDone(), (done, failure) -> OutboundClosed.INSTANCE);
    return conn;
  }

  private final TimerScheduler<Command> timers;
  private final InetSocketAddress remote;
  private final ActorRef<ChatRoom.Command> room;
  private final ServerSettings settings;
  private final Spool spool;
  private final Connection conn;
  private final Executor blockingIo;

  private Phase phase = Phase.AWAITING_JOIN;
  private String name;
  private ActorRef<Ack> pendingAck;
  private Upload upload;
  private int writesInFlight;
  private ActorRef<Ack> heldChunkAck;
  private final TokenBucket flood;
  private ActorRef<Ack> floodHeldAck;
  private boolean floodLogged;

  private Session(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      InetSocketAddress remote,
      ActorRef<ChatRoom.Command> room,
      ServerSettings settings,
      Spool spool,
      Connection conn) {
    super(context);
    this.timers = timers;
    this.remote = remote;
    this.room = room;
    this.settings = settings;
    this.spool = spool;
    this.conn = conn;
    this.flood = new TokenBucket(settings.policy().floodBurst(), settings.policy().floodRate(), System.nanoTime());
    timers.startSingleTimer(JoinTimedOut.INSTANCE, settings.policy().joinTimeout());
    this.blockingIo = context.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
    context.getLog().debug("Connection from {}", remote);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(StreamStarted.class, this::onStreamStarted)
        .onMessage(Received.class, this::onReceived)
        .onMessage(Registered.class, this::onRegistered)
        .onMessage(Rejected.class, this::onRejected)
        .onMessage(UserList.class, this::onUserList)
        .onMessage(ChunkWritten.class, this::onChunkWritten)
        .onMessage(FileStored.class, this::onFileStored)
        .onMessageEquals(Overflowed.INSTANCE, this::onOverflowed)
        .onMessage(Close.class, this::onClose)
        .onMessageEquals(InboundCompleted.INSTANCE, this::onConnectionEnded)
        .onMessage(InboundFailed.class, this::onInboundFailed)
        .onMessageEquals(OutboundClosed.INSTANCE, this::onOutboundClosed)
        .onMessageEquals(CloseTimedOut.INSTANCE, this::onCloseTimedOut)
        .onMessageEquals(JoinTimedOut.INSTANCE, this::onJoinTimedOut)
        .onMessageEquals(IdleTimedOut.INSTANCE, this::onIdleTimedOut)
        .onMessageEquals(FloodWaitOver.INSTANCE, this::onFloodWaitOver)
        .onMessage(UploadStalled.class, this::onUploadStalled)
        .onSignal(PostStop.class, signal -> onPostStop())
        .build();
  }

  // --- inbound frames -----------------------------------------------------------------------

  private Behavior<Command> onStreamStarted(StreamStarted started) {
    started.ackTo().tell(Ack.INSTANCE);
    return this;
  }

  private Behavior<Command> onReceived(Received received) {
    Message message = received.message();
    ActorRef<Ack> ackTo = received.ackTo();
    if (phase == Phase.CLOSING) {
      // Drain whatever is still arriving; the connection is on its way out.
      ackTo.tell(Ack.INSTANCE);
      return this;
    }
    if (phase == Phase.JOINED) {
      settings.policy().idleTimeout().ifPresent(idle -> timers.startSingleTimer(IdleTimedOut.INSTANCE, idle));
    }
    if (message instanceof Message.Malformed malformed) {
      return onMalformed(malformed.error(), ackTo);
    }
    if (message instanceof Message.FileOffer
        || message instanceof Message.FileChunk
        || message == Message.FileEnd.INSTANCE) {
      return onFilePart(message, ackTo);
    }
    if (phase == Phase.AWAITING_JOIN) {
      if (message instanceof Message.Join join) {
        return onJoin(join.payload(), ackTo);
      }
      send(Frames.error("Invalid JOIN message."));
    } else if (message instanceof Message.Text text) {
      onText(text.text());
    } else if (message instanceof Message.Join) {
      send(Frames.error("You have already joined as " + name + "."));
    } else {
      send(Frames.error("Unexpected frame from a client: " + message.getClass().getSimpleName().toUpperCase() + "."));
    }
    acknowledgeCounted(ackTo);
    return this;
  }

  /**
   * Acknowledges a message that counts towards flood control: at once while the user is within
   * the allowance, otherwise after the wait the {@link TokenBucket} gives. Until then nothing more
   * is read from this connection, so TCP pushes back on the flooder while everyone else's messages
   * go through the room as usual.
   */
  private void acknowledgeCounted(ActorRef<Ack> ackTo) {
    long waitNanos = flood.take(System.nanoTime());
    if (waitNanos == 0) {
      ackTo.tell(Ack.INSTANCE);
      return;
    }
    if (!floodLogged) {
      floodLogged = true;
      getContext().getLog().info("Flood control: slowing down {} to {} message(s) per second", nameOrAddress(), settings.policy().floodRate());
    }
    floodHeldAck = ackTo;
    timers.startSingleTimer(FloodWaitOver.INSTANCE, Duration.ofNanos(waitNanos));
  }

  private Behavior<Command> onFloodWaitOver() {
    if (floodHeldAck != null) {
      floodHeldAck.tell(Ack.INSTANCE);
      floodHeldAck = null;
    }
    return this;
  }

  private Behavior<Command> onMalformed(FramingError error, ActorRef<Ack> ackTo) {
    getContext().getLog().info("Malformed input from {} ({}): {}", remote, nameOrAddress(), error.message());
    send(Frames.error(error.message()));
    acknowledgeCounted(ackTo);
    if (error.fatal()) {
      beginClose();
    }
    return this;
  }

  private Behavior<Command> onJoin(String requested, ActorRef<Ack> ackTo) {
    // Each attempt restarts the clock: a user picking another name after a refusal gets the full
    // join-timeout to type it (flood control bounds how often a peer can try).
    timers.startSingleTimer(JoinTimedOut.INSTANCE, settings.policy().joinTimeout());
    String wanted = Names.normalize(requested);
    var problem = Names.problem(wanted, settings.maxNameLength());
    if (problem.isPresent()) {
      send(Frames.error(problem.get()));
      acknowledgeCounted(ackTo);
      return this;
    }
    // Hold the acknowledgement: nothing more is read from this client until the room answers.
    phase = Phase.JOINING;
    pendingAck = ackTo;
    room.tell(new ChatRoom.Register(wanted, getContext().getSelf(), conn.queue()));
    return this;
  }

  private Behavior<Command> onRegistered(Registered registered) {
    if (phase != Phase.JOINING) {
      return this;
    }
    phase = Phase.JOINED;
    name = registered.name();
    timers.cancel(JoinTimedOut.INSTANCE);
    settings.policy().idleTimeout().ifPresent(idle -> timers.startSingleTimer(IdleTimedOut.INSTANCE, idle));
    getContext().getLog().info("{} joined from {}", name, remote);
    // The room has already queued the welcome (see ChatRoom.onRegister).
    releasePendingAck();
    return this;
  }

  private Behavior<Command> onRejected(Rejected rejected) {
    if (phase != Phase.JOINING) {
      return this;
    }
    phase = Phase.AWAITING_JOIN;
    send(Frames.error(rejected.reason()));
    releasePendingAck();
    return this;
  }

  private void onText(String text) {
    if (text.startsWith("/")) {
      onCommand(text);
    } else {
      // As the contract says: every line that is not a command, even a blank one, is relayed.
      room.tell(new ChatRoom.Post(getContext().getSelf(), text));
    }
  }

  /** Commands match the whole line (surrounding white space aside), as the original server's do. */
  private void onCommand(String line) {
    switch (line.strip()) {
      case "/users" -> room.tell(new ChatRoom.ListUsers(getContext().getSelf()));
      case "/help" -> send(Frames.text(HELP));
      case "/quit" -> {
        send(Frames.command("/quit_ack"));
        beginClose();
      }
      default -> send(Frames.error("Unknown command. Type /help."));
    }
  }

  private Behavior<Command> onUserList(UserList list) {
    send(Frames.text("[Server] Online users: " + String.join(", ", list.names())));
    return this;
  }

  // --- file upload --------------------------------------------------------------------------

  private Behavior<Command> onFilePart(Message part, ActorRef<Ack> ackTo) {
    if (part instanceof Message.FileOffer offer) {
      upload = startUpload(offer);
      ackTo.tell(Ack.INSTANCE);
    } else if (part instanceof Message.FileChunk chunk) {
      if (upload == null || upload.discarding()) {
        ackTo.tell(Ack.INSTANCE);
      } else {
        upload.received += chunk.bytes().size();
        if (upload.relaying) {
          expectMoreOf(upload);
        }
        // Write-ahead: the next chunk is read from the network while this one is written, up to
        // WRITES_IN_FLIGHT chunks; then reading waits for the disk. Memory stays bounded.
        writesInFlight++;
        getContext()
            .pipeToSelf(upload.writer.write(chunk.bytes()), (done, failure) -> new ChunkWritten(failure));
        if (writesInFlight < WRITES_IN_FLIGHT) {
          ackTo.tell(Ack.INSTANCE);
        } else {
          heldChunkAck = ackTo;
        }
      }
    } else if (upload == null || upload.discarding()) {
      upload = null;
      ackTo.tell(Ack.INSTANCE);
    } else {
      // Every byte is in: recipients now wait for the disk only.
      timers.cancel(StallTimer.KEY);
      getContext().pipeToSelf(upload.writer.close(), (done, failure) -> new FileStored(ackTo, failure));
    }
    return this;
  }

  private Upload startUpload(Message.FileOffer offer) {
    if (phase != Phase.JOINED) {
      send(Frames.error("Invalid JOIN message."));
      return Upload.DISCARDING;
    }
    String fileName = SafeFileNames.baseName(offer.fileName());
    Spool.Reservation reservation = spool.reserve(offer.size());
    if (reservation.file() == null) {
      getContext().getLog().info("Refused file {} ({} bytes) from {}: {}", fileName, offer.size(), name, reservation.refusal());
      send(
          Frames.error(
              "Could not receive file " + fileName + " (" + Sizes.human(offer.size()) + "): "
                  + reservation.refusal() + ". It was not sent; try again later."));
      return Upload.DISCARDING;
    }
    SpoolFile file = reservation.file();
    return new Upload(fileName, file, ChunkWriter.open(file.path(), blockingIo), System.nanoTime());
  }

  private Behavior<Command> onChunkWritten(ChunkWritten written) {
    writesInFlight--;
    if (upload != null && !upload.discarding() && upload.writer != null) {
      if (written.failure() != null) {
        abandonUpload("the server could not store it", true);
        upload = Upload.DISCARDING;
      } else {
        upload.file.commitTo(upload.writer.written());
        if (!upload.relaying && restExpectedWithinLeadTime(upload)) {
          startRelay(upload);
        }
      }
    }
    if (heldChunkAck != null) {
      heldChunkAck.tell(Ack.INSTANCE);
      heldChunkAck = null;
    }
    return this;
  }

  /** Whether, at the rate the upload has arrived so far, the rest will be in within the lead time. */
  private boolean restExpectedWithinLeadTime(Upload u) {
    long arrived = u.file.committed();
    long elapsed = System.nanoTime() - u.startNanos;
    if (arrived <= 0 || elapsed <= 0) {
      return false;
    }
    double nanosLeft = (double) (u.file.size() - arrived) * elapsed / arrived;
    return nanosLeft <= settings.relayLeadTime().toNanos();
  }

  private void startRelay(Upload u) {
    u.relaying = true;
    room.tell(new ChatRoom.ShareFile(getContext().getSelf(), u.fileName, u.file));
    expectMoreOf(u);
  }

  /**
   * A recipient that gets to a file still arriving can receive nothing else until it is complete
   * (frames never interleave). So once relaying has started, the upload must keep arriving: if
   * none of it comes for {@code relay-lead-time}, it is given up, rather than let a sender that
   * stops part way hold everyone's chat for as long as it stays connected.
   */
  private void expectMoreOf(Upload u) {
    if (u.received < u.file.size()) {
      timers.startSingleTimer(StallTimer.KEY, new UploadStalled(u.file), settings.relayLeadTime());
    } else {
      timers.cancel(StallTimer.KEY); // all in: its end is right behind
    }
  }

  /** Gives up on a relayed upload that stalled: recipients get zeros and a notice. */
  private Behavior<Command> onUploadStalled(UploadStalled stalled) {
    if (upload != null && !upload.discarding() && upload.file == stalled.file()) {
      abandonUpload("it stalled while others were receiving it", true);
      upload = Upload.DISCARDING;
    }
    return this;
  }

  private Behavior<Command> onFileStored(FileStored stored) {
    Upload done = upload;
    upload = null;
    if (done != null && !done.discarding()) {
      if (stored.failure() != null) {
        upload = done;
        abandonUpload("the server could not store it", true);
        upload = null;
      } else {
        done.file.commitTo(done.writer.written());
        done.file.complete();
        if (!done.relaying) {
          startRelay(done);
        }
        done.file.releaseWriter();
      }
    }
    stored.ackTo().tell(Ack.INSTANCE);
    return this;
  }

  /**
   * Gives up on the current upload: readers are told (they complete the frame they may have begun
   * and the room follows it with a notice), and the spool file goes once nobody uses it.
   */
  private void abandonUpload(String why, boolean tellSender) {
    Upload u = upload;
    getContext().getLog().warn("File {} from {} abandoned after {} of {} bytes: {}", u.fileName, nameOrAddress(), u.file.committed(), u.file.size(), why);
    // The room first: once the file is failed, readers finish their frames with zeros and the
    // relay may end, and with it what the room needs to follow those frames with the notice.
    if (u.relaying) {
      room.tell(new ChatRoom.FileAborted(u.fileName, u.file, why));
    }
    u.file.fail();
    u.writer.close().whenComplete((done, failure) -> u.file.releaseWriter());
    if (!u.relaying) {
      u.file.releaseReaders();
    }
    if (tellSender) {
      send(Frames.error("Could not receive file " + u.fileName + ": " + why + ". It was not sent completely."));
    }
  }

  /** The connection ends with a file half received: nothing partial is relayed as if complete. */
  private void discardUnfinishedUpload() {
    if (upload != null && !upload.discarding()) {
      abandonUpload("the sender disconnected", false);
    }
    upload = null;
  }

  // --- closing ------------------------------------------------------------------------------

  private Behavior<Command> onJoinTimedOut() {
    if (phase == Phase.AWAITING_JOIN || phase == Phase.JOINING) {
      getContext().getLog().info("Disconnecting {}: no JOIN within {}", remote, settings.policy().joinTimeout());
      send(Frames.error("Disconnected: no JOIN within " + seconds(settings.policy().joinTimeout()) + "."));
      beginClose();
    }
    return this;
  }

  private Behavior<Command> onIdleTimedOut() {
    if (phase == Phase.JOINED) {
      Duration idle = settings.policy().idleTimeout().orElseThrow();
      getContext().getLog().info("Disconnecting {}: nothing received for {}", nameOrAddress(), idle);
      send(Frames.error("Disconnected: nothing received from you for " + seconds(idle) + "."));
      beginClose();
    }
    return this;
  }

  private static String seconds(Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + " s" : String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
  }

  private Behavior<Command> onOverflowed() {
    if (phase != Phase.CLOSING) {
      getContext().getLog().info("Disconnecting {}: outbound queue full (not reading)", nameOrAddress());
      send(Frames.error("Disconnected: too many messages waiting for you (connection too slow)."));
      beginClose();
    }
    return this;
  }

  private Behavior<Command> onClose(Close close) {
    if (phase != Phase.CLOSING) {
      send(Frames.text(close.notice()));
      beginClose();
    }
    return this;
  }

  /** Flush what is queued, then close; cut the connection if that takes too long. */
  private void beginClose() {
    phase = Phase.CLOSING;
    discardUnfinishedUpload();
    releasePendingAck();
    completeOutbound();
    timers.startSingleTimer(CloseTimedOut.INSTANCE, settings.closeTimeout());
  }

  /**
   * Completes the outbound queue, so that it flushes what it holds and then closes the socket.
   * The connection's outbound side may have ended already (the peer reset the connection while
   * input from it was still being handled); the queue then refuses to be completed with an
   * exception, and there is nothing left to flush: the end of the connection is on its way here.
   */
  private void completeOutbound() {
    try {
      conn.queue().complete();
    } catch (IllegalStateException alreadyEnded) {
      getContext().getLog().debug("Outbound side of {} had already ended", nameOrAddress());
    }
  }

  private Behavior<Command> onInboundFailed(InboundFailed failed) {
    getContext().getLog().debug("Connection of {} failed: {}", nameOrAddress(), failed.cause().toString());
    return onConnectionEnded();
  }

  private Behavior<Command> onConnectionEnded() {
    return Behaviors.stopped();
  }

  /**
   * The outbound side ended. While closing that is expected: its last frames are now being
   * flushed, and the socket's close ends the inbound side (or {@code close-timeout} fires).
   * Otherwise it failed (a file body could not be read): the connection cannot go on.
   */
  private Behavior<Command> onOutboundClosed() {
    return phase == Phase.CLOSING ? this : Behaviors.stopped();
  }

  private Behavior<Command> onCloseTimedOut() {
    getContext().getLog().info("Cutting off {}: it did not take its last frames within {}", nameOrAddress(), settings.closeTimeout());
    return Behaviors.stopped();
  }

  private Behavior<Command> onPostStop() {
    discardUnfinishedUpload();
    conn.killSwitch().abort(new SessionClosed());
    if (name != null) {
      getContext().getLog().info("{} disconnected", name);
    }
    return this;
  }

  // --- helpers ------------------------------------------------------------------------------

  private void send(Outbound frame) {
    if (phase == Phase.CLOSING && conn.queue().isCompleted()) {
      return;
    }
    // Dropped means full; any other refusal means the outbound side has ended (the peer is gone),
    // and the frame has nowhere to go.
    if (conn.queue().offer(frame) == QueueOfferResult.dropped() && phase != Phase.CLOSING) {
      getContext().getLog().info("Disconnecting {}: outbound queue full", nameOrAddress());
      beginClose();
    }
  }

  private void releasePendingAck() {
    if (pendingAck != null) {
      pendingAck.tell(Ack.INSTANCE);
      pendingAck = null;
    }
    if (floodHeldAck != null) {
      floodHeldAck.tell(Ack.INSTANCE);
      floodHeldAck = null;
    }
    if (heldChunkAck != null) {
      heldChunkAck.tell(Ack.INSTANCE);
      heldChunkAck = null;
    }
  }

  private String nameOrAddress() {
    return name != null ? name : remote.toString();
  }

  /** Why a session's stream was cut; not an error worth a stack trace. */
  static final class SessionClosed extends RuntimeException {
    SessionClosed() {
      super("session closed", null, false, false);
    }
  }
}
