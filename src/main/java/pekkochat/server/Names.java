package pekkochat.server;

import java.util.Locale;
import java.util.Optional;
import pekkochat.protocol.Frames;

/**
 * User-name rules. A name shows up as the {@code sender::} prefix of every line its owner sends,
 * so it must not contain the separator nor anything that could forge or garble that prefix.
 */
final class Names {

  private Names() {}

  /** The name as it will be used: surrounding white space removed. */
  static String normalize(String requested) {
    return requested.strip();
  }

  /** The key under which a name is unique: case-insensitive, so "Bob" and "bob" cannot both join. */
  static String key(String name) {
    return name.toLowerCase(Locale.ROOT);
  }

  /** Why {@code name} (already normalized) is not acceptable, if it is not. */
  static Optional<String> problem(String name, int maxLength) {
    if (name.isEmpty()) {
      return Optional.of("Invalid username: it must not be empty.");
    }
    if (name.codePointCount(0, name.length()) > maxLength) {
      return Optional.of("Invalid username: at most " + maxLength + " characters.");
    }
    if (name.contains(Frames.SEPARATOR)) {
      return Optional.of("Invalid username: it must not contain '::'.");
    }
    // "bob:" + "::" + "hi" reads, split at the first "::", as bob saying ":hi".
    if (name.endsWith(":")) {
      return Optional.of("Invalid username: it must not end with ':'.");
    }
    boolean control =
        name.codePoints()
            .anyMatch(cp -> Character.isISOControl(cp) || Character.getType(cp) == Character.FORMAT);
    if (control) {
      return Optional.of("Invalid username: it must not contain control characters.");
    }
    // Server notices read "[Server] ..." and system lines are bracketed: no user may pose as them.
    if (key(name).equals("server") || name.startsWith("[")) {
      return Optional.of("Invalid username: '" + name + "' is reserved.");
    }
    return Optional.empty();
  }
}
