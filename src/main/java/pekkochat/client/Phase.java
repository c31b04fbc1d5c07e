package pekkochat.client;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.Receive;
import pekkochat.Failures;
import pekkochat.protocol.Message;

/**
 * A phase of the {@link Client}: the actor's behaviour while connecting, joining, choosing another
 * name, chatting or quitting. A phase moves on by returning the next one.
 *
 * <p>Every phase reads every {@link Client.Command}. What is the same in all of them is done here:
 * acknowledging the streams, queueing frames, what {@link FileDesk} says, the server's file frames
 * (to the desk) and its answer to {@code /quit}, stopping. What a message means depends on the
 * phase for the rest: for those this class has a method that does what most phases do, and a
 * phase overrides the ones it handles otherwise (a connection event outside {@link Connecting},
 * for instance, is ignored).
 */
abstract class Phase extends AbstractBehavior<Client.Command> {

  protected final ClientState state;

  Phase(ClientState state) {
    super(state.context);
    this.state = state;
  }

  @Override
  public final Receive<Client.Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Client.Connected.class, connected -> onConnected())
        .onMessage(Client.ConnectFailed.class, failed -> onConnectFailed(failed.cause()))
        .onMessage(Client.Secured.class, secured -> onSecured(secured.protocol()))
        .onMessage(Client.CertificateRefused.class, refused -> onConnectFailed(refused.cause()))
        .onMessageEquals(Client.HandshakeTimedOut.INSTANCE, this::onHandshakeTimedOut)
        .onMessage(Client.StreamStarted.class, started -> acknowledge(started.ackTo()))
        .onMessage(Client.Received.class, this::onReceived)
        .onMessageEquals(Client.ConnectionClosed.INSTANCE, () -> onConnectionEnded(null))
        .onMessage(Client.ConnectionFailed.class, failed -> onConnectionEnded(failed.cause()))
        .onMessage(Client.InputStarted.class, started -> acknowledge(started.ackTo()))
        .onMessage(Client.UserLine.class, this::onUserLine)
        .onMessageEquals(Client.InputEnded.INSTANCE, this::onInputEndedHere)
        .onMessage(Client.Offered.class, offered -> {
          state.offered(offered.generation());
          return offered.ackTo() == null ? this : acknowledge(offered.ackTo());
        })
        .onMessageEquals(Client.ReconnectNow.INSTANCE, this::onReconnectNow)
        .onMessage(Client.FileNotice.class, this::onFileNotice)
        .onMessage(Client.SendFrame.class, send -> {
          state.offer(send.frame(), send.ackTo());
          return this;
        })
        .onMessage(Client.FileProgress.class, progress -> {
          state.console.progress(progress.lines());
          return this;
        })
        .onMessage(Client.FilesInFlight.class, count -> {
          state.filesInFlight = count.count();
          return this;
        })
        .onMessage(Client.TransfersLeft.class, left -> {
          state.ctrlC.cancelled(left.count());
          return this;
        })
        .onMessageEquals(Client.CancelTransfers.INSTANCE, () -> {
          state.cancelTransfers(false); // ChatClient#cancelTransfers
          return this;
        })
        .onMessageEquals(Client.QuitTimedOut.INSTANCE, () -> state.finish(0))
        .onMessageEquals(Client.NegotiationTimedOut.INSTANCE, this::onNegotiationTimedOut)
        .onMessage(Client.KeyPressed.class, pressed -> onKey(pressed.key()))
        .onMessage(Client.Stop.class, stop -> state.finish(stop.exitCode()))
        .onSignal(PostStop.class, signal -> {
          state.stopped();
          return this;
        })
        .build();
  }

  // --- what a message means unless the phase says otherwise -------------------------------------

  /** The TCP connection is up; only while connecting does that matter. */
  Behavior<Client.Command> onConnected() {
    return this;
  }

  /** With TLS, the handshake is done. */
  Behavior<Client.Command> onSecured(String protocol) {
    return this;
  }

  /** The wait before connecting again is over: only {@link Reconnecting} waits. */
  Behavior<Client.Command> onReconnectNow() {
    return this;
  }

  /** The connection could not be made (or the server's certificate was refused). */
  Behavior<Client.Command> onConnectFailed(Throwable cause) {
    return this;
  }

  Behavior<Client.Command> onHandshakeTimedOut() {
    return this;
  }

  /** The server's stream ended ({@code cause} null: it closed the connection): the end. */
  Behavior<Client.Command> onConnectionEnded(Throwable cause) {
    if (cause == null) {
      state.error("The server closed the connection.");
    } else {
      state.error("Connection to the server was lost (" + Failures.rootMessage(cause) + ").");
    }
    return state.finish(1);
  }

  /**
   * A frame from the server that is neither about files nor the answer to {@code /quit}; {@code
   * answer} is what it means for the {@link Negotiation}, which has seen it. Shown; acknowledged
   * once handled.
   */
  Behavior<Client.Command> onFromServer(Message message, Negotiation.Outcome answer, ActorRef<Client.Ack> ackTo) {
    ActorRef<Client.Ack> acknowledge = state.show(message, answer, ackTo);
    if (message instanceof Message.Malformed malformed && malformed.error().fatal()) {
      return state.finish(1);
    }
    Behavior<Client.Command> next = answer == Negotiation.Outcome.NOT_AN_ANSWER ? this : onNegotiated();
    acknowledge.tell(Client.Ack.INSTANCE);
    return next;
  }

  /** The user typed a line (and no Ctrl-C question waits for it): dropped, in most phases. */
  Behavior<Client.Command> onLine(Client.UserLine line) {
    return acknowledge(line.ackTo());
  }

  /** The user's input has ended ({@link ClientState#inputEnded} says so already). */
  Behavior<Client.Command> onInputEnded() {
    return this;
  }

  /** Ctrl-C on an empty line; before the chat has started, it quits at once. */
  Behavior<Client.Command> onInterrupt() {
    return state.finish(0); // not in the chat yet: nothing to say goodbye to
  }

  /** Alt-digit, Ctrl-N, Ctrl-P: only in the chat. */
  void onSwitchKey(Console.Key key) {}

  /** The protocol is known (or the server did not answer in time). */
  Behavior<Client.Command> onNegotiated() {
    state.timers.cancel(Client.NegotiationTimedOut.INSTANCE);
    return this;
  }

  /** Says goodbye to the server: only the chat says it, only once. */
  Behavior<Client.Command> quit() {
    return this;
  }

  // --- the same in every phase -----------------------------------------------------------------

  final Behavior<Client.Command> acknowledge(ActorRef<Client.Ack> ackTo) {
    ackTo.tell(Client.Ack.INSTANCE);
    return this;
  }

  private Behavior<Client.Command> onReceived(Client.Received received) {
    Message message = received.message();
    if (message instanceof Message.Xfer
        || message instanceof Message.FileIncoming
        || message instanceof Message.FileChunk
        || message == Message.FileEnd.INSTANCE) {
      state.tellFiles(new FileDesk.FromServer(message, state.view.activeRoom(), received.ackTo())); // acknowledged there
      return this;
    }
    if (message instanceof Message.Command command && command.payload().equals("/quit_ack")) {
      return state.finish(0);
    }
    return onFromServer(message, state.negotiation.onMessage(message), received.ackTo());
  }

  private Behavior<Client.Command> onUserLine(Client.UserLine line) {
    if (!state.ctrlC.asking()) {
      return onLine(line);
    }
    line.ackTo().tell(Client.Ack.INSTANCE);
    return act(state.ctrlC.answered(line.line(), state.screen));
  }

  private Behavior<Client.Command> onInputEndedHere() {
    state.inputEnded = true;
    return onInputEnded();
  }

  private Behavior<Client.Command> onKey(Console.Key key) {
    if (key == Console.Interrupt.INSTANCE) {
      return onInterrupt();
    }
    onSwitchKey(key);
    return this;
  }

  /** What Ctrl-C's question was answered with ({@link CtrlC}). */
  final Behavior<Client.Command> act(CtrlC.Action action) {
    return switch (action) {
      case QUIT -> quit();
      case CANCEL -> {
        state.cancelTransfers(true); // as /cancel does
        yield this;
      }
      case NONE -> this; // asked, or answered no
    };
  }

  private Behavior<Client.Command> onNegotiationTimedOut() {
    if (!state.negotiation.pending()) {
      return this;
    }
    state.negotiation.timedOut();
    return onNegotiated();
  }

  private Behavior<Client.Command> onFileNotice(Client.FileNotice notice) {
    if (notice.error()) {
      state.error(notice.line());
    } else {
      state.notice(notice.line());
    }
    return this;
  }
}
