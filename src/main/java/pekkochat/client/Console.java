package pekkochat.client;

import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Where the user's lines come from and where the client's lines go: a terminal with line editing
 * ({@link TerminalConsole}), plain standard streams when input is piped ({@link PipedConsole}), or
 * an in-memory console in tests.
 */
public interface Console extends AutoCloseable {

  /** The user's input lines; completes at end of input. Materialized once. */
  Source<String, NotUsed> lines();

  /** Shows one line (it may contain newlines) without disturbing what the user is typing. */
  void print(String line);

  /** Whether a person is typing (prompts and questions make sense); false when input is piped. */
  boolean interactive();

  /**
   * Shows the state of transfers in progress (one line each) where the user can see it without it
   * scrolling the chat away: a status line at the bottom of a terminal. An empty list clears it.
   * Ignored where there is no such place (piped output gets a summary line when a transfer ends).
   */
  default void progress(java.util.List<String> lines) {}

  /** Changes the input prompt; ignored where there is none. */
  default void prompt(String prompt) {}

  /**
   * Whether a line the user has finished typing stays on screen after its prompt (the default),
   * or is erased because the client prints the user's lines itself, stamped and named as others
   * see them. Ignored where typed lines are not shown (piped input).
   */
  default void keepTypedLines(boolean keep) {}

  @Override
  default void close() {}
}
