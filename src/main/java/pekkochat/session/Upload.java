package pekkochat.session;

import java.time.Duration;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.util.ByteString;
import pekkochat.files.ChunkWriter;
import pekkochat.files.SpoolFile;
import pekkochat.files.Sizes;

/**
 * One file arriving from the session's user, from its FILE header to its end: a child of the
 * session, which forwards it the frame's chunks with the acknowledgement the inbound stream waits
 * for. Each chunk is written to the spool file (up to {@link #WRITES_IN_FLIGHT} at once) and
 * acknowledged once it is in, so memory holds a few chunks whatever the file's size.
 *
 * <p>It announces the file to its recipients (room or user) as soon as it begins, because the
 * two kinds of recipient can start at different moments and each starts as early as it can:
 * <ul>
 *   <li>an <em>extended</em> recipient is offered it at once (XFER OFFERED) and, once it accepts,
 *       reads it from the spool as it is committed: its DATA chunks go between its chat frames,
 *       so the file cannot hold its chat back and there is no reason to wait. End to end, a file
 *       takes about as long as the slower of the upload and the download, not their sum;
 *   <li>an <em>original</em> recipient acquires it when the announcement reaches it, but its FILE
 *       frame begins only when this upload says {@link SpoolFile#markFrameReady} (its port waits
 *       for that): once the rest is expected within {@code relay-lead-time} at the rate it has
 *       arrived, or when it is complete. Such a recipient can receive nothing else until the
 *       frame ends, so a slow sender must not hold its connection.
 * </ul>
 * Guards keep one sender from hurting others:
 * <ul>
 *   <li>until the lead-time moment, the upload must average at least {@code upload-min-rate}
 *       over each {@code upload-rate-window}: a connection that announces 2 GiB and sends nothing
 *       holds that share of the spool, and keeps its extended recipients waiting for more, for a
 *       window or two, not for as long as it likes;
 *   <li>from the lead-time moment, original recipients receiving the file can receive nothing
 *       else, so the upload must keep arriving (nothing for {@code relay-lead-time} is a stall)
 *       and be complete within {@code relay-completion-timeout}: a sender trickling one byte a
 *       second cannot hold anyone's chat back for longer than that. These hold whoever the
 *       recipients are, as the announcement may reach both kinds.
 * </ul>
 * Either way the file fails: original recipients that began the frame complete it with zeros and
 * get a notice, those that did not get nothing; extended ones get CANCEL with the reason; the
 * sender an ERROR (or XFER DECLINE). The rest of the frame is then read and dropped. It tells the
 * session when FILE frames can begin ({@link Session.UploadRelayable}) and when it ends ({@link
 * Session.UploadEnded}).
 */
final class Upload extends AbstractBehavior<Upload.Command> {

  sealed interface Command {}

  /** A slice of the file, and whom to acknowledge it to once it is in. */
  record Chunk(ByteString bytes, ActorRef<Session.Ack> ackTo) implements Command {}

  /** The frame is complete. */
  record End(ActorRef<Session.Ack> ackTo) implements Command {}

  /** Give up: the connection is closing (the session drains the rest itself), or the sender cancelled. */
  enum Abandon implements Command {
    INSTANCE,
    CANCELLED
  }

  /** The {@code transferId} of an upload that came as a FILE frame rather than XFER frames. */
  static final long FILE_FRAME = -1;

  private record Written(Throwable failure) implements Command {}

  private record Stored(ActorRef<Session.Ack> ackTo, Throwable failure) implements Command {}

  private enum RateCheck implements Command {
    INSTANCE
  }

  private enum RelayDeadline implements Command {
    INSTANCE
  }

  private enum Stalled implements Command {
    INSTANCE
  }

  /** Upload chunks being written to the spool at once (each up to one TCP read, ~128 KiB). */
  static final int WRITES_IN_FLIGHT = 8;

  /**
   * Tells the chat core that a file can be relayed (to the sender's room, or to one user). Called by
   * the upload itself, not by its session, so that a file announced as its sender disconnects is
   * still counted by the file service, and let go.
   */
  @FunctionalInterface
  interface Announcement {
    void announce(SpoolFile file, String fileName);
  }

  /** The guards' settings. */
  record Limits(
      Duration relayLeadTime,
      Duration relayCompletionTimeout,
      long minRateBytesPerSecond,
      Duration rateWindow,
      Duration announceHold) {}

  static Behavior<Command> create(
      long transferId, String fileName, SpoolFile file, ActorRef<Session.Command> session, Announcement announcement, Limits limits) {
    return Behaviors.setup(
        context -> Behaviors.withTimers(timers -> new Upload(context, timers, transferId, fileName, file, session, announcement, limits)));
  }

  private final long transferId;

  private final TimerScheduler<Command> timers;
  private final String fileName;
  private final SpoolFile file;
  private final ActorRef<Session.Command> session;
  private final Announcement announcement;
  private final Limits limits;
  private final ChunkWriter writer;
  private final long startNanos = System.nanoTime();
  private long received;
  private long receivedAtLastCheck;
  private int writesInFlight;
  private ActorRef<Session.Ack> heldAck;
  /** Set at the lead-time moment (or when complete): FILE frames may begin, the relay guards run. */
  private boolean frameReady;
  /** Set once the upload has failed or been given up: what still arrives is dropped. */
  private boolean discarding;
  private boolean ended;

  private Upload(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      long transferId,
      String fileName,
      SpoolFile file,
      ActorRef<Session.Command> session,
      Announcement announcement,
      Limits limits) {
    super(context);
    this.timers = timers;
    this.transferId = transferId;
    this.fileName = fileName;
    this.file = file;
    this.session = session;
    this.announcement = announcement;
    this.limits = limits;
    Executor blockingIo = context.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
    this.writer = ChunkWriter.open(file.path(), blockingIo);
    announce();
    timers.startTimerWithFixedDelay(RateCheck.INSTANCE, limits.rateWindow());
    if (file.size() == 0) {
      openToFrames();
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Chunk.class, this::onChunk)
        .onMessage(Written.class, this::onWritten)
        .onMessage(End.class, this::onEnd)
        .onMessage(Stored.class, this::onStored)
        .onMessageEquals(RateCheck.INSTANCE, this::onRateCheck)
        .onMessageEquals(RelayDeadline.INSTANCE, this::onRelayDeadline)
        .onMessageEquals(Stalled.INSTANCE, this::onRelayDeadline)
        .onMessageEquals(Abandon.INSTANCE, () -> {
          fail("the sender disconnected", false);
          return Behaviors.stopped();
        })
        .onMessageEquals(Abandon.CANCELLED, () -> {
          fail("the sender cancelled it", false);
          return Behaviors.stopped();
        })
        .onSignal(PostStop.class, s -> {
          fail("the sender disconnected", false);
          return this;
        })
        .build();
  }

  private Behavior<Command> onChunk(Chunk chunk) {
    if (discarding) {
      chunk.ackTo().tell(Session.Ack.INSTANCE);
      return this;
    }
    received += chunk.bytes().size();
    if (received > file.size()) {
      // Only XFER DATA can overrun: a FILE frame's length is the file's.
      fail("more bytes came than the " + file.size() + " offered", true);
      chunk.ackTo().tell(Session.Ack.INSTANCE);
      return this;
    }
    if (frameReady) {
      expectMore();
    }
    // Write-ahead: the next chunk is read from the network while this one is written, up to
    // WRITES_IN_FLIGHT chunks; then reading waits for the disk. Memory stays bounded.
    writesInFlight++;
    getContext().pipeToSelf(writer.write(chunk.bytes()), (done, failure) -> new Written(failure));
    if (writesInFlight < WRITES_IN_FLIGHT) {
      chunk.ackTo().tell(Session.Ack.INSTANCE);
    } else {
      heldAck = chunk.ackTo();
    }
    return this;
  }

  private Behavior<Command> onWritten(Written written) {
    writesInFlight--;
    if (!discarding) {
      if (written.failure() != null) {
        fail("the server could not store it", true);
      } else {
        file.commitTo(writer.written());
        if (!frameReady && restExpectedWithinLeadTime()) {
          openToFrames();
        }
      }
    }
    releaseHeldAck();
    return this;
  }

  private Behavior<Command> onEnd(End end) {
    if (discarding) {
      end.ackTo().tell(Session.Ack.INSTANCE);
      return Behaviors.stopped();
    }
    if (received < file.size()) {
      fail("it ended after " + received + " of the " + file.size() + " bytes offered", true);
      end.ackTo().tell(Session.Ack.INSTANCE);
      return Behaviors.stopped();
    }
    // Every byte is in: recipients now wait for the disk only.
    timers.cancel(RelayDeadline.INSTANCE);
    timers.cancel(Stalled.INSTANCE);
    timers.cancel(RateCheck.INSTANCE);
    getContext().pipeToSelf(writer.close(), (done, failure) -> new Stored(end.ackTo(), failure));
    return this;
  }

  private Behavior<Command> onStored(Stored stored) {
    if (!discarding) {
      if (stored.failure() != null) {
        fail("the server could not store it", true);
      } else {
        file.commitTo(writer.written());
        file.complete();
        if (!frameReady) {
          openToFrames();
        }
        ended = true;
        file.releaseWriter();
        session.tell(new Session.UploadEnded(transferId, fileName, null, true));
      }
    }
    stored.ackTo().tell(Session.Ack.INSTANCE);
    return Behaviors.stopped();
  }

  private Behavior<Command> onRateCheck() {
    if (frameReady || discarding) {
      timers.cancel(RateCheck.INSTANCE);
      return this;
    }
    long window = limits.rateWindow().toMillis();
    long minimum = limits.minRateBytesPerSecond() * window / 1000;
    if (received - receivedAtLastCheck < minimum) {
      fail("it arrived too slowly (under " + Sizes.human(limits.minRateBytesPerSecond()) + "/s)", true);
    }
    receivedAtLastCheck = received;
    return this;
  }

  private Behavior<Command> onRelayDeadline() {
    if (!discarding) {
      fail("it stalled while others were receiving it", true);
    }
    return this;
  }

  /** Whether, at the rate the upload has arrived so far, the rest will be in within the lead time. */
  private boolean restExpectedWithinLeadTime() {
    long arrived = file.committed();
    long elapsed = System.nanoTime() - startNanos;
    if (arrived <= 0 || elapsed <= 0) {
      return false;
    }
    double nanosLeft = (double) (file.size() - arrived) * elapsed / arrived;
    return nanosLeft <= limits.relayLeadTime().toNanos();
  }

  /**
   * Tells the recipients of the file at once: extended ones are offered it and may read it as it
   * arrives; original ones take hold of it and wait for {@link #openToFrames}.
   */
  private void announce() {
    announcement.announce(file, fileName);
    // The announcement's recipients normally release the share hold themselves, by count (see
    // SpoolFile.expectReaders); this is the fallback, on the system's scheduler so that it holds
    // even once this actor and its session are gone.
    getContext().getSystem().scheduler().scheduleOnce(limits.announceHold(), file::releaseShareHold, getContext().getExecutionContext());
  }

  /**
   * The lead-time moment (or the end): FILE frames to original recipients may begin, and from now
   * on the upload must keep arriving and be done within the completion timeout.
   */
  private void openToFrames() {
    frameReady = true;
    file.markFrameReady();
    session.tell(new Session.UploadRelayable(fileName, file));
    if (received < file.size()) {
      timers.startSingleTimer(RelayDeadline.INSTANCE, limits.relayCompletionTimeout());
      expectMore();
    }
  }

  /** Once FILE frames may run, nothing arriving for the lead time is a stall too (a sender that stopped). */
  private void expectMore() {
    if (received < file.size()) {
      timers.startSingleTimer(Stalled.INSTANCE, limits.relayLeadTime());
    } else {
      timers.cancel(Stalled.INSTANCE);
    }
  }

  /**
   * Gives up on the upload: readers are told (they complete the frame they may have begun and
   * follow it with a notice), and the spool file goes once nobody uses it.
   */
  private void fail(String why, boolean tellSender) {
    if (discarding || ended) {
      return;
    }
    discarding = true;
    ended = true;
    timers.cancel(RelayDeadline.INSTANCE);
    timers.cancel(Stalled.INSTANCE);
    timers.cancel(RateCheck.INSTANCE);
    getContext().getLog().info("File {} abandoned after {} of {} bytes: {}", fileName, file.committed(), file.size(), why);
    file.fail(why);
    writer.close().whenComplete((done, failure) -> file.releaseWriter());
    // Nobody needs the share hold of a failed file: a recipient the announcement reaches from now
    // on finds it failed or already gone, and either way has nothing to receive.
    file.releaseShareHold();
    session.tell(new Session.UploadEnded(transferId, fileName, tellSender ? why : null, false));
    releaseHeldAck();
  }

  private void releaseHeldAck() {
    if (heldAck != null) {
      heldAck.tell(Session.Ack.INSTANCE);
      heldAck = null;
    }
  }
}
