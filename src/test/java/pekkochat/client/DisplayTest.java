package pekkochat.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import pekkochat.protocol.FramingError;
import pekkochat.protocol.Message;

/** The client's rendering of what the server sends, as the seed client renders it. */
class DisplayTest {

  private final Display display = new Display(Clock.fixed(Instant.parse("2026-01-02T13:04:05Z"), ZoneOffset.UTC));

  @Test
  void rendersEachKindOfFrameAsTheSeedClientDoes() {
    assertEquals("alice: hi :: there", Display.of(new Message.Text("alice::hi :: there")));
    assertEquals("[Server] Online users: a, b", Display.of(new Message.Text("[Server] Online users: a, b")));
    assertEquals("[Server]: Welcome! Type /help for commands.", Display.of(new Message.Text("Welcome! Type /help for commands.")));
    assertEquals("bob joined the chat.", Display.of(new Message.Join("bob joined the chat.")));
    assertEquals("bob left the chat.", Display.of(new Message.Leave("bob left the chat.")));
    assertEquals("[Server Error]: Username already taken.", Display.of(new Message.Error("Username already taken.")));
    assertEquals(
        "[Client Error]: the server sent something unreadable: Unknown frame type 0x09.",
        Display.of(new Message.Malformed(new FramingError.UnknownType(9))));
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
    assertEquals("tab^Iand^?del", Display.visible("tab\tand\u007fdel"));
    String plain = "héllo 世界 🎉";
    assertEquals(plain, Display.visible(plain));
  }
}
