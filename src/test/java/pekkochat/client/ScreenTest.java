package pekkochat.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.jline.utils.AttributedString;
import org.junit.jupiter.api.Test;
import pekkochat.config.ClientSettings;
import pekkochat.protocol.Event;

/** The screen's state on its own, over a console that records what it was asked to show. */
class ScreenTest {

  /** A console that can redraw, recording its lines (plain), redraws and bells. */
  private static class Recording implements Console {
    final List<String> printed = new ArrayList<>();
    final List<List<String>> redraws = new ArrayList<>();
    int bells;
    String prompt = "";
    String bar = "";

    @Override
    public Source<String, NotUsed> lines() {
      return Source.empty();
    }

    @Override
    public void print(String line) {
      printed.add(line);
    }

    @Override
    public boolean interactive() {
      return true;
    }

    @Override
    public boolean canRedraw() {
      return true;
    }

    @Override
    public void redraw(List<AttributedString> lines) {
      redraws.add(lines.stream().map(AttributedString::toString).toList());
    }

    @Override
    public void bell() {
      bells++;
    }

    @Override
    public void prompt(String p) {
      prompt = p;
    }

    @Override
    public void statusBar(AttributedString b) {
      bar = b.toString();
    }
  }

  private final Display display = new Display(Clock.fixed(Instant.parse("2026-12-01T13:04:05Z"), ZoneOffset.UTC), 20);
  private final Recording console = new Recording();

  private Screen screen(boolean windows) {
    ChatView view = new ChatView(display, "alice");
    Screen s = new Screen(console, display, view, new ClientSettings.Screen(windows, 3, ClientSettings.Screen.Bell.MENTION, true));
    s.extended();
    s.onEvent(event(Event.Kind.ENTERED, "#lobby", "", "alice,bob", ""));
    s.onEvent(event(Event.Kind.ACTIVE, "#lobby", "", "", ""));
    s.onEvent(event(Event.Kind.ENTERED, "#dev", "", "alice,carol", ""));
    s.onEvent(event(Event.Kind.ACTIVE, "#dev", "", "", ""));
    return s;
  }

  private static Event event(Event.Kind kind, String room, String from, String to, String text) {
    return new Event(kind, room, 0, 0, from, to, text);
  }

  @Test
  void linesOfAConversationNotInViewAreCountedAndKeptForItsRedraw() {
    Screen s = screen(true);
    assertEquals("[#dev] alice> ", console.prompt);
    int before = console.printed.size();
    s.onEvent(event(Event.Kind.MESSAGE, "#lobby", "bob", "", "one"));
    s.onEvent(event(Event.Kind.MESSAGE, "#lobby", "bob", "", "two"));
    assertEquals(before, console.printed.size(), () -> "printed: " + console.printed);
    assertEquals("1:#lobby(2)  2:#dev", console.bar);
    s.onEvent(event(Event.Kind.MESSAGE, "#lobby", "bob", "", "ALICE, look"));
    assertEquals("[13:04:05] [#lobby] bob: ALICE, look", console.printed.get(console.printed.size() - 1));
    assertEquals("1:#lobby(3!)  2:#dev", console.bar);
    assertEquals(1, console.bells);

    assertEquals(Optional.of("/join #lobby"), s.switchTo(1));
    assertEquals("[#lobby] alice> ", console.prompt);
    assertEquals("1:#lobby  2:#dev", console.bar);
    List<String> redrawn = console.redraws.get(console.redraws.size() - 1);
    // At most buffer-lines (3) kept: the oldest went.
    assertEquals(List.of("[13:04:05] bob: one", "[13:04:05] bob: two", "[13:04:05] bob: ALICE, look"), redrawn);
    // The server's ACTIVE for that switch moves nothing and says nothing: the view is there already.
    int printed = console.printed.size();
    s.onEvent(event(Event.Kind.ACTIVE, "#lobby", "", "", ""));
    assertEquals(printed, console.printed.size());
    assertEquals(Optional.of("/join #dev"), s.cycle(1));
    assertEquals("[#dev] alice> ", console.prompt);
  }

  @Test
  void privateConversationsFollowNickChangesAndTakePlainLines() {
    Screen s = screen(true);
    s.onEvent(event(Event.Kind.PRIVATE, "", "bob", "alice", "psst"));
    assertEquals("[13:04:05] [PM] bob: psst", console.printed.get(console.printed.size() - 1)); // a notice
    assertEquals("1:#lobby  2:#dev  3:@bob(1!)", console.bar);
    assertEquals(Optional.empty(), s.switchTo(3)); // nothing to send for a private conversation
    assertEquals("[@bob] alice> ", console.prompt);
    assertEquals("/msg bob hi", s.route("hi"));
    assertEquals("/users", s.route("/users"));
    s.onEvent(event(Event.Kind.NICK, "#lobby", "bob", "robert", ""));
    assertEquals("[@robert] alice> ", console.prompt);
    assertEquals("/msg robert hi", s.route("hi"));
    assertEquals(Optional.empty(), s.closeInView());
    assertEquals("[#dev] alice> ", console.prompt);
    assertEquals("1:#lobby  2:#dev", console.bar);
    assertTrue(s.closeInView().orElseThrow().contains("/part"));
  }

  @Test
  void leavingTheRoomInViewMovesToAnotherAndMembersAreTracked() {
    Screen s = screen(true);
    assertEquals(List.of("carol"), s.completions().state().members().stream().filter(n -> !n.equals("alice")).toList());
    s.onEvent(event(Event.Kind.JOINED, "#dev", "dave", "", ""));
    s.onEvent(event(Event.Kind.LEFT, "#dev", "carol", "", "part"));
    assertEquals(List.of("alice", "dave"), s.completions().state().members());
    s.onEvent(event(Event.Kind.PARTED, "#dev", "", "", ""));
    s.onEvent(event(Event.Kind.ACTIVE, "#lobby", "", "", ""));
    assertEquals("[#lobby] alice> ", console.prompt);
    assertEquals(List.of("#lobby"), s.completions().state().rooms());
  }

  @Test
  void noColorInTheEnvironmentOrTheSettingTurnsColourOff() {
    Console colourful =
        new Recording() {
          @Override
          public boolean colour() {
            return true;
          }
        };
    var on = new ClientSettings.Screen(true, 3, ClientSettings.Screen.Bell.MENTION, true);
    assertTrue(Screen.colour(on, colourful, java.util.Map.of()));
    assertTrue(Screen.colour(on, colourful, java.util.Map.of("NO_COLOR", ""))); // set but empty: no-color.org says colour
    assertFalse(Screen.colour(on, colourful, java.util.Map.of("NO_COLOR", "1")));
    assertFalse(Screen.colour(on.withColour(false), colourful, java.util.Map.of()));
    assertFalse(Screen.colour(on, console, java.util.Map.of())); // a console without colour (piped)
  }

  @Test
  void interleavedPrintsEveryLineTaggedAndStillCounts() {
    Screen s = screen(false);
    s.onEvent(event(Event.Kind.MESSAGE, "#lobby", "bob", "", "one"));
    assertEquals("[13:04:05] [#lobby] bob: one", console.printed.get(console.printed.size() - 1));
    assertEquals("1:#lobby(1)  2:#dev", console.bar);
    assertEquals(Optional.of("/join #lobby"), s.switchTo(1));
    assertEquals("[#lobby] alice> ", console.prompt);
    assertTrue(console.redraws.isEmpty(), "interleaved never clears the screen");
  }
}
