package pekkochat.client;

import java.net.InetSocketAddress;
import java.security.cert.CertificateException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.javadsl.Tcp;
import pekkochat.chat.Nicks;
import pekkochat.config.ClientSettings;
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
 * (what a line typed in the chat does), and the screen: {@link Screen} (conversations, the
 * prompt, the status line; with an extended server rooms and private conversations, with the
 * original one unnamed conversation), fed by {@link ChatView} and {@link Display}, over the
 * {@link Console}, whose keys ({@link CtrlC}, switching) arrive as {@link KeyPressed}, outside the
 * stream of lines.
 *
 * <p>The actor's behaviour is its phase, each a class of its own that hands over to the next:
 * {@link Connecting} (TCP, and the TLS handshake), {@link Joining} (JOIN sent; until the welcome
 * or a refusal), {@link ChoosingName} (asking the user for another name), {@link Chatting}
 * (negotiating, then the user's lines), {@link Reconnecting} (the connection to a server that
 * keeps history was lost: connecting again with backoff, then resuming every room; the user's
 * lines are kept meanwhile, {@link Outbox}) and {@link Quitting} (goodbye said; until the
 * server's answer, the end of the connection or a time-out). What a message does in every phase alike is
 * in {@link Phase}; what the phases share (the parts above, the connection once made) is a {@link
 * ClientState}. This class is the protocol and the start.
 */
public final class Client {

  /** What the client handles; all of it is internal to the client. */
  public sealed interface Command {}

  enum Ack {
    INSTANCE
  }

  // Package-private rather than private: the phases (other classes) handle them.

  record Connected(Tcp.OutgoingConnection connection) implements Command {}

  record ConnectFailed(Throwable cause) implements Command {}

  /** With TLS: the handshake is done and the server's certificate was accepted. */
  record Secured(String protocol) implements Command {}

  /** With TLS: the server's certificate was refused (not trusted, not for this host, expired). */
  record CertificateRefused(CertificateException cause) implements Command {}

  enum HandshakeTimedOut implements Command {
    INSTANCE
  }

  record StreamStarted(ActorRef<Ack> ackTo) implements Command {}

  record Received(Message message, ActorRef<Ack> ackTo) implements Command {}

  enum ConnectionClosed implements Command {
    INSTANCE
  }

  record ConnectionFailed(Throwable cause) implements Command {}

  record InputStarted(ActorRef<Ack> ackTo) implements Command {}

  record UserLine(String line, ActorRef<Ack> ackTo) implements Command {}

  enum InputEnded implements Command {
    INSTANCE
  }

  /** A frame was queued on connection {@code generation} (or failed to); {@code ackTo} may be null. */
  record Offered(ActorRef<Ack> ackTo, int generation) implements Command {}

  /** {@link Reconnecting}: the wait before the next attempt is over. */
  enum ReconnectNow implements Command {
    INSTANCE
  }

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

  enum QuitTimedOut implements Command {
    INSTANCE
  }

  /** A key that acts at once (Ctrl-C, switching conversations), from the console's thread. */
  record KeyPressed(Console.Key key) implements Command {}

  /** Stops the client before it connected (a -u name the server would refuse, nobody to ask). */
  record Stop(int exitCode) implements Command {}

  /** The server did not answer {@link Negotiation#REQUEST} in time. */
  enum NegotiationTimedOut implements Command {
    INSTANCE
  }

  private Client() {}

  /**
   * @param tls present to connect with TLS (the server's certificate is then verified, host name
   *     included, before anything is sent or shown as connected)
   * @param exitCode completed with the process exit code when the client stops: 0 after a normal
   *     quit, 1 when the server could not be reached (or not securely) or the connection was
   *     lost (and not made again, {@link Reconnecting}), 2 when the name was refused and nobody is there to pick another
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
      AtomicBoolean transferring,
      Optional<String> loginPassword) {
    return Behaviors.setup(
        context ->
            Behaviors.withTimers(
                timers -> start(new ClientState(context, timers, settings, tls, server, username, console, exitCode, transferring, loginPassword), username)));
  }

  /** Connects with {@code username}, unless the server would refuse it. */
  private static Behavior<Command> start(ClientState state, String username) {
    ActorRef<Command> self = state.context.getSelf();
    state.console.onKey(key -> self.tell(new KeyPressed(key)));
    Optional<String> badName = Names.nickProblem(username);
    if (badName.isEmpty()) {
      String name = Nicks.normalize(username); // as the server will use it (NFC, stripped)
      state.view.me(name);
      state.connect();
      return new Connecting(state, name);
    }
    // Nothing is sent with a name the server would refuse: ask for another, or stop.
    if (!state.console.interactive()) {
      state.error(badName.get() + " Start again with another -u NAME.");
      self.tell(new Stop(2));
      return new Connecting(state, username); // not connecting: stopping, with nothing to close
    }
    state.error(badName.get());
    Behavior<Command> asking = ChoosingName.ask(state, "", null);
    state.startInput();
    return asking;
  }
}
