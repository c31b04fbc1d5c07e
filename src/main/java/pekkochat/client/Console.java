package pekkochat.client;

import java.util.List;
import java.util.function.Consumer;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.jline.reader.Completer;
import org.jline.utils.AttributedString;

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
  default void progress(List<String> lines) {}

  /** Changes the input prompt; ignored where there is none. */
  default void prompt(String prompt) {}

  /**
   * Whether a line the user has finished typing stays on screen after its prompt (the default),
   * or is erased because the client prints the user's lines itself, stamped and named as others
   * see them. Ignored where typed lines are not shown (piped input).
   */
  default void keepTypedLines(boolean keep) {}

  /**
   * A key that acts at once, outside the stream of lines (which may be waiting behind a line not
   * yet sent): Ctrl-C, and the keys that switch conversations.
   */
  sealed interface Key permits Interrupt, SwitchTo, Cycle {}

  /** Ctrl-C on an empty input line. */
  enum Interrupt implements Key {
    INSTANCE
  }

  /** Alt-1 .. Alt-9: the conversation of that number (1 is the first in the status line). */
  record SwitchTo(int number) implements Key {}

  /** Ctrl-N ({@code +1}) and Ctrl-P ({@code -1}): the next or previous conversation. */
  record Cycle(int step) implements Key {}

  /** Where {@link Key}s go (called on the console's own thread: tell an actor). Ignored without keys. */
  default void onKey(Consumer<Key> keys) {}

  /** Shows one styled line; where there is no terminal, as plain text (styles dropped). */
  default void print(AttributedString line) {
    print(line.toString());
  }

  /**
   * Whether the console can clear the screen and redraw it ({@link #redraw}): a real terminal.
   * Otherwise every line is printed as it comes.
   */
  default boolean canRedraw() {
    return false;
  }

  /** Clears the screen and shows {@code lines} (oldest first) above the prompt. */
  default void redraw(List<AttributedString> lines) {
    lines.forEach(this::print);
  }

  /** Whether styles reach a terminal that shows colour (false: plain text, or a dumb terminal). */
  default boolean colour() {
    return false;
  }

  /**
   * Shows the conversations and their unread counts on the status line, above any progress lines;
   * an empty string hides it. Ignored where there is no status line.
   */
  default void statusBar(AttributedString bar) {}

  /** Rings the terminal bell. Ignored where there is no terminal. */
  default void bell() {}

  /** What Tab completes the input line with. Ignored where nobody types. */
  default void completer(Completer completer) {}

  @Override
  default void close() {}
}
