package pekkochat.chat;

import java.util.Locale;
import java.util.Optional;

/** PLACEHOLDER until the names branch lands. */
public final class RoomNames {
  private RoomNames() {}

  public static String normalize(String requested) {
    String s = java.text.Normalizer.normalize(requested.strip(), java.text.Normalizer.Form.NFC);
    return "#" + (s.startsWith("#") ? s.substring(1) : s);
  }

  public static String key(String room) {
    return room.toLowerCase(Locale.ROOT);
  }

  public static Optional<String> problem(String room) {
    String n = room.substring(1);
    if (n.isEmpty() || n.length() > 32 || !n.codePoints().allMatch(cp -> Character.isLetterOrDigit(cp) || cp == '-' || cp == '_')) {
      return Optional.of("Invalid room name: 1 to 32 letters, digits, '-' or '_'.");
    }
    return Optional.empty();
  }
}
