package pekkochat.client;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.LineReaderImpl;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.AttributedString;
import org.jline.utils.Status;

/**
 * A terminal with JLine line editing and history. Incoming lines are printed above the prompt, so
 * a message arriving while the user types never garbles the half-typed line. Ctrl-D and Ctrl-C
 * end the input, which the client treats as {@code /quit}.
 */
public final class TerminalConsole implements Console {

  private final Terminal terminal;
  private final LineReader reader;
  private volatile String prompt = "> ";

  private TerminalConsole(Terminal terminal) {
    this.terminal = terminal;
    this.reader = LineReaderBuilder.builder().terminal(terminal).appName("pekko-chat").build();
  }

  public static TerminalConsole open() throws IOException {
    return new TerminalConsole(TerminalBuilder.builder().system(true).build());
  }

  @Override
  public Source<String, NotUsed> lines() {
    return InputLines.readOnOwnThread("terminal-reader", () -> readLine(reader));
  }

  private Optional<String> readLine(LineReader r) {
    try {
      return Optional.of(r.readLine(escapePrompt(prompt)));
    } catch (EndOfFileException | UserInterruptException e) {
      return Optional.empty();
    }
  }

  @Override
  public void print(String line) {
    reader.printAbove(line);
  }

  @Override
  public void progress(List<String> lines) {
    try {
      Status status = Status.getStatus(terminal);
      if (status != null) {
        List<AttributedString> shown = new ArrayList<>();
        lines.forEach(l -> shown.add(new AttributedString(l)));
        status.update(shown);
      }
    } catch (RuntimeException e) {
      // A terminal without a status area shows no progress; the summary still comes at the end.
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
  public void prompt(String prompt) {
    this.prompt = prompt;
    if (reader instanceof LineReaderImpl impl && reader.isReading()) {
      impl.setPrompt(escapePrompt(prompt));
      reader.callWidget(LineReader.REDRAW_LINE);
      reader.callWidget(LineReader.REDISPLAY);
    }
  }

  @Override
  public void close() {
    try {
      terminal.close();
    } catch (IOException e) {
      // Restoring the terminal is best effort on the way out.
    }
  }
}
