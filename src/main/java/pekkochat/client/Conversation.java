package pekkochat.client;

import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jline.utils.AttributedString;

/**
 * A conversation on the {@link Screen}: a room ({@code #dev}), a private conversation ({@code
 * @bob}), or the unnamed one before any room. Not thread-safe: owned by the client actor.
 */
final class Conversation {
  String name;
  /** Its last lines, as shown (for a redraw). */
  final ArrayDeque<AttributedString> lines = new ArrayDeque<>();
  /** Members by lower-cased nick (rooms only). */
  final Map<String, String> members = new LinkedHashMap<>();
  int unread;
  /** An unread line names the user or is a private message. */
  boolean flagged;

  Conversation(String name) {
    this.name = name;
  }

  boolean room() {
    return name.startsWith("#");
  }

  boolean pm() {
    return name.startsWith("@");
  }

  /** The other party of a private conversation. */
  String partner() {
    return name.substring(1);
  }
}
