package pekkochat.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.jline.reader.History;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.junit.jupiter.api.Test;

/**
 * The terminal client keeps no typed password for the up arrow: JLine's own history, with the
 * {@code HISTORY_IGNORE} the console sets, drops every {@code /login}, {@code /register} and
 * {@code /password} line, in any case, and keeps the rest.
 */
class TypedPasswordsTest {

  @Test
  void linesWithAPasswordAreNotKeptInTheReadersHistoryAndOthersAre() throws IOException {
    try (Terminal terminal = TerminalBuilder.builder()
        .dumb(true)
        .streams(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream())
        .build()) {
      LineReader reader = LineReaderBuilder.builder()
          .terminal(terminal)
          .variable(LineReader.HISTORY_IGNORE, TerminalConsole.HISTORY_IGNORE)
          .build();
      History history = reader.getHistory();
      history.attach(reader);
      List<String> typed = List.of(
          "/login alice s3cret", "/register s3cret pass", "/password old new-one", "/password x y", "/PASSWORD \"old one\" new",
          "/Login alice x", "  /register x", "/password", "hello", "/users", "/passwords are fun", "/msg bob /login");
      typed.forEach(history::add);
      List<String> kept = new ArrayList<>();
      history.forEach(entry -> kept.add(entry.line()));
      assertEquals(List.of("hello", "/users", "/passwords are fun", "/msg bob /login"), kept);
    }
  }
}
