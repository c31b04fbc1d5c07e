package pekkochat.client;

import java.io.IOException;
import org.apache.pekko.actor.typed.Behavior;

/**
 * The {@link Client} connecting (the first phase, unless the {@code -u} name must be chosen
 * again): until the TCP connection is up and, with TLS, the server has proved who it is. Then
 * JOIN goes out, the user's input is read, and the client is {@link Joining}. A failure is said
 * in words for the user ({@link ServerConnection#failure}) and stops the client (exit code 1).
 */
final class Connecting extends Phase {

  /** The name to join with, as the server will use it. */
  private final String username;
  /** The TCP connection is up (with TLS, the handshake may still be going on). */
  private boolean tcpConnected;

  /** {@link ClientState#connect} has been called. */
  Connecting(ClientState state, String username) {
    super(state);
    this.username = username;
  }

  @Override
  Behavior<Client.Command> onConnected() {
    tcpConnected = true;
    if (state.tls.isPresent()) {
      // Not connected for the user until the server has proved who it is.
      state.timers.startSingleTimer(Client.HandshakeTimedOut.INSTANCE, state.settings.connectTimeout());
      return this;
    }
    return ready("");
  }

  @Override
  Behavior<Client.Command> onSecured(String protocol) {
    state.timers.cancel(Client.HandshakeTimedOut.INSTANCE);
    tcpConnected = true;
    return ready(" (" + protocol + ")");
  }

  /** Connected: {@code how} ({@code " (TLSv1.3)"}) is for the line that announces it, once joined. */
  private Behavior<Client.Command> ready(String how) {
    Behavior<Client.Command> joining = Joining.join(state, username, how, null);
    state.startInput();
    return joining;
  }

  @Override
  Behavior<Client.Command> onConnectFailed(Throwable cause) {
    state.console.print(ServerConnection.failure(state.server, state.tls.isPresent(), tcpConnected, cause, state.settings.connectTimeout()));
    return state.finish(1);
  }

  @Override
  Behavior<Client.Command> onHandshakeTimedOut() {
    state.console.print(ServerConnection.handshakeTimedOut(state.server, state.settings.connectTimeout()));
    return state.finish(1);
  }

  @Override
  Behavior<Client.Command> onConnectionEnded(Throwable cause) {
    return onConnectFailed(cause == null ? new IOException("connection closed") : cause);
  }
}
