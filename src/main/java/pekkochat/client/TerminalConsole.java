package pekkochat.client;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.jline.keymap.KeyMap;
import org.jline.reader.Completer;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.Reference;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.LineReaderImpl;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.AttributedString;
import org.jline.utils.InfoCmp;
import org.jline.utils.Status;

/**
 * A terminal with JLine line editing, history and Tab completion. Incoming lines are printed
 * above the prompt, so a message arriving while the user types never garbles the half-typed line;
 * the status line at the bottom shows the conversations and any file transfers.
 *
 * <p>Keys: Ctrl-D on an empty line ends the input ({@code /quit}); Ctrl-C clears a half-typed
 * line, and on an empty one is passed to the client ({@link Console.Interrupt}), which asks before
 * it quits or cancels transfers; Alt-1..Alt-9, Ctrl-N and Ctrl-P switch conversations. A shutdown
 * hook and {@link #close} put the terminal back as it was: no status line left behind, and the
 * shell's prompt on a line of its own.
 */
public final class TerminalConsole implements Console {

  private static final String SWITCH_WIDGET = "pekko-chat-switch-";
  private static final String NEXT_WIDGET = "pekko-chat-next";
  private static final String PREVIOUS_WIDGET = "pekko-chat-previous";
  private static final String ERASE_WIDGET = "pekko-chat-erase";

  private final Terminal terminal;
  private final LineReader reader;
  private final boolean colour;
  private volatile String prompt = "> ";
  private volatile Consumer<Key> keys = key -> {};
  private volatile Completer completer = (r, line, candidates) -> {};
  private final Object statusLock = new Object();
  private AttributedString bar = AttributedString.EMPTY;
  private List<String> progress = List.of();
  private volatile boolean closed;
  private final Thread restoreOnExit = new Thread(this::restore, "terminal-restore");

  /** The lines not kept in the reader's history, as JLine's {@code HISTORY_IGNORE} takes them. */
  static final String HISTORY_IGNORE = "(?i)\\\\s{0,}/(login|register|password)\\\\b*";

  /**
   * A console on {@code terminal} (the system's, or a virtual one in tests). The terminal is
   * closed with the console.
   */
  public TerminalConsole(Terminal terminal) {
    this.terminal = terminal;
    this.colour = !Terminal.TYPE_DUMB.equals(terminal.getType()) && !Terminal.TYPE_DUMB_COLOR.equals(terminal.getType())
        && terminal.getNumericCapability(InfoCmp.Capability.max_colors) != null
        && terminal.getNumericCapability(InfoCmp.Capability.max_colors) >= 8;
    this.reader =
        LineReaderBuilder.builder()
            .terminal(terminal)
            .appName("pekko-chat")
            .parser(new ChatParser())
            .completer((r, line, candidates) -> completer.complete(r, line, candidates))
            // "!" is punctuation in chat, not a history event to expand.
            .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)
            // A typed password is not kept for the up arrow (JLine's history is in memory only):
            // /login, /register and /password lines, in any case. JLine makes the pattern a regex
            // ("*" is ".*", "\\x" is x), so this is (?i)\s{0,}/(login|register|password)\b.*
            .variable(LineReader.HISTORY_IGNORE, HISTORY_IGNORE)
            .option(LineReader.Option.CASE_INSENSITIVE, true)
            .build();
    bindKeys();
    // Ctrl-C while no line is being read (the line before is waiting to be sent) is a key too,
    // not the end of the process with the status line left on the screen.
    terminal.handle(Terminal.Signal.INT, signal -> keys.accept(Interrupt.INSTANCE));
    Runtime.getRuntime().addShutdownHook(restoreOnExit);
  }

  /** The system's terminal. */
  public static TerminalConsole open() throws IOException {
    return new TerminalConsole(TerminalBuilder.builder().system(true).build());
  }

  private void bindKeys() {
    // The prompt may change between reading its field and the reader starting (the line just
    // typed made the server switch rooms): the reader takes the latest one once it is reading,
    // when a change also redraws it (see prompt()).
    reader.getWidgets().put(LineReader.CALLBACK_INIT, () -> {
      ((LineReaderImpl) reader).setPrompt(escapePrompt(prompt));
      return true;
    });
    reader.getWidgets().put(ERASE_WIDGET, () -> {
      ((LineReaderImpl) reader).setPrompt("");
      reader.getBuffer().clear();
      reader.callWidget(LineReader.REDRAW_LINE);
      reader.callWidget(LineReader.REDISPLAY);
      return true;
    });
    KeyMap<org.jline.reader.Binding> main = reader.getKeyMaps().get(LineReader.MAIN);
    for (int n = 1; n <= 9; n++) {
      int number = n;
      reader.getWidgets().put(SWITCH_WIDGET + n, () -> {
        keys.accept(new SwitchTo(number));
        return true;
      });
      main.bind(new Reference(SWITCH_WIDGET + n), KeyMap.alt((char) ('0' + n)));
    }
    reader.getWidgets().put(NEXT_WIDGET, () -> {
      keys.accept(new Cycle(1));
      return true;
    });
    reader.getWidgets().put(PREVIOUS_WIDGET, () -> {
      keys.accept(new Cycle(-1));
      return true;
    });
    main.bind(new Reference(NEXT_WIDGET), KeyMap.ctrl('N'));
    main.bind(new Reference(PREVIOUS_WIDGET), KeyMap.ctrl('P'));
  }

  @Override
  public Source<String, NotUsed> lines() {
    return InputLines.readOnOwnThread("terminal-reader", this::readLine);
  }

  private Optional<String> readLine() {
    while (!closed) {
      try {
        return Optional.of(reader.readLine(escapePrompt(prompt)));
      } catch (UserInterruptException e) {
        // Ctrl-C: a half-typed line is dropped (as in a shell); on an empty line, the client decides.
        if (e.getPartialLine() == null || e.getPartialLine().isEmpty()) {
          keys.accept(Interrupt.INSTANCE);
        }
      } catch (EndOfFileException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  @Override
  public void onKey(Consumer<Key> handler) {
    keys = handler;
  }

  @Override
  public void completer(Completer c) {
    completer = c;
  }

  @Override
  public void print(String line) {
    reader.printAbove(line);
  }

  @Override
  public void print(AttributedString line) {
    reader.printAbove(line);
  }

  @Override
  public boolean canRedraw() {
    return !Terminal.TYPE_DUMB.equals(terminal.getType()) && !Terminal.TYPE_DUMB_COLOR.equals(terminal.getType());
  }

  @Override
  public void redraw(List<AttributedString> lines) {
    if (reader.isReading()) {
      try {
        reader.callWidget(LineReader.CLEAR_SCREEN);
      } catch (IllegalStateException notReadingAnyMore) {
        clearScreen();
      }
    } else {
      clearScreen();
    }
    synchronized (statusLock) {
      drawStatus(true);
    }
    if (!lines.isEmpty()) {
      reader.printAbove(AttributedString.join(new AttributedString("\n"), lines));
    }
  }

  private void clearScreen() {
    terminal.puts(InfoCmp.Capability.clear_screen);
    terminal.flush();
  }

  @Override
  public boolean colour() {
    return colour;
  }

  @Override
  public void bell() {
    if (!terminal.puts(InfoCmp.Capability.bell)) {
      terminal.writer().write('\u0007');
    }
    terminal.flush();
  }

  @Override
  public void statusBar(AttributedString newBar) {
    synchronized (statusLock) {
      if (newBar.equals(bar)) {
        return;
      }
      bar = newBar;
      drawStatus(false);
    }
  }

  @Override
  public void progress(List<String> lines) {
    synchronized (statusLock) {
      progress = List.copyOf(lines);
      drawStatus(false);
    }
  }

  /** The status line as text, as last drawn: the conversations, then the transfers. */
  public List<String> statusLines() {
    synchronized (statusLock) {
      List<String> lines = new ArrayList<>();
      if (bar.length() > 0) {
        lines.add(bar.toString());
      }
      lines.addAll(progress);
      return lines;
    }
  }

  /** Draws the status line: the conversations, then one line per transfer. Under statusLock. */
  private void drawStatus(boolean afterClear) {
    if (closed) {
      return;
    }
    try {
      Status status = Status.getStatus(terminal, true);
      if (status == null) {
        return;
      }
      if (afterClear) {
        status.reset();
      }
      List<AttributedString> shown = new ArrayList<>();
      // One screen line each: a line that wrapped would push the status area up the screen.
      int width = Math.max(1, terminal.getWidth() - 1);
      if (bar.length() > 0) {
        shown.add(bar.columnSubSequence(0, width));
      }
      progress.forEach(l -> shown.add(new AttributedString(l).columnSubSequence(0, width)));
      status.update(shown);
    } catch (RuntimeException e) {
      // A terminal without a status area shows no status; the summary still comes at the end.
    }
  }

  @Override
  public boolean interactive() {
    return true;
  }

  /** JLine expands {@code %} sequences in a prompt; a room or name may contain {@code %}. */
  private static String escapePrompt(String prompt) {
    return prompt.replace("%", "%%");
  }

  @Override
  public void keepTypedLines(boolean keep) {
    reader.option(LineReader.Option.ERASE_LINE_ON_FINISH, !keep);
  }

  @Override
  public void prompt(String newPrompt) {
    if (newPrompt.equals(prompt)) {
      return;
    }
    this.prompt = newPrompt;
    if (reader instanceof LineReaderImpl impl && reader.isReading()) {
      try {
        impl.setPrompt(escapePrompt(newPrompt));
        reader.callWidget(LineReader.REDRAW_LINE);
        reader.callWidget(LineReader.REDISPLAY);
      } catch (IllegalStateException notReadingAnyMore) {
        // The next readLine shows the new prompt.
      }
    }
  }

  @Override
  public void close() {
    restore();
    try {
      Runtime.getRuntime().removeShutdownHook(restoreOnExit);
    } catch (IllegalStateException shuttingDown) {
      // The hook runs (or ran) anyway.
    }
    try {
      terminal.close();
    } catch (IOException | RuntimeException e) {
      // Restoring the terminal is best effort on the way out. JLine 3.29 closes the status line
      // again on close and fails with a NullPointerException when restore() closed it already.
    }
  }

  /**
   * Leaves the terminal as the shell expects it: the status line gone (its scroll region
   * restored), the prompt line emptied, the cursor at the start of a line of its own.
   */
  private void restore() {
    synchronized (statusLock) {
      if (closed) {
        return;
      }
      closed = true;
      try {
        Status.getExistingStatus(terminal).ifPresent(Status::close);
      } catch (RuntimeException e) {
        // best effort
      }
    }
    try {
      if (reader.isReading()) {
        // Whatever the prompt showed is erased (under the reader's lock, as widgets run); the
        // shell's prompt starts at column 0 there.
        reader.callWidget(ERASE_WIDGET);
      }
    } catch (RuntimeException e) {
      // not reading after all
    }
    terminal.puts(InfoCmp.Capability.carriage_return);
    terminal.puts(InfoCmp.Capability.clr_eol);
    terminal.flush();
  }
}
