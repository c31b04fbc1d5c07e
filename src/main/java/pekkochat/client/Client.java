package pekkochat.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.cert.CertificateException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.stream.typed.javadsl.ActorSink;
import pekkochat.Failures;
import pekkochat.chat.Nicks;
import pekkochat.config.ClientSettings;
import pekkochat.protocol.Frames;
import pekkochat.protocol.Message;
import pekkochat.protocol.Outbound;
import pekkochat.tls.ClientTls;

/**
 * The terminal client: one actor that owns the TCP connection's stream and the user's input
 * stream, both delivered with backpressure (a message is acknowledged once handled), so a huge
 * piped input or a large incoming file never piles up in memory.
 *
 * <p>It connects, sends JOIN, and counts as joined when the server's welcome TEXT arrives; an
 * ERROR before that means the name was refused, and an interactive user is asked for another
 * one. Once joined it asks whether the server speaks the extended protocol ({@link Negotiation});
 * the user's lines wait for the answer. A name the server would refuse ({@link Names}) is not
 * sent at all: an interactive user is asked for another (before connecting, for {@code -u}).
 * "Connected ... as NAME" is said once the server has accepted the name.
 *
 * <p>Its parts: {@link ServerConnection} (the TCP or TLS stream and what a failure to connect
 * means), {@link FileDesk} (a child actor: every file, both ways, and the progress line; the
 * client forwards it the server's file frames and the user's file commands), {@link ChatLines}
 * (what a line typed in the chat does), and the screen: {@link Screen} (conversations, the prompt, the status line; with an extended server
 * rooms and private conversations, with the original one unnamed conversation), fed by {@link
 * ChatView} and {@link Display}, over the {@link Console}, whose keys ({@link CtrlC}, switching)
 * arrive as {@link KeyPressed}, outside the stream of lines. This class is the state machine that ties them together: connecting,
 * joining, negotiating, chatting, quitting.
 */
public final class Client extends AbstractBehavior<Client.Command> {

  /** What the client handles; all of it is internal to the client. */
  public sealed interface Command {}

  enum Ack {
    INSTANCE
  }

  private record Connected(Tcp.OutgoingConnection connection) implements Command {}

  private record ConnectFailed(Throwable cause) implements Command {}

  /** With TLS: the handshake is done and the server's certificate was accepted. */
  private record Secured(String protocol) implements Command {}

  /** With TLS: the server's certificate was refused (not trusted, not for this host, expired). */
  private record CertificateRefused(CertificateException cause) implements Command {}

  private enum HandshakeTimedOut implements Command {
    INSTANCE
  }

  private record StreamStarted(ActorRef<Ack> ackTo) implements Command {}

  private record Received(Message message, ActorRef<Ack> ackTo) implements Command {}

  private enum ConnectionClosed implements Command {
    INSTANCE
  }

  private record ConnectionFailed(Throwable cause) implements Command {}

  private record InputStarted(ActorRef<Ack> ackTo) implements Command {}

  private record UserLine(String line, ActorRef<Ack> ackTo) implements Command {}

  private enum InputEnded implements Command {
    INSTANCE
  }

  private record Offered(ActorRef<Ack> ackTo) implements Command {}

  /** From {@link FileDesk}: a line for the user, unstamped ({@code error}: shown as an error). */
  record FileNotice(String line, boolean error) implements Command {}

  /** From {@link FileDesk}: a frame to send, in order with the user's lines; {@code ackTo} once queued. */
  record SendFrame(Outbound frame, ActorRef<Ack> ackTo) implements Command {}

  /** From {@link FileDesk}: the progress lines of the transfers going on (empty: none). */
  record FileProgress(List<String> lines) implements Command {}

  /** From {@link FileDesk}: how many files are being sent or received now (what Ctrl-C asks about). */
  record FilesInFlight(int count) implements Command {}

  /** From {@link FileDesk}: after Ctrl-C's cancel, how many transfers could not be stopped. */
  record TransfersLeft(int count) implements Command {}

  /**
   * Stop every file transfer in progress, both ways, as {@code /cancel} does (what Ctrl-C during a
   * transfer asks for, once confirmed). With the original server a file cannot be stopped
   * without disconnecting; the user is told so.
   */
  public enum CancelTransfers implements Command {
    INSTANCE
  }

  private enum QuitTimedOut implements Command {
    INSTANCE
  }

  /** A key that acts at once (Ctrl-C, switching conversations), from the console's thread. */
  private record KeyPressed(Console.Key key) implements Command {}

  /** Stops the client before it connected (a -u name the server would refuse, nobody to ask). */
  private record Stop(int exitCode) implements Command {}

  /** The server did not answer {@link Negotiation#REQUEST} in time. */
  private enum NegotiationTimedOut implements Command {
    INSTANCE
  }

  private enum Phase {
    CONNECTING,
    JOINING,
    AWAITING_NAME,
    CHATTING,
    QUITTING
  }

  private static final Duration QUIT_TIMEOUT = Duration.ofSeconds(5);
  /** How long the user's lines wait for the answer to {@link Negotiation#REQUEST} at most. */
  static final Duration NEGOTIATION_TIMEOUT = Duration.ofSeconds(3);

  /**
   * @param tls present to connect with TLS (the server's certificate is then verified, host name
   *     included, before anything is sent or shown as connected)
   * @param exitCode completed with the process exit code when the client stops: 0 after a normal
   *     quit, 1 when the server could not be reached (or not securely) or the connection was
   *     lost, 2 when the name was refused and nobody is there to pick another
   * @param transferring kept true while a file is being sent or received, so that the screen can
   *     ask before Ctrl-C quits (and send {@link CancelTransfers} instead)
   */
  public static Behavior<Command> create(
      ClientSettings settings,
      Optional<ClientTls> tls,
      InetSocketAddress server,
      String username,
      Console console,
      CompletableFuture<Integer> exitCode,
      AtomicBoolean transferring) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers -> new Client(context, timers, settings, tls, server, username, console, exitCode, transferring)));
  }

  private final AtomicBoolean transferring;

  private final TimerScheduler<Command> timers;
  private final ClientSettings settings;
  private final Optional<ClientTls> tls;
  private final InetSocketAddress server;
  private final Console console;
  private final CompletableFuture<Integer> exitCode;
  private final Materializer materializer;
  private final Display display;
  private final Negotiation negotiation = new Negotiation();
  private final ChatView view;
  private final Screen screen;
  /** Null until connecting (a refused -u name is asked for again first). */
  private SourceQueueWithComplete<Outbound> outbound;
  /** Files both ways; started with the connection. */
  private ActorRef<FileDesk.Command> files;
  /** Files being sent or received now, as {@link #files} last said. */
  private int filesInFlight;

  private Phase phase = Phase.CONNECTING;
  /** The TCP connection is up (with TLS, the handshake may still be going on). */
  private boolean tcpConnected;
  private String username;
  private UserLine heldLine;
  private String deferredText;
  private boolean inputEnded;
  private boolean inputStarted;
  /** How the connection was made ({@code " (TLSv1.3)"}), for the line that announces it. */
  private String connectedHow = "";
  private final CtrlC ctrlC = new CtrlC();
  private final ChatLines chatLines;

  private Client(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      ClientSettings settings,
      Optional<ClientTls> tls,
      InetSocketAddress server,
      String username,
      Console console,
      CompletableFuture<Integer> exitCode,
      AtomicBoolean transferring) {
    super(context);
    this.transferring = transferring;
    this.timers = timers;
    this.settings = settings;
    this.tls = tls;
    this.server = server;
    this.username = username;
    this.console = console;
    this.exitCode = exitCode;
    this.materializer = Materializer.matFromSystem(context.getSystem());
    this.display = new Display(Clock.systemDefaultZone(), settings.maxLinesPerMessage());
    this.view = new ChatView(display, username);
    this.screen = new Screen(console, display, view, settings.screen());
    this.chatLines = new ChatLines(screen, display, negotiation::extended, command -> files.tell(command), this::offer, this::quit);
    ActorRef<Command> self = context.getSelf();
    console.onKey(key -> self.tell(new KeyPressed(key)));
    Optional<String> badName = Names.nickProblem(username);
    if (badName.isEmpty()) {
      this.username = Nicks.normalize(username); // as the server will use it (NFC, stripped)
      view.me(this.username);
      this.outbound = connect();
    } else {
      // Nothing is sent with a name the server would refuse: ask for another, or stop.
      if (!console.interactive()) {
        screen.error(display.stamp(badName.get() + " Start again with another -u NAME."));
        self.tell(new Stop(2));
      } else {
        screen.error(display.stamp(badName.get()));
        askForName();
        startInput();
      }
    }
  }

  /** Connects; returns the queue for what the client sends, and starts {@link #files} on the connection. */
  private SourceQueueWithComplete<Outbound> connect() {
    ActorRef<Command> self = getContext().getSelf();
    Sink<Message, NotUsed> inbound =
        ActorSink.actorRefWithBackpressure(
            self,
            (ActorRef<Ack> ackTo, Message message) -> new Received(message, ackTo),
            StreamStarted::new,
            Ack.INSTANCE,
            ConnectionClosed.INSTANCE,
            ConnectionFailed::new);
    ServerConnection.Opened opened =
        ServerConnection.open(
            Tcp.get(getContext().getSystem()),
            materializer,
            settings,
            tls,
            server,
            inbound,
            protocol -> self.tell(new Secured(protocol)),
            refused -> self.tell(new CertificateRefused(refused)));
    getContext()
        .pipeToSelf(opened.connected(), (connection, failure) -> failure == null ? new Connected(connection) : new ConnectFailed(failure));
    // Display is immutable, so the child may stamp its last words (as it stops with this actor) itself.
    this.files =
        getContext().spawn(FileDesk.create(settings, opened.transfers(), self, transferring, line -> console.print(display.stamp(line))), "files");
    getContext().watch(files); // a failure there stops the client, as one here does
    return opened.outbound();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Connected.class, this::onConnected)
        .onMessage(ConnectFailed.class, failed -> onConnectFailed(failed.cause()))
        .onMessage(Secured.class, this::onSecured)
        .onMessage(CertificateRefused.class, refused -> onConnectFailed(refused.cause()))
        .onMessageEquals(HandshakeTimedOut.INSTANCE, this::onHandshakeTimedOut)
        .onMessage(StreamStarted.class, this::onStreamStarted)
        .onMessage(Received.class, this::onReceived)
        .onMessageEquals(ConnectionClosed.INSTANCE, () -> onConnectionEnded(null))
        .onMessage(ConnectionFailed.class, failed -> onConnectionEnded(failed.cause()))
        .onMessage(InputStarted.class, this::onInputStarted)
        .onMessage(UserLine.class, this::onUserLine)
        .onMessageEquals(InputEnded.INSTANCE, this::onInputEnded)
        .onMessage(Offered.class, this::onOffered)
        .onMessage(FileNotice.class, this::onFileNotice)
        .onMessage(SendFrame.class, send -> {
          offer(send.frame(), send.ackTo());
          return this;
        })
        .onMessage(FileProgress.class, progress -> {
          console.progress(progress.lines());
          return this;
        })
        .onMessage(FilesInFlight.class, count -> {
          filesInFlight = count.count();
          return this;
        })
        .onMessage(TransfersLeft.class, left -> {
          ctrlC.cancelled(left.count());
          return this;
        })
        .onMessageEquals(CancelTransfers.INSTANCE, this::onCancelTransfers)
        .onMessageEquals(QuitTimedOut.INSTANCE, () -> finish(0))
        .onMessageEquals(NegotiationTimedOut.INSTANCE, this::onNegotiationTimedOut)
        .onMessage(KeyPressed.class, pressed -> onKey(pressed.key()))
        .onMessage(Stop.class, stop -> finish(stop.exitCode()))
        .onSignal(PostStop.class, signal -> onPostStop())
        .build();
  }

  // --- connection ---------------------------------------------------------------------------

  private Behavior<Command> onConnected(Connected connected) {
    if (phase != Phase.CONNECTING) {
      return this;
    }
    tcpConnected = true;
    if (tls.isPresent()) {
      // Not connected for the user until the server has proved who it is.
      timers.startSingleTimer(HandshakeTimedOut.INSTANCE, settings.connectTimeout());
      return this;
    }
    return onReady("");
  }

  private Behavior<Command> onSecured(Secured secured) {
    if (phase != Phase.CONNECTING) {
      return this;
    }
    timers.cancel(HandshakeTimedOut.INSTANCE);
    tcpConnected = true;
    return onReady(" (" + secured.protocol() + ")");
  }

  private Behavior<Command> onReady(String how) {
    connectedHow = how;
    sendJoin(username);
    startInput();
    return this;
  }

  /** Announced once the server has accepted the name: its welcome follows. */
  private void announceConnected() {
    screen.notice(display.stamp("Connected to " + ServerConnection.describe(server) + connectedHow + " as " + Display.inline(username) + "."));
  }

  private Behavior<Command> onConnectFailed(Throwable cause) {
    if (phase != Phase.CONNECTING) {
      return this;
    }
    console.print(ServerConnection.failure(server, tls.isPresent(), tcpConnected, cause, settings.connectTimeout()));
    return finish(1);
  }

  private Behavior<Command> onHandshakeTimedOut() {
    if (phase != Phase.CONNECTING) {
      return this;
    }
    console.print(ServerConnection.handshakeTimedOut(server, settings.connectTimeout()));
    return finish(1);
  }

  private Behavior<Command> onStreamStarted(StreamStarted started) {
    started.ackTo().tell(Ack.INSTANCE);
    return this;
  }

  private Behavior<Command> onConnectionEnded(Throwable cause) {
    if (phase == Phase.CONNECTING) {
      return onConnectFailed(cause == null ? new IOException("connection closed") : cause);
    }
    if (phase == Phase.QUITTING) {
      return finish(0);
    }
    if (cause == null) {
      screen.error(display.stamp("The server closed the connection."));
    } else {
      screen.error(display.stamp("Connection to the server was lost (" + Failures.rootMessage(cause) + ")."));
    }
    return finish(1);
  }

  private void sendJoin(String name) {
    username = name;
    view.me(name);
    phase = Phase.JOINING;
    offer(Frames.join(name), null);
  }

  // --- frames from the server ---------------------------------------------------------------

  private Behavior<Command> onReceived(Received received) {
    Message message = received.message();
    ActorRef<Ack> ackTo = received.ackTo();
    if (message instanceof Message.Xfer
        || message instanceof Message.FileIncoming
        || message instanceof Message.FileChunk
        || message == Message.FileEnd.INSTANCE) {
      files.tell(new FileDesk.FromServer(message, view.activeRoom(), ackTo)); // acknowledged there
      return this;
    } else if (message instanceof Message.Command command && command.payload().equals("/quit_ack")) {
      return finish(0);
    } else {
      Negotiation.Outcome answer = negotiation.onMessage(message);
      if (phase == Phase.JOINING && message instanceof Message.Text) {
        announceConnected();
      }
      show(message, answer);
      if (message instanceof Message.Text text && Downloads.isIncompleteNotice(text.text())) {
        // Acknowledged there, once the copy it is about is deleted and the user told.
        files.tell(new FileDesk.IncompleteNotice(text.text(), ackTo));
        ackTo = getContext().getSystem().ignoreRef();
      }
      if (phase == Phase.JOINING && message instanceof Message.Text) {
        onJoined();
      } else if (phase == Phase.JOINING && message instanceof Message.Error) {
        return onNameRefused(ackTo);
      } else if (message instanceof Message.Malformed malformed && malformed.error().fatal()) {
        return finish(1);
      } else if (answer != Negotiation.Outcome.NOT_AN_ANSWER) {
        onNegotiated();
      }
    }
    ackTo.tell(Ack.INSTANCE);
    return this;
  }

  /** Prints a small frame from the server, unless it is the negotiation's business only. */
  private void show(Message message, Negotiation.Outcome answer) {
    if (answer == Negotiation.Outcome.REFUSED || message == Message.Ignored.INSTANCE) {
      return;
    }
    if (message instanceof Message.Event event) {
      screen.onEvent(event.event());
      return;
    }
    screen.fromServer(message);
  }

  /** Welcomed: chatting from now on, once the server has said which protocol it speaks. */
  private void onJoined() {
    phase = Phase.CHATTING;
    if (!settings.extendedProtocol()) {
      onNegotiated(); // never asked: the original protocol, as the original client speaks it
      return;
    }
    offer(Frames.text(negotiation.ask()), null);
    timers.startSingleTimer(NegotiationTimedOut.INSTANCE, NEGOTIATION_TIMEOUT);
  }

  private Behavior<Command> onNegotiationTimedOut() {
    if (negotiation.pending()) {
      negotiation.timedOut();
      onNegotiated();
    }
    return this;
  }

  /** The protocol is known (or the server did not answer in time): the user's lines may go. */
  private void onNegotiated() {
    timers.cancel(NegotiationTimedOut.INSTANCE);
    if (phase != Phase.CHATTING) {
      return;
    }
    if (negotiation.extended()) {
      screen.extended();
    }
    // The client prints the user's lines itself now, with time and name, as others see them.
    console.keepTypedLines(false);
    console.prompt(screen.prompt());
    if (deferredText != null) {
      chatLines.send(deferredText, null);
      deferredText = null;
    }
    UserLine held = heldLine;
    heldLine = null;
    if (held != null) {
      chatLines.onLine(held.line(), held.ackTo());
    }
    if (inputEnded && phase == Phase.CHATTING) {
      quit();
    }
  }

  private Behavior<Command> onNameRefused(ActorRef<Ack> ackTo) {
    ackTo.tell(Ack.INSTANCE);
    if (!console.interactive() || inputEnded) {
      screen.error(display.stamp("The server refused the name " + Display.inline(username) + "; start again with another -u NAME."));
      return finish(2);
    }
    askForName();
    UserLine held = heldLine;
    heldLine = null;
    if (held != null) {
      // Typed before the refusal was shown, so it was meant as chat: keep it for after the join.
      deferredText = held.line();
      held.ackTo().tell(Ack.INSTANCE);
    }
    return this;
  }

  private void askForName() {
    phase = Phase.AWAITING_NAME;
    screen.notice(display.stamp("Choose another name (or /quit):"));
    console.prompt("name> ");
  }

  // --- the user's input ---------------------------------------------------------------------

  private void startInput() {
    if (inputStarted) {
      return;
    }
    inputStarted = true;
    ActorRef<Command> self = getContext().getSelf();
    console
        .lines()
        .runWith(
            ActorSink.actorRefWithBackpressure(
                self,
                (ActorRef<Ack> ackTo, String line) -> new UserLine(line, ackTo),
                InputStarted::new,
                Ack.INSTANCE,
                InputEnded.INSTANCE,
                failure -> InputEnded.INSTANCE),
            materializer);
  }

  private Behavior<Command> onInputStarted(InputStarted started) {
    started.ackTo().tell(Ack.INSTANCE);
    return this;
  }

  private Behavior<Command> onUserLine(UserLine userLine) {
    if (ctrlC.asking()) {
      userLine.ackTo().tell(Ack.INSTANCE);
      return act(ctrlC.answered(userLine.line(), screen));
    }
    switch (phase) {
      case JOINING -> heldLine = userLine; // answered once the server has accepted or refused the name
      case AWAITING_NAME -> {
        String name = userLine.line().strip();
        if (name.equals("/quit")) {
          userLine.ackTo().tell(Ack.INSTANCE);
          return finish(0);
        }
        Optional<String> bad = Names.nickProblem(name);
        userLine.ackTo().tell(Ack.INSTANCE);
        if (bad.isPresent()) {
          screen.error(display.stamp(bad.get()));
          return this; // still asking; nothing was sent
        }
        console.prompt("> ");
        if (outbound == null) {
          username = Nicks.normalize(name);
          view.me(username);
          phase = Phase.CONNECTING;
          outbound = connect();
        } else {
          sendJoin(Nicks.normalize(name));
        }
      }
      case CHATTING -> {
        if (negotiation.pending()) {
          heldLine = userLine; // sent once the server has said which protocol it speaks
        } else {
          chatLines.onLine(userLine.line(), userLine.ackTo());
        }
      }
      default -> userLine.ackTo().tell(Ack.INSTANCE);
    }
    return this;
  }

  // --- keys ---------------------------------------------------------------------------------

  private Behavior<Command> onKey(Console.Key key) {
    if (key == Console.Interrupt.INSTANCE) {
      return onInterrupt();
    }
    if (phase == Phase.CHATTING) {
      chatLines.onSwitchKey(key);
    }
    return this;
  }

  /** Ctrl-C on an empty line ({@link CtrlC}); before the chat has started, it quits at once. */
  private Behavior<Command> onInterrupt() {
    if (phase == Phase.QUITTING) {
      return this;
    }
    if (phase != Phase.CHATTING) {
      return finish(0); // not in the chat yet: nothing to say goodbye to
    }
    return act(ctrlC.pressed(filesInFlight, screen));
  }

  private Behavior<Command> act(CtrlC.Action action) {
    switch (action) {
      case QUIT -> quit();
      case CANCEL -> files.tell(new FileDesk.CancelAll(negotiation.extended(), true)); // as /cancel does
      case NONE -> {
        // asked, or answered no
      }
    }
    return this;
  }

  private Behavior<Command> onInputEnded() {
    inputEnded = true;
    switch (phase) {
      case CHATTING -> {
        if (!negotiation.pending()) {
          quit(); // else once the answer is in and any held line is sent
        }
      }
      case AWAITING_NAME -> {
        return finish(0);
      }
      default -> {
        // JOINING: quit once the join is answered and any held line is sent.
      }
    }
    return this;
  }

  private void quit() {
    if (phase == Phase.QUITTING) {
      return;
    }
    phase = Phase.QUITTING;
    offer(Frames.text("/quit"), null);
    timers.startSingleTimer(QuitTimedOut.INSTANCE, QUIT_TIMEOUT);
  }

  /** Queues a frame; the user's line is acknowledged (the next one read) once it is queued. */
  private void offer(Outbound frame, ActorRef<Ack> ackTo) {
    CompletionStage<QueueOfferResult> offered = outbound.offer(frame);
    getContext().pipeToSelf(offered, (result, failure) -> new Offered(ackTo));
  }

  private Behavior<Command> onOffered(Offered offered) {
    if (offered.ackTo() != null) {
      offered.ackTo().tell(Ack.INSTANCE);
    }
    return this;
  }

  // --- files ---------------------------------------------------------------------------------

  private Behavior<Command> onFileNotice(FileNotice notice) {
    if (notice.error()) {
      screen.error(display.stamp(notice.line()));
    } else {
      screen.notice(display.stamp(notice.line()));
    }
    return this;
  }

  /** {@code /cancel} for every transfer ({@link ChatClient#cancelTransfers}). */
  private Behavior<Command> onCancelTransfers() {
    if (files == null) {
      screen.notice(display.stamp("No file is being sent or received.")); // not even connected
    } else {
      files.tell(new FileDesk.CancelAll(negotiation.extended(), false));
    }
    return this;
  }

  // --- stopping -----------------------------------------------------------------------------

  private Behavior<Command> finish(int code) {
    // No progress or status line is left behind on the terminal.
    console.progress(List.of());
    console.statusBar(org.jline.utils.AttributedString.EMPTY);
    exitCode.complete(code);
    return Behaviors.stopped();
  }

  private Behavior<Command> onPostStop() {
    // The FileDesk child has stopped already, deleting any partial file.
    if (outbound != null) {
      outbound.complete();
    }
    exitCode.complete(1);
    return this;
  }
}
