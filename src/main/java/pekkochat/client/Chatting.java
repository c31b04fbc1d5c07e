package pekkochat.client;

import java.time.Duration;
import org.apache.pekko.actor.typed.Behavior;
import pekkochat.protocol.Frames;

/**
 * The {@link Client} has joined: it first asks whether the server speaks the extended protocol
 * ({@link Negotiation}; the user's lines wait for the answer, {@link #NEGOTIATION_TIMEOUT} at
 * most), then hands the user's lines to {@link ChatLines} and the keys that switch conversations
 * too. Ctrl-C asks first ({@link CtrlC}). {@code /quit}, a yes to Ctrl-C's question or the end
 * of the input says goodbye: the client is then {@link Quitting}. A lost connection to a server
 * that keeps history is made again ({@link Reconnecting}).
 */
final class Chatting extends Phase {

  /** How long the user's lines wait for the answer to {@link Negotiation#REQUEST} at most. */
  static final Duration NEGOTIATION_TIMEOUT = Duration.ofSeconds(3);

  /** A line typed before a refusal of the name was shown, meant as chat: sent once negotiated (or null). */
  private String deferredText;
  /** A line typed while the answer is awaited, not yet acknowledged (or null). */
  private Client.UserLine heldLine;

  private Chatting(ClientState state, String deferredText, Client.UserLine heldLine) {
    super(state);
    this.deferredText = deferredText;
    this.heldLine = heldLine;
  }

  /** Welcomed: chatting from now on, once the server has said which protocol it speaks. */
  static Behavior<Client.Command> start(ClientState state, String deferredText, Client.UserLine heldLine) {
    Chatting chatting = new Chatting(state, deferredText, heldLine);
    if (state.loginLine != null) {
      // run-client --login: before anything typed. It logs in to the -u name, taking it back if
      // a squatter has it (whatever name this client had to choose instead).
      state.offer(Frames.text(state.loginLine), null);
    }
    if (!state.settings.extendedProtocol()) {
      return chatting.onNegotiated(); // never asked: the original protocol, as the original client speaks it
    }
    state.offer(Frames.text(state.negotiation.ask()), null);
    state.timers.startSingleTimer(Client.NegotiationTimedOut.INSTANCE, NEGOTIATION_TIMEOUT);
    return chatting;
  }

  /**
   * Reconnected and resumed ({@link Reconnecting}): chatting again, the protocol known; {@code
   * quit}: {@code /quit} was typed meanwhile, said now that the pending lines are sent.
   */
  static Behavior<Client.Command> resumed(ClientState state, boolean quit) {
    Chatting chatting = new Chatting(state, null, null);
    Behavior<Client.Command> next = chatting.onNegotiated();
    return quit && next == chatting ? chatting.quit() : next;
  }

  /**
   * The connection ended: with a server that keeps history the client connects again by itself
   * ({@link Reconnecting}); otherwise that is the end, as before.
   */
  @Override
  Behavior<Client.Command> onConnectionEnded(Throwable cause) {
    if (state.superseded) {
      // Another connection took this session over with its resume token: coming back would only
      // fight it for the name.
      state.error("Another connection took this session over (/resume with its token); not reconnecting.");
      return state.finish(1);
    }
    if (state.resumable()) {
      return Reconnecting.start(state, cause);
    }
    return super.onConnectionEnded(cause);
  }

  /** The user's lines may go now (again, for an answer that came after the time-out). */
  @Override
  Behavior<Client.Command> onNegotiated() {
    state.timers.cancel(Client.NegotiationTimedOut.INSTANCE);
    if (state.negotiation.extended()) {
      state.screen.extended();
    }
    // The client prints the user's lines itself now, with time and name, as others see them.
    state.console.keepTypedLines(false);
    state.console.prompt(state.screen.prompt());
    if (deferredText != null) {
      state.chatLines.send(deferredText, null);
      deferredText = null;
    }
    Client.UserLine held = heldLine;
    heldLine = null;
    if (held != null && state.chatLines.onLine(held.line(), held.ackTo())) {
      return quit();
    }
    return state.inputEnded ? quit() : this;
  }

  @Override
  Behavior<Client.Command> onLine(Client.UserLine line) {
    if (state.negotiation.pending()) {
      heldLine = line; // sent once the server has said which protocol it speaks
      return this;
    }
    return state.chatLines.onLine(line.line(), line.ackTo()) ? quit() : this;
  }

  @Override
  void onSwitchKey(Console.Key key) {
    state.chatLines.onSwitchKey(key);
  }

  @Override
  Behavior<Client.Command> onInterrupt() {
    return act(state.ctrlC.pressed(state.filesInFlight, state.screen));
  }

  @Override
  Behavior<Client.Command> onInputEnded() {
    // While the answer is awaited: once it is in and any held line is sent.
    return state.negotiation.pending() ? this : quit();
  }

  @Override
  Behavior<Client.Command> quit() {
    return Quitting.sayGoodbye(state);
  }
}
