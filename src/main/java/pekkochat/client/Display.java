package pekkochat.client;

import java.time.Clock;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import pekkochat.protocol.Event;
import pekkochat.protocol.FramingError;
import pekkochat.protocol.Frames;
import pekkochat.protocol.Message;

/**
 * How the client shows what the server sends, as the seed client does ({@code [HH:MM:SS] ...}),
 * and the events of the extended protocol in the same style.
 *
 * <p>Everything a peer chose passes a filter before it reaches the terminal: {@link #inline} for
 * what must stay on one line (names, file names, rooms, topics, reasons), {@link #visible} for
 * the lines of a message body. A body with line breaks is shown as its first line, then
 * continuation lines indented under it and marked with the sender ({@code           alice| more}),
 * at most {@code maxLines} of them: no line of a message can pass for a server notice or for
 * someone else's line, and a flood of line breaks cannot scroll the chat away.
 */
final class Display {

  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss");
  /** As wide as {@code "[HH:MM:SS] "}: continuation lines start here. */
  static final String INDENT = " ".repeat(11);
  /** Most members named when entering a room; the rest are counted. */
  static final int MAX_MEMBERS_NAMED = 50;

  static final String HELP =
      String.join(
          "\n",
          "Commands:",
          "  /users          list online users",
          "  /send <path>    send a file to everyone",
          "  /help           show this help",
          "  /quit           leave the chat (Ctrl-D also works)",
          "Anything else is sent as a chat line.");

  /**
   * What an event is shown against: who this user is now, and which room its prompt is in
   * (empty when none).
   */
  record View(String me, String activeRoom) {}

  private final Clock clock;
  private final int maxLines;

  /** @param maxLines most lines shown of one message body (at least 1) */
  Display(Clock clock, int maxLines) {
    if (maxLines < 1) {
      throw new IllegalArgumentException("maxLines must be at least 1");
    }
    this.clock = clock;
    this.maxLines = maxLines;
  }

  // --- filters ------------------------------------------------------------------------------

  /**
   * Text from the network made safe for a terminal: control characters (escape sequences could
   * move the cursor, recolour or retitle the user's terminal) are shown in caret notation, and
   * bidirectional overrides (which can disguise a name or a file extension) become '?'. Line
   * breaks are kept: callers split on them.
   */
  static String visible(String text) {
    return filter(text, true);
  }

  /** As {@link #visible}, and a line break too is shown as {@code ^J}: for one-line fields. */
  static String inline(String text) {
    return filter(text, false);
  }

  private static String filter(String text, boolean keepNewlines) {
    StringBuilder b = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      String replacement = null;
      if ((c < 0x20 && !(keepNewlines && c == '\n')) || c == 0x7f) {
        replacement = c == 0x7f ? "^?" : "^" + (char) (c + 64);
      } else if ((c >= 0x80 && c < 0xa0) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)
          || c == 0x200e || c == 0x200f || c == 0x2028 || c == 0x2029) {
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

  // --- lines --------------------------------------------------------------------------------

  /**
   * {@code [HH:MM:SS] text}, with the local time now: the client's own words (with any peer-chosen
   * parts already passed through {@link #inline}). Control characters are made visible; further
   * lines, if any, are indented under the first.
   */
  String stamp(String text) {
    return stampNow() + block(text, INDENT);
  }

  /**
   * A message body said by {@code who}: {@code [HH:MM:SS] lead first line}, then each further
   * line as {@code INDENT who| line}, at most {@code maxLines} lines in all and then
   * {@code INDENT who| ... (N more lines)}. {@code lead} is the client's own framing with any
   * peer-chosen part already {@link #inline}d ({@code "[#dev] bob: "}); {@code who} is raw.
   */
  String said(String lead, String who, String body) {
    return stampNow() + lead + block(body, INDENT + inline(who) + "| ");
  }


  /** Rooms whose history is being shown (between HISTORY begin and end): their lines keep their time. */
  private final java.util.Set<String> inHistory = new java.util.HashSet<>();

  /** What a line is, for its style: someone's words, a notice, or an error. */
  enum Kind {
    CHAT,
    NOTICE,
    ERROR
  }

  /**
   * A line as shown ({@code text}, already filtered) and where its parts are, so that a screen can
   * colour them without parsing what a peer wrote: the speaker's name from {@code nickAt} to
   * {@code nickEnd} (-1 when none), the body from {@code bodyAt}. {@code speaker} is the raw name.
   */
  record Shown(String text, Kind kind, String speaker, int nickAt, int nickEnd, int bodyAt) {

    static Shown notice(String text) {
      return new Shown(text, Kind.NOTICE, "", -1, -1, text.length());
    }

    static Shown error(String text) {
      return new Shown(text, Kind.ERROR, "", -1, -1, text.length());
    }

    /** The first line only (a one-line notice of a line not in view). */
    Shown firstLine() {
      int nl = text.indexOf('\n');
      if (nl < 0) {
        return this;
      }
      return new Shown(text.substring(0, nl), kind, speaker, Math.min(nickAt, nl), Math.min(nickEnd, nl), Math.min(bodyAt, nl));
    }
  }

  /**
   * As {@link #said}, with the speaker's name between {@code before} and {@code after} (both the
   * client's own framing, any peer-chosen part already {@link #inline}d): {@code [HH:MM:SS]
   * before who after body}.
   */
  Shown said(String before, String who, String after, String body) {
    return said(stampNow(), before, who, after, body);
  }

  /** As {@link #said(String, String, String, String)}, stamped with when it was said: a line from history. */
  private Shown saidAt(long millis, String before, String who, String after, String body) {
    String stamp = "[" + java.time.Instant.ofEpochMilli(millis).atZone(clock.getZone()).toLocalTime().format(TIME) + "] ";
    return said(stamp, before, who, after, body);
  }

  private Shown said(String stamp, String before, String who, String after, String body) {
    String nick = inline(who);
    int nickAt = stamp.length() + before.length();
    int bodyAt = nickAt + nick.length() + after.length();
    String text = stamp + before + nick + after + block(body, INDENT + nick + "| ");
    return new Shown(text, Kind.CHAT, who, nickAt, nickAt + nick.length(), bodyAt);
  }

  /** The lines of {@code text} (trailing line breaks dropped), joined by {@code "\n" + mark}. */
  private String block(String text, String mark) {
    List<String> lines = lines(text);
    StringBuilder b = new StringBuilder(text.length() + 32);
    int shown = Math.min(lines.size(), maxLines);
    for (int i = 0; i < shown; i++) {
      if (i > 0) {
        b.append('\n').append(mark);
      }
      b.append(visible(lines.get(i)));
    }
    int more = lines.size() - shown;
    if (more > 0) {
      b.append('\n')
          .append(mark)
          .append(String.format(Locale.ROOT, "... (%,d more line%s)", more, more == 1 ? "" : "s"));
    }
    return b.toString();
  }

  private static List<String> lines(String text) {
    List<String> lines = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) == '\n') {
        int end = i > start && text.charAt(i - 1) == '\r' ? i - 1 : i;
        lines.add(text.substring(start, end));
        start = i + 1;
      }
    }
    lines.add(text.substring(start));
    while (lines.size() > 1 && lines.get(lines.size() - 1).isEmpty()) {
      lines.remove(lines.size() - 1);
    }
    return lines;
  }

  private String stampNow() {
    return "[" + LocalTime.now(clock).format(TIME) + "] ";
  }

  // --- frames of the seed protocol ----------------------------------------------------------

  /** What is printed for a small frame from the server (stamped, filtered, maybe several lines). */
  String show(Message message) {
    return shown(message).text();
  }

  /** As {@link #show(Message)}, with its parts. */
  Shown shown(Message message) {
    if (message instanceof Message.Text t) {
      return text(t.text());
    } else if (message instanceof Message.Join j) {
      return Shown.notice(stamp(inline(j.payload())));
    } else if (message instanceof Message.Leave l) {
      return Shown.notice(stamp(inline(l.payload())));
    } else if (message instanceof Message.Error e) {
      return Shown.error(stamp("[Server Error]: " + e.reason()));
    } else if (message instanceof Message.Command c) {
      return Shown.notice(stamp("[Server]: " + inline(c.payload())));
    } else if (message instanceof Message.Malformed m && m.error() instanceof FramingError.MessageSkipped s) {
      return Shown.error(stamp(
          String.format(
              Locale.ROOT,
              "[Client]: skipped a %s frame of %,d bytes from the server, over this client's limit of %,d bytes"
                  + " (pekko-chat.client.max-message-size).",
              s.type(),
              s.length(),
              s.limit())));
    } else if (message instanceof Message.Malformed m) {
      return Shown.error(stamp("[Client Error]: the server sent something unreadable: " + m.error().message()));
    }
    return Shown.notice(stamp(inline(message.toString())));
  }

  /** A TEXT frame from the server: {@code sender::line}, a {@code [Server]} notice, or other. */
  private Shown text(String payload) {
    if (payload.startsWith("[Server]")) {
      return Shown.notice(stamp(payload));
    }
    int sep = payload.indexOf(Frames.SEPARATOR);
    if (sep >= 0) {
      String sender = payload.substring(0, sep);
      return said("", sender, ": ", payload.substring(sep + Frames.SEPARATOR.length()));
    }
    return Shown.notice(stamp("[Server]: " + payload));
  }

  // --- events of the extended protocol ------------------------------------------------------

  /**
   * What is printed for an event, seen from {@code view}; empty for one that shows nothing. A
   * line of a room that is not the active one names its room ({@code [#dev] bob: hi}); private
   * messages are marked {@code [PM]} (received) or {@code [PM to bob]} (the server's echo of one
   * sent).
   */
  String show(Event e, View view) {
    return shown(e, view).text();
  }

  /** As {@link #show(Event, View)}, with its parts. */
  Shown shown(Event e, View view) {
    String from = inline(e.from());
    String room = inline(e.room());
    boolean mine = !e.from().isEmpty() && e.from().equalsIgnoreCase(view.me());
    if (e.kind() == Event.Kind.HISTORY) {
      if (e.text().equals("begin")) {
        inHistory.add(e.room());
      } else {
        inHistory.remove(e.room());
      }
    }
    boolean privateInHistory = (e.kind() == Event.Kind.PRIVATE || e.kind() == Event.Kind.PRIVATE_ACTION)
        && inHistory.stream().anyMatch(r -> r.startsWith("@"));
    if (privateInHistory) {
      // A private conversation's history (HISTORY events with room @nick): their own time too.
      String to = inline(e.to());
      boolean action = e.kind() == Event.Kind.PRIVATE_ACTION;
      return mine
          ? saidAt(e.timeMillis(), "[PM to " + to + "] " + (action ? "* " : ""), e.from(), action ? " " : ": ", e.text())
          : saidAt(e.timeMillis(), "[PM] " + (action ? "* " : ""), e.from(), action ? " " : ": ", e.text());
    }
    if (inHistory.contains(e.room()) && (e.kind() == Event.Kind.MESSAGE || e.kind() == Event.Kind.ACTION)) {
      return saidAt(e.timeMillis(), roomTag(e.room(), view) + (e.kind() == Event.Kind.ACTION ? "* " : ""), e.from(),
          e.kind() == Event.Kind.ACTION ? " " : ": ", e.text());
    }
    return switch (e.kind()) {
      case MESSAGE -> said(roomTag(e.room(), view), e.from(), ": ", e.text());
      case ACTION -> said(roomTag(e.room(), view) + "* ", e.from(), " ", e.text());
      case PRIVATE -> mine
          ? said("[PM to " + inline(e.to()) + "] ", e.from(), ": ", e.text())
          : said("[PM] ", e.from(), ": ", e.text());
      case PRIVATE_ACTION -> mine
          ? said("[PM to " + inline(e.to()) + "] * ", e.from(), " ", e.text())
          : said("[PM] * ", e.from(), " ", e.text());
      default -> Shown.notice(notice(e, view, from, room, mine));
    };
  }

  private String notice(Event e, View view, String from, String room, boolean mine) {
    return switch (e.kind()) {
      case MESSAGE, ACTION, PRIVATE, PRIVATE_ACTION -> throw new IllegalArgumentException(e.kind() + " is a line");
      case JOINED -> stamp(from + " joined " + room + ".");
      case LEFT -> stamp(from + " left " + room + (e.text().isEmpty() ? "" : " (" + inline(e.text()) + ")") + ".");
      case NICK -> stamp(
          (mine ? "You are" : from + " is") + " now known as " + inline(e.to()) + ".");
      case TOPIC -> stamp(
          e.text().isEmpty()
              ? from + " cleared the topic of " + room + "."
              : from + " set the topic of " + room + ": " + inline(e.text()));
      case ENTERED -> stamp(
          "You are in " + room + ". "
              + (e.text().isEmpty() ? "No topic." : "Topic: " + inline(e.text()))
              + members(e.to()));
      case ACTIVE -> stamp("You are talking in " + room + " now.");
      case PARTED -> stamp("You left " + room + ".");
      case AWAY -> stamp(
          (mine ? "You are" : from + " is")
              + (e.text().isEmpty() ? " back." : " away: " + inline(e.text())));
      case HELLO -> stamp(
          "[Server]: extended protocol on" + (e.text().isEmpty() ? "" : " (" + inline(e.text()) + ")") + ".");
      case STORED -> stamp("Stored as line " + e.seq() + " of " + room + ".");
      case RESUME -> stamp("[Server]: this connection can be resumed.");
      case HISTORY -> stamp(
          e.text().equals("begin")
              ? "History of " + room + ":"
              : "End of history of " + room + (e.to().equals("more") ? " (older lines: /history)." : "."));
    };
  }

  /** {@code "[#dev] "} for a room that is not the active one; empty for the active one or none. */
  private static String roomTag(String room, View view) {
    return room.isEmpty() || room.equalsIgnoreCase(view.activeRoom()) ? "" : "[" + inline(room) + "] ";
  }

  /** {@code " Members (3): a, b, c."}, the first {@link #MAX_MEMBERS_NAMED} named. */
  private static String members(String commaSeparated) {
    if (commaSeparated.isEmpty()) {
      return "";
    }
    String[] names = commaSeparated.split(",");
    StringBuilder b = new StringBuilder(" Members (").append(String.format(Locale.ROOT, "%,d", names.length)).append("): ");
    int named = Math.min(names.length, MAX_MEMBERS_NAMED);
    for (int i = 0; i < named; i++) {
      b.append(i > 0 ? ", " : "").append(inline(names[i].strip()));
    }
    if (names.length > named) {
      b.append(String.format(Locale.ROOT, " and %,d more", names.length - named));
    }
    return b.append('.').toString();
  }
}
