package pekkochat.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import pekkochat.Failures;
import pekkochat.protocol.Frames;
import pekkochat.protocol.Message;

/**
 * The {@link Client}'s connection to a server that keeps history was lost (not after {@code
 * /quit}): it connects again by itself and resumes the conversation.
 *
 * <p>Each attempt waits first ({@link Backoff}: 0.5 s doubling to 30 s, with jitter), says so in
 * one line and in the status line, then connects, JOINs with the same name and negotiates with
 * {@code /extended 1 after #room=seq ...} (the last line seen of each room, {@link Outbox}), so
 * that the server replays exactly what was missed in the rooms JOIN puts the client in; the other
 * rooms are entered again with {@code /join #room after seq}, the room that was active last. Then
 * every room line not acknowledged is sent again with its id (the server stores an id once) and
 * the frames typed meanwhile follow, in order, and the client is {@link Chatting} again.
 *
 * <p>Instead of JOIN, an attempt first sends {@code /resume <token> <count>} with the token the
 * server gave the lost connection (EVENT RESUME) and the number of private events received on
 * it: the server then hands the name over even if it has not noticed yet that the old connection
 * is dead, and sends the private messages the old one was sent after those. A refused resume (the
 * old connection is gone already, or the server is another one) is followed by JOIN on the same
 * connection. A name the server still holds without a token is a failed attempt like any other:
 * the same name is tried again, never another. After {@code max-duration} the client gives up
 * (exit code 1).
 *
 * <p>Lines typed meanwhile are handled as in the chat; what they send waits in the {@link Outbox}
 * (shown as pending in the status line). {@code /quit} waits for the pending lines to be sent;
 * Ctrl-C quits at once. Files in flight were failed with the connection: no file resumes.
 */
final class Reconnecting extends Phase {

  private enum Step {
    /** The wait before the next attempt. */
    WAITING,
    /** Connecting (TCP, and the TLS handshake). */
    CONNECTING,
    /** JOIN sent; until the welcome or a refusal. */
    JOINING,
    /** {@code /extended 1 after ...} sent; until the answer. */
    NEGOTIATING,
    /** The attempt failed; until its connection's end. */
    CLOSING
  }

  private final Backoff backoff = new Backoff(state.settings.reconnect(), () -> ThreadLocalRandom.current().nextDouble());
  private final long lostAt = System.nanoTime();
  /** The rooms the client was in when the connection was lost, the active one last. */
  private final List<String> rooms;
  private int attempt;
  private Step step = Step.WAITING;
  /** Why the attempt under way failed, said when its connection has ended (null: not known yet). */
  private String failure;
  /** {@code /quit} was typed: quit once the pending lines are sent. */
  private boolean quitWhenResumed;

  private Reconnecting(ClientState state) {
    super(state);
    List<String> in = new ArrayList<>(state.screen.rooms());
    String active = state.view.activeRoom();
    in.stream().filter(r -> r.equalsIgnoreCase(active)).findFirst().ifPresent(r -> {
      in.remove(r);
      in.add(r);
    });
    this.rooms = List.copyOf(in);
  }

  /** The connection ended ({@code cause} null: closed by the server); the first attempt waits. */
  static Behavior<Client.Command> start(ClientState state, Throwable cause) {
    state.lose();
    Reconnecting reconnecting = new Reconnecting(state);
    return reconnecting.next(
        cause == null ? "The server closed the connection" : "Connection to the server was lost (" + Failures.rootMessage(cause) + ")");
  }

  /** Says why the last attempt ended ({@code why}) and waits before the next one, or gives up. */
  private Behavior<Client.Command> next(String why) {
    attempt++;
    Duration wait = backoff.before(attempt);
    Duration max = state.settings.reconnect().maxDuration();
    if (Duration.ofNanos(System.nanoTime() - lostAt).plus(wait).compareTo(max) > 0) {
      int pending = state.outbox.pending();
      state.error(why + "; not reconnected within " + Backoff.span(max) + " (pekko-chat.client.reconnect.max-duration), giving up"
          + (pending == 0 ? "." : "; " + pending + " pending " + (pending == 1 ? "line was" : "lines were") + " not sent."));
      return state.finish(1);
    }
    state.notice(why + "; reconnecting in " + Backoff.seconds(wait) + " (attempt " + attempt + ").");
    state.connectionStatus("reconnecting in " + Backoff.seconds(wait) + "... (attempt " + attempt + ")");
    step = Step.WAITING;
    failure = null;
    state.timers.startSingleTimer(Client.ReconnectNow.INSTANCE, wait);
    return this;
  }

  @Override
  Behavior<Client.Command> onReconnectNow() {
    if (step != Step.WAITING) {
      return this;
    }
    step = Step.CONNECTING;
    state.connectionStatus("reconnecting... (attempt " + attempt + ")");
    state.connect();
    return this;
  }

  @Override
  Behavior<Client.Command> onConnected() {
    if (step != Step.CONNECTING) {
      return this;
    }
    if (state.tls.isPresent()) {
      state.timers.startSingleTimer(Client.HandshakeTimedOut.INSTANCE, state.settings.connectTimeout());
      return this;
    }
    return join("");
  }

  @Override
  Behavior<Client.Command> onSecured(String protocol) {
    state.timers.cancel(Client.HandshakeTimedOut.INSTANCE);
    return step == Step.CONNECTING ? join(" (" + protocol + ")") : this;
  }

  private String connectedHow = "";

  /** Whether the attempt under way asked with {@code /resume} rather than JOIN. */
  private boolean resumingByToken;

  /**
   * Connected: {@code /resume} with the lost connection's token, which takes the name over even
   * while the server still holds it for the dead connection (and hands over the private messages
   * it missed); without a token, or once refused, JOIN with the name the client had.
   */
  private Behavior<Client.Command> join(String how) {
    connectedHow = how;
    step = Step.JOINING;
    String resume = state.outbox.resumeLine();
    resumingByToken = resume != null;
    state.send(resumingByToken ? Frames.text(resume) : Frames.join(state.view.me()), null);
    return this;
  }

  @Override
  Behavior<Client.Command> onConnectFailed(Throwable cause) {
    if (failure == null) {
      failure = "Could not reconnect (" + Failures.rootMessage(cause) + ")";
    }
    if (step == Step.CONNECTING) {
      step = Step.CLOSING; // the attempt's connection ends too, and then the next one waits
    }
    return this;
  }

  @Override
  Behavior<Client.Command> onHandshakeTimedOut() {
    if (step == Step.CONNECTING) {
      failure = "Could not reconnect (no TLS handshake within " + state.settings.connectTimeout().toSeconds() + " s)";
      step = Step.CLOSING;
      state.dropConnection();
    }
    return this;
  }

  @Override
  Behavior<Client.Command> onConnectionEnded(Throwable cause) {
    if (step == Step.WAITING) {
      return this; // the end of an attempt already given up on
    }
    state.timers.cancel(Client.NegotiationTimedOut.INSTANCE);
    state.timers.cancel(Client.HandshakeTimedOut.INSTANCE);
    String why = failure;
    if (why == null) {
      why = cause == null ? "Could not reconnect (the server closed the connection)" : "Could not reconnect (" + Failures.rootMessage(cause) + ")";
    }
    state.lose();
    return next(why);
  }

  @Override
  Behavior<Client.Command> onFromServer(Message message, Negotiation.Outcome answer, ActorRef<Client.Ack> ackTo) {
    if (step == Step.JOINING && message instanceof Message.Text) {
      // The server took the name again: its welcome.
      state.notice("Reconnected to " + ServerConnection.describe(state.server) + connectedHow + " as " + Display.inline(state.view.me()) + ".");
      ActorRef<Client.Ack> acknowledge = state.show(message, answer, ackTo);
      negotiate(); // first: what a resume hands over comes after HELLO, as events
      if (state.loginLine != null) {
        state.send(Frames.text(state.loginLine), null); // run-client --login: the account again
      }
      acknowledge.tell(Client.Ack.INSTANCE);
      return this;
    }
    if (step == Step.JOINING && message instanceof Message.Error && resumingByToken) {
      // The old connection is gone already (or the server is another): JOIN as usual.
      resumingByToken = false;
      state.outbox.resumeRefused();
      state.send(Frames.join(state.view.me()), null);
      return acknowledge(ackTo);
    }
    if (step == Step.JOINING && message instanceof Message.Error error) {
      // Most likely the server still holds the name for the dead connection: the same name
      // is asked for again later, never another one.
      String reason = Display.inline(error.reason()).strip();
      failure = "The server refused the name " + Display.inline(state.view.me()) + " ("
          + (reason.endsWith(".") ? reason.substring(0, reason.length() - 1) : reason) + "); it may still hold it for the lost connection";
      step = Step.CLOSING;
      state.dropConnection();
      return acknowledge(ackTo);
    }
    if (step != Step.NEGOTIATING) {
      return acknowledge(ackTo); // nothing of the chat comes before the welcome
    }
    if (answer == Negotiation.Outcome.NOT_AN_ANSWER
        && (message instanceof Message.Text || message instanceof Message.Join || message instanceof Message.Leave)) {
      // A room's line said after this JOIN but before the answer (the connection still speaks
      // the original protocol): it goes after the lines the answer replays.
      state.holdPlain(message);
      return acknowledge(ackTo);
    }
    return super.onFromServer(message, answer, ackTo);
  }

  /** Asks for the extended protocol again, with the last line seen of each room. */
  private void negotiate() {
    StringBuilder after = new StringBuilder();
    for (String room : rooms) {
      after.append(' ').append(room).append('=').append(state.outbox.lastSeq(room));
    }
    state.outbox.resuming(rooms);
    step = Step.NEGOTIATING;
    state.send(Frames.text(state.negotiation.ask(after.isEmpty() ? "" : " after" + after)), null);
    state.timers.startSingleTimer(Client.NegotiationTimedOut.INSTANCE, Chatting.NEGOTIATION_TIMEOUT);
  }

  /** The server answered (or did not in time): the rooms again, the pending lines, the chat. */
  @Override
  Behavior<Client.Command> onNegotiated() {
    state.timers.cancel(Client.NegotiationTimedOut.INSTANCE);
    if (step != Step.NEGOTIATING) {
      return this;
    }
    boolean post = state.negotiation.offers("post");
    if (state.negotiation.extended()) {
      String home = state.homeRoom;
      boolean homeKept = rooms.stream().anyMatch(r -> r.equalsIgnoreCase(home));
      for (String room : rooms) {
        if (!room.equalsIgnoreCase(home)) {
          state.send(Frames.text("/join " + room + " after " + state.outbox.lastSeq(room)), null);
        }
      }
      if (!home.isEmpty() && !homeKept) {
        state.send(Frames.text("/part " + home), null); // JOIN put the client back in a room it had left
      }
      if (rooms.size() > 1 && rooms.get(rooms.size() - 1).equalsIgnoreCase(home)) {
        state.send(Frames.text("/join " + home), null); // active again, as it was
      }
    }
    if (!post) {
      state.error("The server no longer acknowledges lines (no /post): lines not acknowledged are sent again as they are,"
          + " and may show twice.");
    }
    int pending = state.outbox.pending();
    if (pending > 0) {
      state.notice("Sending " + pending + " pending " + (pending == 1 ? "line." : "lines."));
    }
    state.resumed(post);
    return Chatting.resumed(state, quitWhenResumed);
  }

  @Override
  Behavior<Client.Command> onLine(Client.UserLine line) {
    if (state.chatLines.onLine(line.line(), line.ackTo())) {
      return quitOncePendingSent();
    }
    return this;
  }

  @Override
  void onSwitchKey(Console.Key key) {
    state.chatLines.onSwitchKey(key);
  }

  @Override
  Behavior<Client.Command> onInputEnded() {
    return quitOncePendingSent();
  }

  /** {@code /quit} or the end of the input: at once with nothing pending, otherwise once resumed. */
  private Behavior<Client.Command> quitOncePendingSent() {
    int pending = state.outbox.pending();
    if (pending == 0) {
      return state.finish(0);
    }
    if (!quitWhenResumed) {
      quitWhenResumed = true;
      state.notice("Quitting once reconnected and the " + pending + " pending " + (pending == 1 ? "line is" : "lines are")
          + " sent (Ctrl-C quits now).");
    }
    return this;
  }

  /** A yes to a Ctrl-C question asked before the connection was lost: quits at once, as Ctrl-C does here. */
  @Override
  Behavior<Client.Command> quit() {
    return onInterrupt();
  }

  @Override
  Behavior<Client.Command> onInterrupt() {
    int pending = state.outbox.pending();
    if (pending > 0) {
      state.error(pending + " pending " + (pending == 1 ? "line was" : "lines were") + " not sent.");
    }
    return state.finish(0);
  }
}
