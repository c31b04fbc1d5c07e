package pekkochat.chat;

import java.util.Objects;
import java.util.Optional;

/**
 * Room-name rules. A room is shown as {@code #name} (in {@code [#dev] alice: hi}); the name after
 * the {@code #} is 1 to {@value #MAX_LENGTH} code points of letters (not the Hangul fillers),
 * decimal digits, {@code -} and {@code _}, with combining marks on a letter or digit as for nicks,
 * in one script (at most ICU's HIGHLY_RESTRICTIVE mix). Everything {@link Nicks} refuses for its
 * kind (invisible, control, format, space, symbol, other punctuation, look-alikes of the server's
 * syntax) is refused here too, and {@code .} besides. Rooms are unique by {@link #key}.
 */
public final class RoomNames {

  /** The most code points after the {@code #}. */
  public static final int MAX_LENGTH = 32;

  private static final String PREFIX = "Invalid room name: ";
  private static final String PUNCTUATION = "-_";

  private RoomNames() {}

  /**
   * The room name as it will be used and shown: surrounding white space removed, NFC, one leading
   * {@code #} dropped if there is one, then a {@code #} put back, so {@code dev}, {@code #dev} and
   * {@code " #dev "} all give {@code #dev}. Does not make it valid: pass the result to {@link
   * #problem}.
   */
  public static String normalize(String requested) {
    String name = NameRules.strippedNfc(Objects.requireNonNull(requested, "requested"));
    return "#" + (name.startsWith("#") ? name.substring(1) : name);
  }

  /**
   * Why {@code normalized} (the result of {@link #normalize}) may not be used as a room name, if it
   * may not: a one-line reason beginning {@code Invalid room name: }, safe to show as it is (a
   * refused character is named as {@code U+XXXX}, never echoed raw).
   */
  public static Optional<String> problem(String normalized) {
    Objects.requireNonNull(normalized, "normalized");
    if (!normalized.startsWith("#")) {
      return Optional.of(PREFIX + "it must start with '#'.");
    }
    String name = normalized.substring(1);
    if (name.isEmpty()) {
      return Optional.of(PREFIX + "it needs a name after '#'.");
    }
    int length = NameRules.length(name);
    if (length > MAX_LENGTH) {
      return Optional.of(
          PREFIX + "at most " + MAX_LENGTH + " characters after '#' (this has " + length + ").");
    }
    Optional<String> characters = NameRules.characterProblem(PREFIX, name, PUNCTUATION);
    if (characters.isPresent()) {
      return characters;
    }
    if (!NameRules.isStrippedNfc(name)) {
      return Optional.of(PREFIX + "it is not in normalized (NFC) form.");
    }
    Optional<String> script = NameRules.scriptProblem(PREFIX, name);
    if (script.isPresent()) {
      return script;
    }
    // "[#PM] eve: x" must not read as the private message "[PM] eve: x", nor a room pass for the server.
    if (RESERVED_KEYS.contains(NameRules.key(name))) {
      return Optional.of(PREFIX + "'" + normalized + "' is reserved.");
    }
    return Optional.empty();
  }

  private static final java.util.Set<String> RESERVED_KEYS =
      java.util.Set.of("pm", "server", "admin", "system").stream().map(NameRules::key).collect(java.util.stream.Collectors.toUnmodifiableSet());

  /**
   * The key under which a room is unique: {@code #} and the TR39 confusable skeleton of the
   * NFKC-casefolded name, casefolded again, so {@code #Dev}, {@code #DEV} and {@code #d\u0435v}
   * (Cyrillic e, which {@link #problem} refuses anyway) share one. Not for display.
   */
  public static String key(String normalized) {
    Objects.requireNonNull(normalized, "normalized");
    return "#" + NameRules.key(normalized.startsWith("#") ? normalized.substring(1) : normalized);
  }
}
