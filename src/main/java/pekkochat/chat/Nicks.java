package pekkochat.chat;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * User-name (nick) rules. A nick is shown to other clients as the {@code sender::} prefix of every
 * line its owner sends ({@code alice::hi} shows as {@code alice: hi}), so it must not be able to
 * forge the server's own lines ({@code [Server] ...}, {@code [#dev] alice: hi}, {@code [PM] alice:
 * hi}, {@code * alice: waves}) nor pass for another user who is online.
 *
 * <p>Use: {@code String nick = Nicks.normalize(requested)}; refuse with {@link #problem} if it
 * gives a reason; keep users unique by {@link #key}. The character rules are those of Unicode TR39
 * as implemented by ICU4J, no hand-written tables:
 *
 * <ul>
 *   <li>1 to {@code maxLength} code points, starting with a letter or decimal digit;
 *   <li>letters (L*, but not the Hangul fillers U+115F, U+1160, U+3164, U+FFA0), decimal digits
 *       (Nd), {@code -}, {@code _} and {@code .}, and combining marks on a letter or digit (at most
 *       two on one);
 *   <li>never a default-ignorable, format (Cf), control (Cc), space or separator (Z*), private-use,
 *       unassigned or surrogate code point, a symbol, other punctuation, a compatibility character
 *       whose NFKC form is one of those, or a letter whose confusable skeleton is {@code :}, {@code
 *       [}, {@code ]}, {@code *}, {@code #}, {@code @} or a space;
 *   <li>one script, or at most ICU's HIGHLY_RESTRICTIVE mix (Latin with Han and Hiragana/Katakana,
 *       Bopomofo or Hangul); digits of one number system; no mark repeated on one character;
 *   <li>not {@code server}, {@code admin}, {@code system}, {@code pm}, {@code me} nor anything with
 *       the same key.
 * </ul>
 */
public final class Nicks {

  private static final String PREFIX = "Invalid username: ";
  private static final String PUNCTUATION = "-_.";
  private static final List<String> RESERVED_KEYS =
      List.of("server", "admin", "system", "pm", "me").stream().map(NameRules::key).toList();

  private Nicks() {}

  /**
   * The nick as it will be used and shown: surrounding white space removed, then NFC, so a name
   * typed composed ({@code Jos\u00e9}) or decomposed ({@code Jose} + U+0301) is one string. Does
   * not make it valid: pass the result to {@link #problem}.
   */
  public static String normalize(String requested) {
    return NameRules.strippedNfc(Objects.requireNonNull(requested, "requested"));
  }

  /**
   * Why {@code normalized} (the result of {@link #normalize}) may not be used as a nick, if it may
   * not: a one-line reason beginning {@code Invalid username: }, safe to show as it is (a refused
   * character is named as {@code U+XXXX}, never echoed raw).
   *
   * @param maxLength the most code points a nick may have (at least 1)
   */
  public static Optional<String> problem(String normalized, int maxLength) {
    Objects.requireNonNull(normalized, "normalized");
    if (maxLength < 1) {
      throw new IllegalArgumentException("maxLength must be at least 1: " + maxLength);
    }
    if (normalized.isEmpty()) {
      return Optional.of(PREFIX + "it must not be empty.");
    }
    int length = NameRules.length(normalized);
    if (length > maxLength) {
      return Optional.of(
          PREFIX + "at most " + maxLength + " characters (this has " + length + ").");
    }
    Optional<String> characters = NameRules.characterProblem(PREFIX, normalized, PUNCTUATION);
    if (characters.isPresent()) {
      return characters;
    }
    if (!NameRules.isStrippedNfc(normalized)) {
      // Only a caller that skipped normalize() gets here (e.g. "Jose" + U+0301): its key would be
      // right, but the name shown would not be the one others type.
      return Optional.of(PREFIX + "it is not in normalized (NFC) form.");
    }
    if (!NameRules.startsWithLetterOrDigit(normalized)) {
      return Optional.of(PREFIX + "it must start with a letter or digit.");
    }
    Optional<String> scripts = NameRules.scriptProblem(PREFIX, normalized);
    if (scripts.isPresent()) {
      return scripts;
    }
    // Every character has passed by now, so echoing the name is safe.
    if (RESERVED_KEYS.contains(key(normalized))) {
      return Optional.of(PREFIX + "'" + normalized + "' is reserved.");
    }
    return Optional.empty();
  }

  /**
   * The key under which a nick is unique: two nicks with the same key cannot be online at once. It
   * is the Unicode TR39 confusable skeleton of the NFKC-casefolded nick, casefolded again, so
   * {@code alice}, {@code ALICE}, {@code \u0430lice} (Cyrillic a), fullwidth {@code
   * \uff41\uff4c\uff49\uff43\uff45}, {@code b0b} and {@code bob}, composed and decomposed accents
   * all meet. Not for display: the key may be in any script.
   */
  public static String key(String normalized) {
    return NameRules.key(Objects.requireNonNull(normalized, "normalized"));
  }
}
