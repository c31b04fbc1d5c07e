package pekkochat.client;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import pekkochat.protocol.Frames;
import pekkochat.protocol.Message;

/**
 * The {@link Client} has sent JOIN and waits for the server's answer: its welcome TEXT (the
 * client is then {@link Chatting}) or an ERROR (the name was refused: an interactive user is
 * {@link ChoosingName}; otherwise the client stops, exit code 2). A line the user types meanwhile
 * waits for the answer.
 */
final class Joining extends Phase {

  private final String username;
  /** How the connection was made ({@code " (TLSv1.3)"}), for the line that announces it. */
  private final String connectedHow;
  /** A line typed before an earlier refusal was shown, meant as chat: sent once joined (or null). */
  private final String deferredText;
  /** The line typed while waiting, not yet acknowledged (or null). */
  private Client.UserLine heldLine;

  private Joining(ClientState state, String username, String connectedHow, String deferredText) {
    super(state);
    this.username = username;
    this.connectedHow = connectedHow;
    this.deferredText = deferredText;
  }

  /** Sends JOIN with {@code name} (as the server will use it). */
  static Behavior<Client.Command> join(ClientState state, String name, String connectedHow, String deferredText) {
    state.view.me(name);
    Behavior<Client.Command> joining = new Joining(state, name, connectedHow, deferredText);
    state.offer(Frames.join(name), null);
    return joining;
  }

  @Override
  Behavior<Client.Command> onFromServer(Message message, Negotiation.Outcome answer, ActorRef<Client.Ack> ackTo) {
    if (message instanceof Message.Text) {
      // Announced once the server has accepted the name: its welcome follows.
      state.notice("Connected to " + ServerConnection.describe(state.server) + connectedHow + " as " + Display.inline(username) + ".");
      ActorRef<Client.Ack> acknowledge = state.show(message, answer, ackTo);
      Behavior<Client.Command> chatting = Chatting.start(state, deferredText, heldLine);
      acknowledge.tell(Client.Ack.INSTANCE);
      return chatting;
    }
    if (message instanceof Message.Error) {
      state.show(message, answer, ackTo);
      return onNameRefused(ackTo);
    }
    return super.onFromServer(message, answer, ackTo);
  }

  private Behavior<Client.Command> onNameRefused(ActorRef<Client.Ack> ackTo) {
    ackTo.tell(Client.Ack.INSTANCE);
    if (!state.console.interactive() || state.inputEnded) {
      state.error("The server refused the name " + Display.inline(username) + "; start again with another -u NAME.");
      return state.finish(2);
    }
    Behavior<Client.Command> asking = ChoosingName.ask(state, connectedHow, heldLine == null ? deferredText : heldLine.line());
    if (heldLine != null) {
      // Typed before the refusal was shown, so it was meant as chat: kept for after the join.
      heldLine.ackTo().tell(Client.Ack.INSTANCE);
    }
    return asking;
  }

  @Override
  Behavior<Client.Command> onLine(Client.UserLine line) {
    heldLine = line; // answered once the server has accepted or refused the name
    return this;
  }
}
