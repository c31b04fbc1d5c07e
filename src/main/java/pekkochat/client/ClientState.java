package pekkochat.client;

import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.stream.typed.javadsl.ActorSink;
import org.jline.utils.AttributedString;
import pekkochat.config.ClientSettings;
import pekkochat.protocol.Message;
import pekkochat.protocol.Outbound;
import pekkochat.tls.ClientTls;

/**
 * What the phases of the {@link Client} share, handed from one to the next: the client's parts
 * (the screen, the negotiation, Ctrl-C's question, the chat's lines), the connection once made
 * (the outbound queue, the {@link FileDesk}), and what outlives a phase (whether the user's input
 * has ended, how many files are in flight). What belongs to one phase only (a line held back, the
 * name being joined with) is that phase's own.
 *
 * <p>Not thread-safe: the phases are behaviours of the one client actor, which alone touches it.
 */
final class ClientState {

  final ActorContext<Client.Command> context;
  final TimerScheduler<Client.Command> timers;
  final ClientSettings settings;
  final Optional<ClientTls> tls;
  final InetSocketAddress server;
  final Console console;
  final Display display;
  final Negotiation negotiation = new Negotiation();
  final ChatView view;
  final Screen screen;
  final ChatLines chatLines;
  final CtrlC ctrlC = new CtrlC();
  /** run-client --login: the {@code /login} line sent right after the welcome (or null). Never printed. */
  final String loginLine;
  /** The server said another connection resumed this one: its end is not to be reconnected. */
  boolean superseded;
  /** Room lines not acknowledged, lines typed while disconnected, the last seq seen per room. */
  final Outbox outbox;
  private final CompletableFuture<Integer> exitCode;
  private final AtomicBoolean transferring;
  private final Materializer materializer;
  /** Null until connecting (a refused -u name is asked for again first). */
  private SourceQueueWithComplete<Outbound> outbound;
  /** Files both ways; started with the connection (null before). */
  private ActorRef<FileDesk.Command> files;
  /** Files being sent or received now, as {@link #files} last said. */
  int filesInFlight;
  /** The user's input has ended (piped input read to its end, or the terminal closed). */
  boolean inputEnded;
  private boolean inputStarted;
  /** Which connection this is (1 for the first); what {@link Client.Offered} refers to. */
  private int generation;
  /** Offers to {@link #outbound} not completed yet (the queue takes {@link #MAX_OFFERS} at once). */
  private int offersInFlight;
  /** Frames waiting for an offer to complete, in order. */
  private final ArrayDeque<Queued> backlog = new ArrayDeque<>();
  /**
   * Whether the user's frames go to the connection; false while {@link Reconnecting} (they wait
   * in {@link #outbox}).
   */
  private boolean online = true;
  /** What the status line says of the connection ({@code reconnecting in 2 s...}); empty: connected. */
  private String connectionStatus = "";
  /**
   * Room frames of the original protocol that came, on reconnecting, between the welcome and the
   * answer to the negotiation (said after the replay of the rooms JOIN put the client in, where
   * they belong); empty when none wait.
   */
  private final List<Message> heldPlain = new java.util.ArrayList<>();
  /** Between a HISTORY begin and its end. */
  private boolean inReplay;
  /** The first room the server put this client in (where JOIN puts it again); empty before. */
  String homeRoom = "";

  /** Most offers to the outbound queue at once (its {@code maxConcurrentOffers}). */
  private static final int MAX_OFFERS = 16;

  private record Queued(Outbound frame, ActorRef<Client.Ack> ackTo) {}

  ClientState(
      ActorContext<Client.Command> context,
      TimerScheduler<Client.Command> timers,
      ClientSettings settings,
      Optional<ClientTls> tls,
      InetSocketAddress server,
      String username,
      Console console,
      CompletableFuture<Integer> exitCode,
      AtomicBoolean transferring,
      Optional<String> loginPassword) {
    this.loginLine = loginPassword.map(password -> "/login " + username + " " + password).orElse(null);
    this.context = context;
    this.timers = timers;
    this.settings = settings;
    this.tls = tls;
    this.server = server;
    this.console = console;
    this.exitCode = exitCode;
    this.transferring = transferring;
    this.materializer = Materializer.matFromSystem(context.getSystem());
    this.display = new Display(Clock.systemDefaultZone(), settings.maxLinesPerMessage());
    this.view = new ChatView(display, username);
    this.screen = new Screen(console, display, view, settings.screen());
    this.outbox = new Outbox(settings.reconnect().maxPendingLines());
    this.chatLines =
        new ChatLines(screen, display, negotiation::extended, this::toFiles, this::offer, outbox, () -> negotiation.offers("post"));
  }

  /** Whether {@link #connect} was called (a -u name the server would refuse is asked for again first). */
  boolean connecting() {
    return outbound != null;
  }

  /** Connects: the server's frames come as {@link Client.Received}; starts {@link #files} on the connection. */
  void connect() {
    ActorRef<Client.Command> self = context.getSelf();
    generation++;
    offersInFlight = 0;
    Sink<Message, NotUsed> inbound =
        ActorSink.actorRefWithBackpressure(
            self,
            (ActorRef<Client.Ack> ackTo, Message message) -> new Client.Received(message, ackTo),
            Client.StreamStarted::new,
            Client.Ack.INSTANCE,
            Client.ConnectionClosed.INSTANCE,
            Client.ConnectionFailed::new);
    ServerConnection.Opened opened =
        ServerConnection.open(
            Tcp.get(context.getSystem()),
            materializer,
            settings,
            tls,
            server,
            inbound,
            protocol -> self.tell(new Client.Secured(protocol)),
            refused -> self.tell(new Client.CertificateRefused(refused)));
    context.pipeToSelf(
        opened.connected(), (connection, failure) -> failure == null ? new Client.Connected(connection) : new Client.ConnectFailed(failure));
    // Display is immutable, so the child may stamp its last words (as it stops with this actor) itself.
    files =
        context.spawn(
            FileDesk.create(settings, opened.transfers(), self, transferring, line -> console.print(display.stamp(line))),
            generation == 1 ? "files" : "files-" + generation);
    context.watch(files); // a failure there stops the client, as one here does
    outbound = opened.outbound();
  }

  /** Starts reading the user's lines (once): they come as {@link Client.UserLine}, one at a time. */
  void startInput() {
    if (inputStarted) {
      return;
    }
    inputStarted = true;
    console
        .lines()
        .runWith(
            ActorSink.actorRefWithBackpressure(
                context.getSelf(),
                (ActorRef<Client.Ack> ackTo, String line) -> new Client.UserLine(line, ackTo),
                Client.InputStarted::new,
                Client.Ack.INSTANCE,
                Client.InputEnded.INSTANCE,
                failure -> Client.InputEnded.INSTANCE),
            materializer);
  }

  /**
   * Queues a frame; {@code ackTo} (the user's line, or null) is told once it is queued, as {@link
   * Client.Offered}. While disconnected the frame waits in {@link #outbox} instead (or is refused,
   * with an error, when too many wait), and {@code ackTo} is told at once.
   */
  void offer(Outbound frame, ActorRef<Client.Ack> ackTo) {
    if (online) {
      send(frame, ackTo);
      return;
    }
    if (!outbox.queue(frame)) {
      error("Not connected, and " + outbox.maxQueued() + " lines wait already (pekko-chat.client.reconnect.max-pending-lines): this one was not kept.");
    }
    showStatus();
    if (ackTo != null) {
      ackTo.tell(Client.Ack.INSTANCE);
    }
  }

  /** Queues a frame on the connection as it is, connected for the user or not (JOIN, the negotiation). */
  void send(Outbound frame, ActorRef<Client.Ack> ackTo) {
    if (offersInFlight < MAX_OFFERS && backlog.isEmpty()) {
      offerNow(frame, ackTo);
    } else {
      backlog.addLast(new Queued(frame, ackTo)); // behind those waiting: the order stays
    }
  }

  private void offerNow(Outbound frame, ActorRef<Client.Ack> ackTo) {
    offersInFlight++;
    CompletionStage<QueueOfferResult> offered = outbound.offer(frame);
    int of = generation;
    context.pipeToSelf(offered, (result, failure) -> new Client.Offered(ackTo, of));
  }

  /** An offer on connection {@code of} completed: the next frames waiting may go. */
  void offered(int of) {
    if (of != generation) {
      return;
    }
    offersInFlight--;
    while (offersInFlight < MAX_OFFERS && !backlog.isEmpty()) {
      Queued next = backlog.removeFirst();
      offerNow(next.frame(), next.ackTo());
    }
  }

  void tellFiles(FileDesk.Command command) {
    files.tell(command);
  }

  /** A file command from the chat: to {@link #files}, or refused while disconnected. */
  private void toFiles(FileDesk.Command command) {
    if (online && files != null) {
      files.tell(command);
      return;
    }
    error("Not connected: files can be sent and received once the connection is made again.");
    if (command instanceof FileDesk.Send send) {
      send.ackTo().tell(Client.Ack.INSTANCE);
    } else if (command instanceof FileDesk.TransferCommand transfer) {
      transfer.ackTo().tell(Client.Ack.INSTANCE);
    }
  }

  /** Whether the session can be resumed after a lost connection (a server that keeps history). */
  boolean resumable() {
    return settings.reconnect().enabled() && negotiation.offers("history") && negotiation.offers("post");
  }

  /**
   * The connection is lost, and will be made again: the user's frames wait from now on, the
   * lines not acknowledged are pending, and files in flight are failed (no file resumes).
   */
  void lose() {
    online = false;
    outbox.lost();
    while (!backlog.isEmpty()) {
      ActorRef<Client.Ack> ackTo = backlog.removeFirst().ackTo();
      if (ackTo != null) {
        ackTo.tell(Client.Ack.INSTANCE); // its line is pending in the outbox if it was a post
      }
    }
    if (files != null) {
      if (filesInFlight > 0) {
        error(filesInFlight + (filesInFlight == 1 ? " file transfer was" : " file transfers were")
            + " stopped by the lost connection; send again once reconnected.");
      }
      context.unwatch(files);
      context.stop(files);
      files = null;
      filesInFlight = 0;
      transferring.set(false);
    }
  }

  /** Closes the connection from this end (a reconnect attempt given up on); its end follows. */
  void dropConnection() {
    if (outbound != null) {
      outbound.complete();
    }
  }

  /** Reconnected and resumed: the user's frames go to the connection again, those waiting first. */
  void resumed(boolean post) {
    online = true;
    if (!negotiation.extended()) {
      releasePlain(); // no replay is coming
    }
    List<Outbound> frames = post ? outbox.resend() : outbox.resendAsText();
    frames.forEach(frame -> send(frame, null));
    connectionStatus = "";
    showStatus();
  }

  /** What the status line says of the connection (empty: connected); shown with the lines pending. */
  void connectionStatus(String status) {
    connectionStatus = status;
    showStatus();
  }

  private void showStatus() {
    int pending = outbox.pending();
    String count = pending == 0 ? "" : pending + " pending";
    screen.status(connectionStatus.isEmpty() ? count : count.isEmpty() ? connectionStatus : connectionStatus + ", " + count);
  }

  /** {@code /cancel} for every transfer; {@code reportLeft}: tell how many could not be stopped (Ctrl-C). */
  void cancelTransfers(boolean reportLeft) {
    if (files == null) {
      notice("No file is being sent or received."); // not even connected
    } else {
      files.tell(new FileDesk.CancelAll(negotiation.extended(), reportLeft));
    }
  }

  /** A line for the user, stamped. */
  void notice(String line) {
    screen.notice(display.stamp(line));
  }

  /** An error for the user, stamped. */
  void error(String line) {
    screen.error(display.stamp(line));
  }

  /**
   * Prints a small frame from the server, unless it is the negotiation's business only; the
   * server's notice that a relayed file was cut off goes to {@link #files} too. Returns who is to
   * be acknowledged once the frame is handled: {@code ackTo}, or nobody when {@link FileDesk}
   * acknowledges it instead (once the copy it is about is deleted and the user told).
   */
  ActorRef<Client.Ack> show(Message message, Negotiation.Outcome answer, ActorRef<Client.Ack> ackTo) {
    if (answer != Negotiation.Outcome.REFUSED && message != Message.Ignored.INSTANCE) {
      if (message instanceof Message.Event event) {
        onEvent(event.event());
      } else {
        Optional<String> refusedLine =
            message instanceof Message.Error error ? outbox.refused(error.reason()) : Optional.empty();
        if (message instanceof Message.Error error && error.reason().equals(pekkochat.protocol.Event.RESUMED_ELSEWHERE)) {
          superseded = true;
        }
        if (refusedLine.isPresent()) {
          showStatus(); // one pending line fewer
          screen.fromServer(new Message.Error(refusedLine.get()));
        } else {
          screen.fromServer(message);
        }
      }
    }
    if (message instanceof Message.Text text && Downloads.isIncompleteNotice(text.text())) {
      files.tell(new FileDesk.IncompleteNotice(text.text(), ackTo));
      return context.getSystem().ignoreRef();
    }
    return ackTo;
  }

  /**
   * Events that leave room frames held on reconnecting ({@link #holdPlain}) held: they say nothing
   * of a room's order (the private messages a resume hands over come right after HELLO and
   * RESUME, before the rooms are entered).
   */
  private static final java.util.Set<pekkochat.protocol.Event.Kind> KEEP_PLAIN_HELD = java.util.EnumSet.of(
      pekkochat.protocol.Event.Kind.HELLO, pekkochat.protocol.Event.Kind.ENTERED, pekkochat.protocol.Event.Kind.STORED,
      pekkochat.protocol.Event.Kind.RESUME, pekkochat.protocol.Event.Kind.PRIVATE, pekkochat.protocol.Event.Kind.PRIVATE_ACTION);

  /**
   * Shows an event, unless it is a STORED of a line shown already or the user's own line replayed
   * on resume; notes the last seq of its room.
   */
  private void onEvent(pekkochat.protocol.Event e) {
    outbox.seen(e);
    boolean historyEnd = e.kind() == pekkochat.protocol.Event.Kind.HISTORY && !e.text().equals("begin");
    if (e.kind() == pekkochat.protocol.Event.Kind.HISTORY) {
      inReplay = !historyEnd;
    }
    boolean before = !heldPlain.isEmpty() && !inReplay && !historyEnd && !KEEP_PLAIN_HELD.contains(e.kind());
    if (before) {
      releasePlain(); // no replay came: they go before what the server says from now on
    }
    showEvent(e);
    if (historyEnd && !heldPlain.isEmpty()) {
      releasePlain(); // right after the lines replayed, before what came after them
    }
  }

  /**
   * Holds a room frame of the original protocol that came between the welcome and the answer to
   * the negotiation, on reconnecting: the room said it after the lines to be replayed, which come
   * after the answer; shown once they are.
   */
  void holdPlain(Message message) {
    heldPlain.add(message);
  }

  private void releasePlain() {
    List<Message> held = List.copyOf(heldPlain);
    heldPlain.clear();
    held.forEach(screen::fromServer);
  }

  private void showEvent(pekkochat.protocol.Event e) {
    if (e.kind() == pekkochat.protocol.Event.Kind.ENTERED && homeRoom.isEmpty()) {
      homeRoom = e.room();
    }
    if (e.kind() == pekkochat.protocol.Event.Kind.STORED) {
      Outbox.Stored stored = outbox.stored(e.to());
      if (stored != Outbox.Stored.NOT_OURS) {
        showStatus();
      }
      if (stored == Outbox.Stored.QUIET) {
        return;
      }
    }
    if (outbox.hidesOnResume(e, view.me()) || e.kind() == pekkochat.protocol.Event.Kind.RESUME) {
      return; // a RESUME is for the outbox alone (its token is nothing to show)
    }
    screen.onEvent(e);
  }

  /** Stops the client with {@code code}. */
  Behavior<Client.Command> finish(int code) {
    // No progress or status line is left behind on the terminal.
    console.progress(List.of());
    console.statusBar(AttributedString.EMPTY);
    exitCode.complete(code);
    return Behaviors.stopped();
  }

  /** The client has stopped (the FileDesk child already, deleting any partial file). */
  void stopped() {
    if (outbound != null) {
      outbound.complete();
    }
    exitCode.complete(1);
  }
}
