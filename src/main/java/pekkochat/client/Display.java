package pekkochat.client;

import java.time.Clock;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import pekkochat.protocol.Frames;
import pekkochat.protocol.Message;

/** How the client shows what the server sends, as the seed client does: {@code [HH:MM:SS] ...}. */
final class Display {

  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");

  static final String HELP =
      String.join(
          "\n",
          "Commands:",
          "  /users          list online users",
          "  /send <path>    send a file to everyone",
          "  /help           show this help",
          "  /quit           leave the chat (Ctrl-D also works)",
          "Anything else is sent as a chat line.");

  private final Clock clock;

  Display(Clock clock) {
    this.clock = clock;
  }

  /** {@code [HH:MM:SS] text}, with the local time now; control characters made visible. */
  String stamp(String text) {
    return "[" + LocalTime.now(clock).format(TIME) + "] " + visible(text);
  }

  /**
   * Text from the network made safe for a terminal: control characters (escape sequences could
   * move the cursor, recolour or retitle the user's terminal) are shown in caret notation, and
   * bidirectional overrides (which can disguise a name or a file extension) become '?'. Line
   * breaks are kept.
   */
  static String visible(String text) {
    StringBuilder b = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      String replacement = null;
      if (c != '\n' && (c < 0x20 || c == 0x7f)) {
        replacement = c == 0x7f ? "^?" : "^" + (char) (c + 64);
      } else if ((c >= 0x80 && c < 0xa0) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)
          || c == 0x200e || c == 0x200f) {
        replacement = "?";
      }
      if (replacement != null && b == null) {
        b = new StringBuilder(text.length() + 8).append(text, 0, i);
      }
      if (b != null) {
        if (replacement != null) {
          b.append(replacement);
        } else {
          b.append(c);
        }
      }
    }
    return b == null ? text : b.toString();
  }

  /** The text shown for a TEXT frame from the server, without the time stamp. */
  static String text(String payload) {
    if (payload.startsWith("[Server]")) {
      return payload;
    }
    int sep = payload.indexOf(Frames.SEPARATOR);
    if (sep >= 0) {
      return payload.substring(0, sep) + ": " + payload.substring(sep + Frames.SEPARATOR.length());
    }
    return "[Server]: " + payload;
  }

  /** The text shown for a small frame from the server, without the time stamp. */
  static String of(Message message) {
    if (message instanceof Message.Text t) {
      return text(t.text());
    } else if (message instanceof Message.Join j) {
      return j.payload();
    } else if (message instanceof Message.Leave l) {
      return l.payload();
    } else if (message instanceof Message.Error e) {
      return "[Server Error]: " + e.reason();
    } else if (message instanceof Message.Command c) {
      return "[Server]: " + c.payload();
    } else if (message instanceof Message.Malformed m) {
      return "[Client Error]: the server sent something unreadable: " + m.error().message();
    }
    return message.toString();
  }
}
