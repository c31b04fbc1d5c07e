package pekkochat.client;

import java.time.Duration;
import org.apache.pekko.actor.typed.Behavior;
import pekkochat.protocol.Frames;

/**
 * The {@link Client} has said {@code /quit} and waits, {@link #QUIT_TIMEOUT} at most, for the
 * server's answer or the end of the connection; either is a normal end (exit code 0). Ctrl-C does
 * nothing more.
 */
final class Quitting extends Phase {

  private static final Duration QUIT_TIMEOUT = Duration.ofSeconds(5);

  private Quitting(ClientState state) {
    super(state);
  }

  static Behavior<Client.Command> sayGoodbye(ClientState state) {
    state.offer(Frames.text("/quit"), null);
    state.timers.startSingleTimer(Client.QuitTimedOut.INSTANCE, QUIT_TIMEOUT);
    return new Quitting(state);
  }

  @Override
  Behavior<Client.Command> onConnectionEnded(Throwable cause) {
    return state.finish(0);
  }

  @Override
  Behavior<Client.Command> onInterrupt() {
    return this;
  }
}
