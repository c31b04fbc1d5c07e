package pekkochat.client;

import java.util.Optional;
import org.apache.pekko.actor.typed.Behavior;
import pekkochat.chat.Nicks;

/**
 * The {@link Client} asks an interactive user for another name: the server refused the one it
 * was sent, or the server would refuse the {@code -u} name, which then was not sent (nor was the
 * client connected). The next line is the name ({@code /quit}: stop); one the server would refuse
 * ({@link Names}) is not sent, and the user is asked again. The end of the input stops the client.
 */
final class ChoosingName extends Phase {

  /** How the connection was made, if it was (for the line that announces it, once joined). */
  private final String connectedHow;
  /** A line typed before the refusal was shown, meant as chat: sent once joined (or null). */
  private final String deferredText;

  private ChoosingName(ClientState state, String connectedHow, String deferredText) {
    super(state);
    this.connectedHow = connectedHow;
    this.deferredText = deferredText;
  }

  /** Asks for a name. */
  static Behavior<Client.Command> ask(ClientState state, String connectedHow, String deferredText) {
    state.notice("Choose another name (or /quit):");
    state.console.prompt("name> ");
    return new ChoosingName(state, connectedHow, deferredText);
  }

  @Override
  Behavior<Client.Command> onLine(Client.UserLine line) {
    String name = line.line().strip();
    line.ackTo().tell(Client.Ack.INSTANCE);
    if (name.equals("/quit")) {
      return state.finish(0);
    }
    Optional<String> bad = Names.nickProblem(name);
    if (bad.isPresent()) {
      state.error(bad.get());
      return this; // still asking; nothing was sent
    }
    state.console.prompt("> ");
    String normalized = Nicks.normalize(name);
    if (state.connecting()) {
      return Joining.join(state, normalized, connectedHow, deferredText);
    }
    state.view.me(normalized);
    state.connect();
    return new Connecting(state, normalized);
  }

  @Override
  Behavior<Client.Command> onInputEnded() {
    return state.finish(0);
  }
}
