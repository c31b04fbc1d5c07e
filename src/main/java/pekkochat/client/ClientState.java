package pekkochat.client;

import java.net.InetSocketAddress;
import java.time.Clock;
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
    this.chatLines = new ChatLines(screen, display, negotiation::extended, command -> files.tell(command), this::offer);
  }

  /** Whether {@link #connect} was called (a -u name the server would refuse is asked for again first). */
  boolean connecting() {
    return outbound != null;
  }

  /** Connects: the server's frames come as {@link Client.Received}; starts {@link #files} on the connection. */
  void connect() {
    ActorRef<Client.Command> self = context.getSelf();
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
    files = context.spawn(FileDesk.create(settings, opened.transfers(), self, transferring, line -> console.print(display.stamp(line))), "files");
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

  /** Queues a frame; {@code ackTo} (the user's line, or null) is told once it is queued, as {@link Client.Offered}. */
  void offer(Outbound frame, ActorRef<Client.Ack> ackTo) {
    CompletionStage<QueueOfferResult> offered = outbound.offer(frame);
    context.pipeToSelf(offered, (result, failure) -> new Client.Offered(ackTo));
  }

  void tellFiles(FileDesk.Command command) {
    files.tell(command);
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
        screen.onEvent(event.event());
      } else {
        screen.fromServer(message);
      }
    }
    if (message instanceof Message.Text text && Downloads.isIncompleteNotice(text.text())) {
      files.tell(new FileDesk.IncompleteNotice(text.text(), ackTo));
      return context.getSystem().ignoreRef();
    }
    return ackTo;
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
