package pekkochat.transport.tcp;

import java.time.Duration;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import pekkochat.chat.RoomEvent;
import pekkochat.chat.ToUser;
import pekkochat.files.Spool;
import pekkochat.files.SpoolFile;
import pekkochat.files.SpoolReader;
import pekkochat.protocol.Event;
import pekkochat.protocol.Frames;
import pekkochat.protocol.Outbound;
import pekkochat.protocol.Transfer;
import pekkochat.session.ClientPort;
import pekkochat.session.Session;

/**
 * A session's port onto one TCP connection: renders what the session hands it in the original
 * protocol or, once asked for, the extended one ({@link SeedEncoding}), and offers it to the
 * connection's bounded outbound queue, never blocking. The session is its only caller, so the
 * queue has one writer.
 *
 * <p>Files reach the connection as the room's {@code FileShared} event (or a private file) when
 * their upload <em>begins</em>, and each kind of connection takes them as early as it can:
 * <ul>
 *   <li>extended: the file is offered (XFER OFFERED) right there, in order with the chat around
 *       the event, and once accepted its DATA chunks follow the upload as it is committed to the
 *       spool, between chat frames, which never wait for them;
 *   <li>original: the file is acquired there, but its FILE frame, which nothing can pass, is
 *       queued only once the upload is near its end ({@code relay-lead-time}, see {@code Upload})
 *       or complete: then, behind whatever chat this connection was sent before that moment. An
 *       upload that fails first is let go of and never shown.
 * </ul>
 *
 * <p>The queue counts as full one element early, so the session still has room for the notice
 * that says why it closes.
 */
class TcpPort implements ClientPort {

  private final BoundedSourceQueue<Outbound> queue;
  private final int capacity;
  /** Most bytes of small frames waiting in the queue before the user counts as not reading. */
  private final long maxQueuedBytes;
  /** Bytes of small frames offered and not yet taken by the connection's stream. */
  private final java.util.concurrent.atomic.AtomicLong queuedBytes = new java.util.concurrent.atomic.AtomicLong();
  private final Spool spool;
  private final ActorRef<Session.Command> session;
  /** The default room's name as the room calls itself (its events carry exactly that). */
  private final String defaultRoom;
  private final int chunkSize;
  private final Duration stallTimeout;
  /** Files acquired for this connection whose frame has not finished: released if it never does. */
  private final Set<Delivery> deliveries = ConcurrentHashMap.newKeySet();
  /** Of those, the ones held back until their upload is near its end, by id ({@link #fileFrameReady}). */
  private final java.util.Map<Long, Delivery> waiting = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong nextDelivery = new java.util.concurrent.atomic.AtomicLong();
  /** Files offered and sent to this connection as chunked transfers (extended protocol). */
  private final TransferSender transfers;
  private volatile boolean extended;
  /** Set once the session sends its last frame, which then passes the byte budget. */
  private boolean closing;

  TcpPort(
      BoundedSourceQueue<Outbound> queue,
      int capacity,
      long maxQueuedBytes,
      Spool spool,
      ActorRef<Session.Command> session,
      String defaultRoom,
      int chunkSize,
      Duration stallTimeout,
      TransferSender transfers) {
    this.transfers = transfers;
    this.queue = queue;
    this.capacity = capacity;
    this.maxQueuedBytes = maxQueuedBytes;
    this.spool = spool;
    this.session = session;
    this.defaultRoom = defaultRoom;
    this.chunkSize = chunkSize;
    this.stallTimeout = stallTimeout;
  }

  @Override
  public boolean text(String text) {
    return offer(Frames.text(text));
  }

  @Override
  public boolean error(String reason) {
    return offer(Frames.error(reason));
  }

  @Override
  public boolean quitAck() {
    return offer(Frames.command("/quit_ack"));
  }

  @Override
  public boolean roomEvents(ToUser.RoomEvents batch, BitSet skip, boolean active) {
    SeedEncoding.View view = extended ? SeedEncoding.View.EXTENDED : active ? SeedEncoding.View.ACTIVE : SeedEncoding.View.OTHER;
    SeedEncoding.Encoded encoded =
        batch.derived(new SeedEncoding.Key(view, defaultRoom), b -> SeedEncoding.encode(b, view, defaultRoom));
    List<RoomEvent> events = batch.events();
    int from = 0;
    for (int i : encoded.files()) {
      if (events.get(i) instanceof RoomEvent.FileShared file && !skip.get(i)) {
        if (!offerBytes(encoded.slice(from, i, skip))) {
          return false;
        }
        from = i + 1;
        String sender = SeedEncoding.fileSender(file.from(), file.room(), active || extended);
        if (!offerFile(sender, file.from(), file.room(), file.fileId(), file.fileName())) {
          return false;
        }
      }
    }
    if (from == 0 && skip.isEmpty()) {
      return offerBytes(encoded.bytes()); // nearly always: the very bytes every member gets
    }
    return offerBytes(encoded.slice(from, events.size(), skip));
  }

  @Override
  public boolean history(ToUser.History history) {
    String room = history.room();
    long now = System.currentTimeMillis();
    if (extended) {
      if (!event(new Event(Event.Kind.HISTORY, room, 0, now, "", Integer.toString(history.lines().size()), "begin"))) {
        return false;
      }
      for (RoomEvent e : history.lines()) {
        if (!offerBytes(SeedEncoding.extended(e))) {
          return false;
        }
      }
      return event(new Event(Event.Kind.HISTORY, room, 0, now, "", history.more() ? "more" : "", "end"));
    }
    if (history.lines().isEmpty()) {
      return text("[Server] " + room + " has no history" + (history.more() ? " before that." : " yet."));
    }
    if (!text("[Server] History of " + room + ", " + history.lines().size() + " line" + (history.lines().size() == 1 ? "" : "s")
        + ", oldest first:")) {
      return false;
    }
    for (RoomEvent e : history.lines()) {
      if (!offerBytes(SeedEncoding.historyLine(e))) {
        return false;
      }
    }
    return text(history.more()
        ? "[Server] End of history. Older lines: /history " + room + " " + history.lines().size() + " before " + history.lines().get(0).seq()
        : "[Server] End of history of " + room + ".");
  }

  @Override
  public boolean privateHistory(ToUser.PrivateHistory history) {
    String peer = "@" + history.peer();
    long now = System.currentTimeMillis();
    if (extended) {
      if (!event(new Event(Event.Kind.HISTORY, peer, 0, now, "", Integer.toString(history.lines().size()), "begin"))) {
        return false;
      }
      for (pekkochat.chat.PrivateLine line : history.lines()) {
        if (!offerBytes(SeedEncoding.privateEvent(line))) {
          return false;
        }
      }
      return event(new Event(Event.Kind.HISTORY, peer, 0, now, "", history.more() ? "more" : "", "end"));
    }
    if (history.lines().isEmpty()) {
      return text("[Server] Your conversation with " + history.peer() + " has no history"
          + (history.more() ? " before that." : " yet."));
    }
    int n = history.lines().size();
    if (!text("[Server] Your conversation with " + history.peer() + ", " + n + " line" + (n == 1 ? "" : "s") + ", oldest first:")) {
      return false;
    }
    for (pekkochat.chat.PrivateLine line : history.lines()) {
      if (!offerBytes(SeedEncoding.privateHistoryLine(line))) {
        return false;
      }
    }
    return text(history.more()
        ? "[Server] End of history. Older lines: /history " + peer + " " + n + " before " + history.lines().get(0).seq()
        : "[Server] End of your conversation with " + history.peer() + ".");
  }

  @Override
  public boolean privateMessage(ToUser.PrivateMessage message, boolean echo) {
    ByteString frame = extended ? SeedEncoding.privateEvent(message) : SeedEncoding.privateMessage(message);
    return offerBytes(frame);
  }

  @Override
  public boolean privateFile(String from, String fileId, String fileName) {
    return offerFile(SeedEncoding.fileSender(from, null, false), from, "", fileId, fileName);
  }

  @Override
  public void named(String nick) {
    transfers.named(nick);
  }

  @Override
  public boolean transfer(Transfer transfer) {
    return extended && offerBytes(transfer.encodeFrame());
  }

  @Override
  public Optional<String> acceptTransfer(long id) {
    return transfers.accept(id);
  }

  @Override
  public Optional<String> declineTransfer(long id) {
    return transfers.decline(id);
  }

  @Override
  public Optional<String> cancelTransfer(long id) {
    return transfers.cancel(id);
  }

  @Override
  public boolean withdrawTransfer(long id, String outcome, String reason) {
    return !transfers.withdraw(id, outcome) || transfer(Transfer.cancel(id, reason));
  }

  @Override
  public void extend() {
    extended = true;
  }

  @Override
  public boolean extended() {
    return extended;
  }

  @Override
  public boolean event(Event event) {
    return extended && offerBytes(event.encodeFrame());
  }

  @Override
  public void closing() {
    closing = true;
  }

  @Override
  public void close() {
    try {
      queue.complete();
    } catch (IllegalStateException alreadyEnded) {
      // The connection's outbound side has ended (the peer reset it): nothing left to flush.
    }
  }

  @Override
  public void abort() {
    close();
    releaseDeliveries();
  }

  /** The connection's stream took {@code element} from the queue (see {@link TcpTransport}). */
  void taken(Outbound element) {
    if (element instanceof Outbound.Frame f) {
      queuedBytes.addAndGet(-f.encoded().size());
    }
  }

  /** The outbound side has ended: files it never got to are let go. */
  void releaseDeliveries() {
    transfers.releaseAll();
    for (Delivery d : deliveries) {
      d.finish(false);
    }
  }

  private boolean offerBytes(ByteString bytes) {
    return bytes.isEmpty() || offer(new Outbound.Frame(bytes));
  }

  private boolean offer(Outbound element) {
    long bytes = element instanceof Outbound.Frame f ? f.encoded().size() : 0;
    // Full by count or by bytes: a user that stops reading while asking for long replies (a
    // /rooms of thousands of rooms is megabytes) is cut off, not kept at the server's expense.
    if (queue.size() >= capacity || !closing && queuedBytes.get() + bytes > maxQueuedBytes && queue.size() > 0) {
      return false;
    }
    queuedBytes.addAndGet(bytes);
    QueueOfferResult result = queue.offer(element);
    // Anything but "dropped" means the outbound side has ended: the peer is gone, and its end
    // reaches the session through the inbound side.
    return result != QueueOfferResult.dropped();
  }

  /**
   * A relayed file: acquired from the file service now, so it stays while this connection gets to
   * it. An extended connection is offered it at once ({@link #offerTransfer}). An original one
   * gets it as one FILE frame, during which it can receive nothing else: the frame is queued now
   * if the upload is near enough its end ({@link SpoolFile#frameReady}), otherwise when it gets
   * there ({@link #fileFrameReady}, by way of the session), and never if it fails first.
   */
  private boolean offerFile(String senderField, String from, String room, String fileId, String fileName) {
    Optional<SpoolFile> acquired = spool.acquire(fileId);
    if (acquired.isEmpty()) {
      return true; // gone already (failed and released): nothing to send
    }
    SpoolFile file = acquired.get();
    if (extended) {
      return offerTransfer(file, from, room, fileName);
    }
    Delivery delivery = new Delivery(nextDelivery.incrementAndGet(), file, from, Frames.serverFilePrefix(senderField, fileName), fileName);
    deliveries.add(delivery);
    if (file.state() == SpoolFile.State.FAILED) {
      delivery.finish(false);
      return true;
    }
    if (file.frameReady()) {
      return queueFrame(delivery);
    }
    waiting.put(delivery.id, delivery);
    delivery.awaitFrameReady();
    return true;
  }

  /** The upload of a file this connection was holding back is near its end: its frame is queued now. */
  @Override
  public boolean fileFrameReady(long id) {
    Delivery delivery = waiting.remove(id);
    if (delivery == null || delivery.finished.get()) {
      return true; // failed meanwhile, or the connection has ended
    }
    return queueFrame(delivery);
  }

  /** Queues the FILE frame of {@code delivery}, decided when the connection gets to it, and its notice. */
  private boolean queueFrame(Delivery delivery) {
    SpoolFile file = delivery.file;
    Outbound element =
        new Outbound.Deferred(
            () -> {
              if (file.state() == SpoolFile.State.FAILED || delivery.finished.get()) {
                delivery.finish(false);
                return Optional.empty();
              }
              Source<ByteString, NotUsed> body =
                  SpoolReader.source(file, chunkSize, stallTimeout)
                      .watchTermination(
                          (mat, done) -> {
                            done.whenComplete((d, failure) -> delivery.finish(true));
                            return NotUsed.getInstance();
                          });
              delivery.started = true;
              return Optional.of(Frames.file(delivery.prefix, file.size(), body));
            });
    if (!offer(element)) {
      delivery.finish(false);
      return false;
    }
    // Right behind the frame, decided when the frame is done: if the upload failed while this
    // recipient was receiving it, the notice that its copy is incomplete. In the queue, not sent
    // later, so that it comes before anything the room said after the file (the sender's LEAVE).
    return offer(
        new Outbound.Deferred(
            () -> delivery.started && file.state() == SpoolFile.State.FAILED
                ? Optional.of(Frames.text(Session.incompleteNotice(delivery.from, delivery.fileName, file)))
                : Optional.empty()));
  }

  /**
   * An extended connection is offered the file (OFFERED, in order with its chat) and sent it as
   * DATA frames between its chat frames once it accepts ({@link TransferSender}).
   */
  private boolean offerTransfer(SpoolFile file, String from, String room, String fileName) {
    if (file.state() == SpoolFile.State.FAILED) {
      file.release();
      return true;
    }
    long id = transfers.offer(file, from, room, fileName, withdrawn -> session.tell(new Session.TransferWithdrawn(withdrawn, file.failure())));
    Optional<Transfer> offered = transfers.offered(id);
    if (offered.isEmpty()) {
      return true;
    }
    if (!offerBytes(offered.get().encodeFrame())) {
      transfers.withdraw(id, "left");
      return false;
    }
    session.tell(new Session.TransferOffered(id));
    return true;
  }

  /** One file on its way to this connection; finished exactly once. */
  private final class Delivery {
    final long id;
    final SpoolFile file;
    final String from;
    /** The start of the FILE frame's payload (sender field and name). */
    final String prefix;
    final String fileName;
    final AtomicBoolean finished = new AtomicBoolean();
    /** Set once the frame was begun: the recipient may then hold part of the file. */
    volatile boolean started;
    /** While held back: wakes the session when the frame may begin, or lets go if the upload fails. */
    private volatile Runnable listener;
    private final AtomicBoolean signalled = new AtomicBoolean();

    Delivery(long id, SpoolFile file, String from, String prefix, String fileName) {
      this.id = id;
      this.file = file;
      this.from = from;
      this.prefix = prefix;
      this.fileName = fileName;
    }

    /**
     * Watches the file (on the writer's thread, as it commits) until its frame may begin, then
     * tells the session once; a failure first lets the file go here and now.
     */
    void awaitFrameReady() {
      Runnable watch = () -> {
        if (file.state() == SpoolFile.State.FAILED) {
          if (waiting.remove(id) != null) {
            finish(false);
          }
        } else if (file.frameReady() && signalled.compareAndSet(false, true)) {
          file.removeListener(listener);
          session.tell(new Session.FileFrameReady(id));
        }
      };
      listener = watch;
      file.addListener(watch);
      watch.run(); // in case it got there before the listener was in place
    }

    /** {@code started}: the frame was begun, so the recipient may hold part of the file. */
    void finish(boolean started) {
      if (finished.compareAndSet(false, true)) {
        deliveries.remove(this);
        waiting.remove(id);
        Runnable l = listener;
        if (l != null) {
          file.removeListener(l);
        }
        file.release();
      }
    }
  }
}
