package pekkochat.transport.tcp;

import java.util.BitSet;
import java.util.List;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;
import pekkochat.chat.RoomEvent;
import pekkochat.chat.ToUser;
import pekkochat.protocol.Event;
import pekkochat.protocol.Frames;

/**
 * How the chat core's events look on the wire, for the original protocol and for the extended one
 * (docs/PROTOCOL.md). What an original client shows must stay unambiguous in its unmodified
 * display ({@code sender: text} for TEXT {@code sender::text}): a nick can contain none of
 * {@code [ ] * #} or white space, so a line that reads {@code [#dev] alice: hi}, {@code [PM] alice: hi}
 * or {@code * alice: waves} can only come from the server, never from a user typing it.
 *
 * <table>
 *   <tr><th>event</th><th>active room</th><th>another room</th></tr>
 *   <tr><td>line</td><td>TEXT {@code alice::hi}</td><td>TEXT {@code [#dev] alice::hi}</td></tr>
 *   <tr><td>/me</td><td>TEXT {@code * alice::waves}</td><td>TEXT {@code [#dev] * alice::waves}</td></tr>
 *   <tr><td>join, default room</td><td colspan=2>JOIN {@code alice joined the chat.}</td></tr>
 *   <tr><td>leave, default room</td><td colspan=2>LEAVE {@code alice left the chat.}</td></tr>
 *   <tr><td>join/leave elsewhere</td><td colspan=2>TEXT {@code [Server] alice joined #dev.}</td></tr>
 * </table>
 *
 * A batch of room events is encoded once per form and shared by every member that gets it (see
 * {@link ToUser.RoomEvents#derived}); a member that must skip some events gets slices of it.
 */
final class SeedEncoding {

  /** The forms a batch can take on the wire. */
  enum View {
    /** Original protocol, the member's active room: lines without a room tag. */
    ACTIVE,
    /** Original protocol, another room of the member's: lines tagged {@code [#room]}. */
    OTHER,
    /** Extended protocol: EVENT frames. */
    EXTENDED
  }

  /**
   * A batch's frames back to back, where each event's frames end ({@code ends[i]}), and which
   * events are files (sent as their own element, not in these bytes).
   */
  record Encoded(ByteString bytes, int[] ends, int[] files) {

    /** The bytes of the events from {@code from} up to (not including) {@code to} that are not in {@code skip}. */
    ByteString slice(int from, int to, BitSet skip) {
      ByteString out = ByteString.emptyByteString();
      int i = from;
      while (i < to) {
        if (skip.get(i)) {
          i++;
          continue;
        }
        int j = i;
        while (j < to && !skip.get(j)) {
          j++;
        }
        out = out.concat(bytes.slice(start(i), ends[j - 1]));
        i = j;
      }
      return out;
    }

    private int start(int i) {
      return i == 0 ? 0 : ends[i - 1];
    }
  }

  /** The key under which a batch's form for {@code view} is kept. */
  record Key(View view, String defaultRoom) {}

  private SeedEncoding() {}

  /** {@code defaultRoom}: the default room's name exactly as the room calls itself. */
  static Encoded encode(ToUser.RoomEvents batch, View view, String defaultRoom) {
    List<RoomEvent> events = batch.events();
    ByteStringBuilder b = new ByteStringBuilder();
    int[] ends = new int[events.size()];
    int[] files = new int[0];
    for (int i = 0; i < events.size(); i++) {
      RoomEvent e = events.get(i);
      if (e instanceof RoomEvent.FileShared) {
        files = java.util.Arrays.copyOf(files, files.length + 1);
        files[files.length - 1] = i;
      }
      ByteString frame = view == View.EXTENDED ? extended(e) : seed(e, view == View.ACTIVE, defaultRoom);
      b.append(frame);
      ends[i] = b.length();
    }
    return new Encoded(b.result(), ends, files);
  }

  private static ByteString seed(RoomEvent e, boolean active, String defaultRoomName) {
    boolean defaultRoom = e.room().equals(defaultRoomName);
    if (e instanceof RoomEvent.Posted p) {
      return userText(tag(e.room(), active) + (p.action() ? "* " : "") + p.from() + Frames.SEPARATOR, p.text());
    } else if (e instanceof RoomEvent.UserJoined j) {
      return defaultRoom
          ? Frames.join(j.nick() + " joined the chat.").encoded()
          : text("[Server] " + j.nick() + " joined " + e.room() + ".");
    } else if (e instanceof RoomEvent.UserLeft l) {
      return defaultRoom
          ? Frames.leave(l.nick() + " left the chat.").encoded()
          : text("[Server] " + l.nick() + " left " + e.room() + ".");
    } else if (e instanceof RoomEvent.NickChanged n) {
      return text("[Server] " + n.oldNick() + " is now known as " + n.newNick() + ".");
    } else if (e instanceof RoomEvent.TopicChanged t) {
      return text(t.topic().isEmpty()
          ? "[Server] " + t.by() + " cleared the topic of " + e.room() + "."
          : "[Server] " + t.by() + " set the topic of " + e.room() + ": " + t.topic());
    }
    return ByteString.emptyByteString(); // a file is its own element (TcpPort)
  }

  /** The sender field of a relayed FILE frame: {@code alice}, {@code [#dev] alice} or {@code [PM] alice}. */
  static String fileSender(String from, String room, boolean active) {
    return (room == null ? "[PM] " : tag(room, active)) + from;
  }

  private static String tag(String room, boolean active) {
    return active ? "" : "[" + room + "] ";
  }

  static ByteString extended(RoomEvent e) {
    Event event;
    if (e instanceof RoomEvent.Posted p) {
      event = new Event(p.action() ? Event.Kind.ACTION : Event.Kind.MESSAGE, e.room(), e.seq(), e.time(), p.from(), "", p.text());
    } else if (e instanceof RoomEvent.UserJoined j) {
      event = new Event(Event.Kind.JOINED, e.room(), e.seq(), e.time(), j.nick(), "", "");
    } else if (e instanceof RoomEvent.UserLeft l) {
      event = new Event(Event.Kind.LEFT, e.room(), e.seq(), e.time(), l.nick(), "",
          l.reason() == RoomEvent.LeaveReason.PART ? "part" : "disconnected");
    } else if (e instanceof RoomEvent.NickChanged n) {
      event = new Event(Event.Kind.NICK, e.room(), e.seq(), e.time(), n.oldNick(), n.newNick(), "");
    } else if (e instanceof RoomEvent.TopicChanged t) {
      event = new Event(Event.Kind.TOPIC, e.room(), e.seq(), e.time(), t.by(), "", t.topic());
    } else {
      return ByteString.emptyByteString();
    }
    return event.encodeFrame();
  }

  private static final java.time.format.DateTimeFormatter HISTORY_TIME =
      java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", java.util.Locale.ROOT).withZone(java.time.ZoneOffset.UTC);

  /**
   * A stored line as an original client sees it in {@code /history}: the sender's field as a live
   * line's, after its id and time (UTC), e.g. {@code [#42 2026-12-02 06:40] alice::hi}.
   */
  static ByteString historyLine(RoomEvent e) {
    String stamp = "[#" + e.seq() + " " + HISTORY_TIME.format(java.time.Instant.ofEpochMilli(e.time())) + "] ";
    if (e instanceof RoomEvent.Posted p) {
      return userText(stamp + (p.action() ? "* " : "") + p.from() + Frames.SEPARATOR, p.text());
    }
    if (e instanceof RoomEvent.TopicChanged t) {
      return userText(stamp + "[Server] " + t.by() + (t.topic().isEmpty() ? " cleared the topic." : " set the topic: "), t.topic());
    }
    return ByteString.emptyByteString();
  }

  /**
   * A stored private message as an original client sees it in {@code /history @nick}: as a live
   * one, after its id and time (UTC), e.g. {@code [#3 2026-12-02 06:40] [PM] alice::hi}.
   */
  static ByteString privateHistoryLine(pekkochat.chat.PrivateLine line) {
    String stamp = "[#" + line.seq() + " " + HISTORY_TIME.format(java.time.Instant.ofEpochMilli(line.time())) + "] ";
    return userText(stamp + "[PM] " + (line.action() ? "* " : "") + line.from() + Frames.SEPARATOR, line.text());
  }

  /** A private message as the original protocol shows it: {@code [PM] alice::hi}. */
  static ByteString privateMessage(ToUser.PrivateMessage pm) {
    return userText("[PM] " + (pm.action() ? "* " : "") + pm.from() + Frames.SEPARATOR, pm.text());
  }

  /**
   * A user's text for an original client, which prints what it gets as it is: each line of it is
   * a frame of its own with the sender's prefix, so a line break cannot start a line that looks
   * like another user's or a private message, and terminal controls (escape sequences, carriage
   * returns, bidi overrides) are replaced by U+FFFD. A single plain line, the usual case, is the
   * original's {@code sender::text} byte for byte. (Extended clients get the text as sent; ours
   * escapes what it displays.)
   */
  static ByteString userText(String prefix, String text) {
    if (isPlainLine(text)) {
      return text(prefix + text);
    }
    ByteStringBuilder b = new ByteStringBuilder();
    for (String line : text.split("\r\n|\n|\r", -1)) {
      b.append(text(prefix + displaySafe(line)));
    }
    return b.result();
  }

  private static boolean isPlainLine(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (isControl(text.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  private static String displaySafe(String line) {
    StringBuilder sb = new StringBuilder(line.length());
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      sb.append(isControl(c) ? '\uFFFD' : c);
    }
    return sb.toString();
  }

  /** C0 and C1 controls but TAB, DEL, and the bidi embeddings, overrides and isolates. */
  private static boolean isControl(char c) {
    return c < 0x20 && c != '\t' || c >= 0x7F && c <= 0x9F || c >= 0x202A && c <= 0x202E || c >= 0x2066 && c <= 0x2069;
  }

  /** A private message as an extended EVENT ({@code echo}: the copy for its sender). */
  static ByteString privateEvent(ToUser.PrivateMessage pm) {
    return new Event(pm.action() ? Event.Kind.PRIVATE_ACTION : Event.Kind.PRIVATE, "", 0, pm.time(), pm.from(), pm.to(), pm.text())
        .encodeFrame();
  }

  /** A stored private message as an extended EVENT, with its number in its conversation. */
  static ByteString privateEvent(pekkochat.chat.PrivateLine line) {
    return new Event(line.action() ? Event.Kind.PRIVATE_ACTION : Event.Kind.PRIVATE, "", line.seq(), line.time(), line.from(), line.to(),
        line.text()).encodeFrame();
  }

  private static ByteString text(String s) {
    return Frames.text(s).encoded();
  }
}
