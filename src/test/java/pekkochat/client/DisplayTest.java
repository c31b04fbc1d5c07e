package pekkochat.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import pekkochat.protocol.Event;
import pekkochat.protocol.FrameType;
import pekkochat.protocol.FramingError;
import pekkochat.protocol.Message;

/** The client's rendering of what the server sends: the seed client's forms, and the extended events. */
class DisplayTest {

  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-02T13:04:05Z"), ZoneOffset.UTC);
  private static final String T = "[13:04:05] ";
  private static final String INDENT = "           ";

  private final Display display = new Display(CLOCK, 20);
  private final Display.View inLobby = new Display.View("alice", "#lobby");

  private static Event event(Event.Kind kind, String room, String from, String to, String text) {
    return new Event(kind, room, 1, 0, from, to, text);
  }

  // --- the seed protocol's frames -----------------------------------------------------------

  @Test
  void rendersEachKindOfFrameAsTheSeedClientDoes() {
    assertEquals(T + "alice: hi :: there", display.show(new Message.Text("alice::hi :: there")));
    assertEquals(T + "[Server] Online users: a, b", display.show(new Message.Text("[Server] Online users: a, b")));
    assertEquals(
        T + "[Server]: Welcome! Type /help for commands.", display.show(new Message.Text("Welcome! Type /help for commands.")));
    assertEquals(T + "bob joined the chat.", display.show(new Message.Join("bob joined the chat.")));
    assertEquals(T + "bob left the chat.", display.show(new Message.Leave("bob left the chat.")));
    assertEquals(T + "[Server Error]: Username already taken.", display.show(new Message.Error("Username already taken.")));
    assertEquals(
        T + "[Client Error]: the server sent something unreadable: Unknown frame type 0x09.",
        display.show(new Message.Malformed(new FramingError.UnknownType(9))));
  }

  @Test
  void aSkippedOversizeFrameIsOneLineNamingItsSizeAndTheLimit() {
    assertEquals(
        T + "[Client]: skipped a TEXT frame of 2,000,000 bytes from the server, over this client's limit of"
            + " 1,048,576 bytes (pekko-chat.client.max-message-size).",
        display.show(new Message.Malformed(new FramingError.MessageSkipped(FrameType.TEXT, 2_000_000, 1 << 20))));
  }

  @Test
  void stampsWithTheLocalTime() {
    assertEquals("[13:04:05] alice: hi", display.stamp("alice: hi"));
  }

  @Test
  void escapeSequencesFromThePeerCannotReachTheTerminal() {
    assertEquals("[13:04:05] mallory: ^[]0;pwned^G^[[2J", display.stamp("mallory: \u001b]0;pwned\u0007\u001b[2J"));
    assertEquals("evil?txt.exe", Display.visible("evil\u202etxt.exe"));
    assertEquals("a\u0085b".replace('\u0085', '?'), Display.visible("a\u0085b"));
    assertEquals("line one\nline two", Display.visible("line one\nline two"));
    assertEquals("line one^Jline two", Display.inline("line one\nline two"));
    assertEquals("tab^Iand^?del", Display.visible("tab\tand\u007fdel"));
    String plain = "héllo 世界 🎉";
    assertEquals(plain, Display.visible(plain));
  }

  // --- line breaks --------------------------------------------------------------------------

  @Test
  void everyLineOfAMultiLineMessageIsMarkedWithItsSender() {
    String shown = display.show(new Message.Text("alice::first\n[13:00:00] [Server]: fake notice\nbob: fake line"));

    assertEquals(
        T + "alice: first\n"
            + INDENT + "alice| [13:00:00] [Server]: fake notice\n"
            + INDENT + "alice| bob: fake line",
        shown);
  }

  @Test
  void aServerNoticeOfSeveralLinesIsIndentedUnderItsStamp() {
    assertEquals(
        T + "[Server] Commands:\n" + INDENT + "/users - List online users\n" + INDENT + "/quit - Disconnect",
        display.show(new Message.Text("[Server] Commands:\n/users - List online users\n/quit - Disconnect")));
  }

  @Test
  void thousandsOfLineBreaksShowAtMostTheLimitAndACount() {
    String text = "top\n" + "x\n".repeat(1253);

    String[] lines = display.show(new Message.Text("alice::" + text)).split("\n", -1);

    assertEquals(21, lines.length);
    assertEquals(T + "alice: top", lines[0]);
    assertEquals(INDENT + "alice| x", lines[19]);
    assertEquals(INDENT + "alice| ... (1,234 more lines)", lines[20]);
    assertEquals(INDENT + "bob| ... (1 more line)", new Display(CLOCK, 2).said("bob: ", "bob", "a\nb\nc").split("\n")[2]);
  }

  @Test
  void carriageReturnsAndTrailingLineBreaksAddNoLines() {
    assertEquals(T + "bob: one\n" + INDENT + "bob| two", display.show(new Message.Text("bob::one\r\ntwo\r\n\n")));
    assertEquals(T + "bob: a^Mb", display.show(new Message.Text("bob::a\rb")));
  }

  @Test
  void aSenderNameCannotBreakTheLineOrEscapeEither() {
    String shown = display.show(new Message.Text("ev\u001b[2Jil\nname::hi\nthere"));

    assertEquals(T + "ev^[[2Jil^Jname: hi\n" + INDENT + "ev^[[2Jil^Jname| there", shown);
  }

  // --- progress and file names --------------------------------------------------------------

  @Test
  void aRelayedFileNameWithAnEscapeSequenceReachesTheProgressLineDefused() {
    String line =
        Progress.line("\u2193 mal\u001b]0;x\u0007lory:", "evil\u001b[2J\u001b[31m\nname.txt", 512, 1024, Duration.ofSeconds(1));

    assertFalse(line.contains("\u001b"), line);
    assertFalse(line.contains("\n"), line);
    assertFalse(line.contains("\u0007"), line);
    assertTrue(line.startsWith("\u2193 mal^[]0;x^Glory: evil^[[2J^[[31m^Jname.txt   50%"), line);
  }

  // --- extended events ----------------------------------------------------------------------

  @Test
  void roomLinesNameTheirRoomUnlessItIsTheActiveOne() {
    assertEquals(T + "bob: hi", display.show(event(Event.Kind.MESSAGE, "#lobby", "bob", "", "hi"), inLobby));
    assertEquals(T + "[#dev] bob: hi", display.show(event(Event.Kind.MESSAGE, "#dev", "bob", "", "hi"), inLobby));
    assertEquals(T + "* bob waves", display.show(event(Event.Kind.ACTION, "#LOBBY", "bob", "", "waves"), inLobby));
    assertEquals(T + "[#dev] * bob waves", display.show(event(Event.Kind.ACTION, "#dev", "bob", "", "waves"), inLobby));
    assertEquals(
        T + "[#dev] bob: one\n" + INDENT + "bob| two",
        display.show(event(Event.Kind.MESSAGE, "#dev", "bob", "", "one\ntwo"), inLobby));
  }

  @Test
  void privateMessagesAreMarkedAndTheEchoNamesTheRecipient() {
    assertEquals(T + "[PM] bob: hi", display.show(event(Event.Kind.PRIVATE, "", "bob", "alice", "hi"), inLobby));
    assertEquals(T + "[PM to bob] Alice: hi", display.show(event(Event.Kind.PRIVATE, "", "Alice", "bob", "hi"), inLobby));
    assertEquals(T + "[PM] * bob waves", display.show(event(Event.Kind.PRIVATE_ACTION, "", "bob", "alice", "waves"), inLobby));
    assertEquals(
        T + "[PM to bob] * alice waves", display.show(event(Event.Kind.PRIVATE_ACTION, "", "alice", "bob", "waves"), inLobby));
    assertEquals(
        T + "[PM] bob: a\n" + INDENT + "bob| b", display.show(event(Event.Kind.PRIVATE, "", "bob", "alice", "a\nb"), inLobby));
  }

  @Test
  void joinsPartsNicksTopicsAndAwayAreNotices() {
    assertEquals(T + "bob joined #dev.", display.show(event(Event.Kind.JOINED, "#dev", "bob", "", ""), inLobby));
    assertEquals(T + "bob left #dev (part).", display.show(event(Event.Kind.LEFT, "#dev", "bob", "", "part"), inLobby));
    assertEquals(T + "bob left #dev.", display.show(event(Event.Kind.LEFT, "#dev", "bob", "", ""), inLobby));
    assertEquals(T + "bob is now known as rob.", display.show(event(Event.Kind.NICK, "#dev", "bob", "rob", ""), inLobby));
    assertEquals(T + "You are now known as al.", display.show(event(Event.Kind.NICK, "#dev", "alice", "al", ""), inLobby));
    assertEquals(
        T + "bob set the topic of #dev: release on Friday",
        display.show(event(Event.Kind.TOPIC, "#dev", "bob", "", "release on Friday"), inLobby));
    assertEquals(T + "bob cleared the topic of #dev.", display.show(event(Event.Kind.TOPIC, "#dev", "bob", "", ""), inLobby));
    assertEquals(T + "bob is away: lunch", display.show(event(Event.Kind.AWAY, "", "bob", "", "lunch"), inLobby));
    assertEquals(T + "bob is back.", display.show(event(Event.Kind.AWAY, "", "bob", "", ""), inLobby));
    assertEquals(T + "You are away: lunch", display.show(event(Event.Kind.AWAY, "", "alice", "", "lunch"), inLobby));
  }

  @Test
  void roomsEnteredLeftAndTheServersHello() {
    assertEquals(
        T + "You are in #dev. Topic: builds Members (2): alice, bob.",
        display.show(event(Event.Kind.ENTERED, "#dev", "", "alice,bob", "builds"), inLobby));
    assertEquals(T + "You are in #new. No topic.", display.show(event(Event.Kind.ENTERED, "#new", "", "", ""), inLobby));
    assertEquals(T + "You are talking in #dev now.", display.show(event(Event.Kind.ACTIVE, "#dev", "", "", ""), inLobby));
    assertEquals(T + "You left #dev.", display.show(event(Event.Kind.PARTED, "#dev", "", "", ""), inLobby));
    assertEquals(
        T + "[Server]: extended protocol on (pekko-chat 2.0).",
        display.show(event(Event.Kind.HELLO, "", "", "alice", "pekko-chat 2.0"), inLobby));
    String many = String.join(",", java.util.Collections.nCopies(60, "u"));
    assertTrue(
        display.show(event(Event.Kind.ENTERED, "#big", "", many, ""), inLobby).endsWith(" Members (60): u, " + "u, ".repeat(48) + "u and 10 more."));
  }

  @Test
  void everythingAPeerChoseInAnEventIsFiltered() {
    String esc = "\u001b[2J";
    for (Event.Kind kind : Event.Kind.values()) {
      String shown = display.show(event(kind, "#r" + esc + "\n", "n" + esc + "\n", "t" + esc + "\n", "x" + esc), inLobby);
      assertFalse(shown.contains("\u001b"), () -> kind + ": " + shown);
      assertFalse(shown.contains("\n"), () -> kind + ": " + shown);
    }
  }

  // --- the view: prompt, nick, own lines ----------------------------------------------------

  @Test
  void thePromptFollowsTheActiveRoomAndTheNick() {
    ChatView view = new ChatView(display, "alice");
    view.onEvent(event(Event.Kind.HELLO, "", "", "Alice", "srv"));
    view.onEvent(event(Event.Kind.ENTERED, "#lobby", "", "Alice", ""));
    assertEquals("[#lobby] Alice> ", view.prompt());
    view.onEvent(event(Event.Kind.ENTERED, "#dev", "", "Alice", ""));
    assertEquals("[#dev] Alice> ", view.prompt());
    view.onEvent(event(Event.Kind.ACTIVE, "#lobby", "", "", ""));
    assertEquals("[#lobby] Alice> ", view.prompt());
    view.onEvent(event(Event.Kind.PARTED, "#dev", "", "", ""));
    assertEquals("[#lobby] Alice> ", view.prompt(), "parting another room keeps the active one");
    view.onEvent(event(Event.Kind.PARTED, "#lobby", "", "", ""));
    assertEquals("Alice> ", view.prompt());
    view.onEvent(event(Event.Kind.ACTIVE, "#dev", "", "", ""));
    assertEquals("[#dev] Alice> ", view.prompt());
    view.onEvent(event(Event.Kind.NICK, "#dev", "alice", "al", ""));
    assertEquals("[#dev] al> ", view.prompt());
  }

  @Test
  void theSameNickChangeSeenInSeveralRoomsShowsOnce() {
    ChatView view = new ChatView(display, "alice");
    assertEquals(Optional.of(T + "bob is now known as rob."), view.onEvent(event(Event.Kind.NICK, "#a", "bob", "rob", "")));
    assertEquals(Optional.empty(), view.onEvent(event(Event.Kind.NICK, "#b", "bob", "rob", "")));
    view.onEvent(event(Event.Kind.MESSAGE, "#a", "rob", "", "hi"));
    assertEquals(Optional.of(T + "rob is now known as bob."), view.onEvent(event(Event.Kind.NICK, "#a", "rob", "bob", "")));
  }

  @Test
  void ownRoomLinesAndActionsAreEchoedAsOthersSeeThemOtherCommandsAreNot() {
    ChatView view = new ChatView(display, "alice");
    assertEquals(Optional.of(T + "alice: hi"), view.echo("hi"));
    assertEquals(Optional.of(T + "* alice waves"), view.echo("/me waves"));
    assertEquals(Optional.of(T + "* alice waves"), view.echo("/ME waves"));
    assertEquals(Optional.empty(), view.echo("/me"));
    assertEquals(Optional.empty(), view.echo("/msg bob hi"));
    assertEquals(Optional.empty(), view.echo("/join #dev"));
    assertEquals(Optional.empty(), view.echo("/meow"));
  }

  @Test
  void linesFromHistoryKeepTheTimeTheyWereSaidAndLiveOnesAfterThemShowNow() {
    long earlier = Instant.parse("2026-01-02T09:15:30Z").toEpochMilli();
    long now = CLOCK.millis();
    assertEquals(T + "History of #lobby:",
        display.show(new pekkochat.protocol.Event(pekkochat.protocol.Event.Kind.HISTORY, "#lobby", 0, now, "", "1", "begin"), inLobby));
    assertEquals("[09:15:30] bob: before you came",
        display.show(new pekkochat.protocol.Event(pekkochat.protocol.Event.Kind.MESSAGE, "#lobby", 7, earlier, "bob", "", "before you came"), inLobby));
    assertEquals(T + "End of history of #lobby (older lines: /history).",
        display.show(new pekkochat.protocol.Event(pekkochat.protocol.Event.Kind.HISTORY, "#lobby", 0, now, "", "more", "end"), inLobby));
    assertEquals(T + "bob: now",
        display.show(new pekkochat.protocol.Event(pekkochat.protocol.Event.Kind.MESSAGE, "#lobby", 9, earlier, "bob", "", "now"), inLobby));
  }
}
