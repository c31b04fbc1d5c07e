package pekkochat.chat;

import java.util.Locale;
import java.util.Optional;

/** PLACEHOLDER until the names branch lands. */
public final class Nicks {
  private Nicks() {}

  public static String normalize(String requested) {
    return java.text.Normalizer.normalize(requested.strip(), java.text.Normalizer.Form.NFC);
  }

  public static String key(String nick) {
    return nick.toLowerCase(Locale.ROOT);
  }

  public static Optional<String> problem(String nick, int maxLength) {
    if (nick.isEmpty()) {
      return Optional.of("Invalid username: it must not be empty.");
    }
    if (nick.codePointCount(0, nick.length()) > maxLength) {
      return Optional.of("Invalid username: at most " + maxLength + " characters.");
    }
    if (!nick.codePoints().allMatch(cp -> Character.isLetterOrDigit(cp) || cp == '-' || cp == '_' || cp == '.')) {
      return Optional.of("Invalid username: letters, digits, '-', '_' and '.' only.");
    }
    if (key(nick).equals("server")) {
      return Optional.of("Invalid username: '" + nick + "' is reserved.");
    }
    return Optional.empty();
  }
}
