package pekkochat.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.regex.Pattern;
import org.jline.reader.Candidate;
import org.jline.reader.ParsedLine;
import org.jline.reader.Parser;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStyle;
import org.junit.jupiter.api.Test;

/** The pieces of the screen on their own: completion, the parser, nick colours, mentions, names. */
class ScreenPartsTest {

  private final Display display =
      new Display(Clock.fixed(Instant.parse("2026-12-01T13:04:05Z"), ZoneOffset.UTC), 20);

  private static final Completions.State STATE =
      new Completions.State(
          Completions.EXTENDED_COMMANDS, List.of("#dev", "#lobby"), List.of("alice", "alicia", "bob"), List.of("alice", "bob", "carol"), "bob");

  private static List<String> complete(String line) {
    ParsedLine parsed = new ChatParser().parse(line, line.length(), Parser.ParseContext.COMPLETE);
    return Completions.candidates(STATE, parsed.words(), parsed.wordIndex(), parsed.word().substring(0, parsed.wordCursor()))
        .stream()
        .map(Candidate::value)
        .filter(v -> v.regionMatches(true, 0, parsed.word(), 0, parsed.word().length()))
        .toList();
  }

  @Test
  void tabCompletesCommandsNicksAndRooms() {
    assertEquals(List.of("/join"), complete("/jo"));
    // At the start of a line a nick is addressed ("alice: "); elsewhere it is just named.
    assertEquals(List.of("alice:", "alicia:"), complete("ali"));
    assertEquals(List.of("alice", "alicia"), complete("hi ali"));
    assertEquals(List.of(), complete("bo")); // one's own name is never offered
    assertEquals(List.of("#dev"), complete("/join #d"));
    assertEquals(List.of("dev"), complete("/part d"));
    assertEquals(List.of("carol"), complete("/msg c"));
    assertEquals(List.of("alice"), complete("/query alice"));
  }

  @Test
  void theParserTreatsQuotesAndBackslashesAsText() {
    ParsedLine parsed = new ChatParser().parse("it's \\fine ", 11, Parser.ParseContext.ACCEPT_LINE);
    assertEquals(List.of("it's", "\\fine", ""), parsed.words());
    assertEquals(2, parsed.wordIndex());
    assertEquals("it's \\fine ", parsed.line());
  }

  @Test
  void nickColoursAreStableIgnoreCaseAndSpreadOverThePalette() {
    assertEquals(Styles.colourIndex("alice"), Styles.colourIndex("ALICE"));
    assertEquals(Styles.colourIndex("bob"), Styles.colourIndex("bob"));
    long distinct =
        List.of("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy").stream()
            .map(Styles::colourIndex)
            .distinct()
            .count();
    assertTrue(distinct >= 5, "ten nicks in " + distinct + " colours");
    assertEquals(12, Styles.PALETTE.length);
  }

  @Test
  void aMentionIsAWholeWordInAnyCase() {
    Pattern alice = Styles.mentionOf("alice");
    assertTrue(alice.matcher("alice: hi").find());
    assertTrue(alice.matcher("hi ALICE.").find());
    assertFalse(alice.matcher("malice").find());
    assertFalse(alice.matcher("alice_2 was here").find());
  }

  @Test
  void theSpeakersNickIsColouredAndAMentionReversedInTheFilteredText() {
    Display.Shown shown = display.said("", "bob", ": ", "hey alice \u001b[2J");
    AttributedString styled = new Styles(true).style(shown, "alice", Styles.mentionOf("alice"));
    String text = styled.toString();
    assertEquals("[13:04:05] bob: hey alice ^[[2J", text); // the escape was filtered before styling
    int nick = text.indexOf("bob");
    assertEquals(AttributedStyle.DEFAULT.foreground(Styles.PALETTE[Styles.colourIndex("bob")]), styled.styleAt(nick));
    assertEquals(Styles.MENTION, styled.styleAt(text.indexOf("alice")));
    assertFalse(styled.toAnsi().contains("\u001b[2J"));
    // Without colour: no nick colour, the mention still reversed.
    AttributedString plain = new Styles(false).style(shown, "alice", Styles.mentionOf("alice"));
    assertEquals(AttributedStyle.DEFAULT, plain.styleAt(nick));
    assertEquals(Styles.MENTION, plain.styleAt(text.indexOf("alice")));
    // One's own line: no highlight of one's own name.
    AttributedString own = new Styles(true).style(display.said("", "alice", ": ", "alice here"), "alice", Styles.mentionOf("alice"));
    assertNotEquals(Styles.MENTION, own.styleAt(own.toString().lastIndexOf("alice")));
  }

  @Test
  void namesTheServerWouldRefuseAreRefusedWithTheRule() {
    assertTrue(Names.commandProblem("/nick a b").isEmpty()); // "a" is fine; the server says how to use /nick
    assertTrue(Names.commandProblem("/nick x*y").orElseThrow().startsWith("Invalid username: '*' (U+002A) is punctuation."));
    assertTrue(Names.commandProblem("/join bad!room").orElseThrow().startsWith("Invalid room name: "));
    assertTrue(Names.commandProblem("/msg server hi").orElseThrow().contains("reserved"));
    assertTrue(Names.commandProblem("/join #dev").isEmpty());
    assertTrue(Names.commandProblem("hello /nick x*y").isEmpty());
  }
}
