package pekkochat.chat;

import com.ibm.icu.lang.UCharacter;
import com.ibm.icu.lang.UCharacterCategory;
import com.ibm.icu.lang.UProperty;
import com.ibm.icu.lang.UScript;
import com.ibm.icu.text.Normalizer2;
import com.ibm.icu.text.SpoofChecker;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The rules that user names ({@link Nicks}) and room names ({@link RoomNames}) share: which code
 * points may appear, single script, and the confusable-safe key. Every reason it gives names an
 * offending character only as {@code U+XXXX} (plus the character itself when it is printable
 * ASCII), so a reason is always safe to show.
 */
final class NameRules {

  private NameRules() {}

  /**
   * At most this many combining marks on one letter or digit. One is what most names need; two
   * allows a vowel plus tone mark (Thai), niqqud plus dagesh (Hebrew), shadda plus haraka (Arabic),
   * while still keeping "Zalgo" stacks out.
   */
  static final int MAX_MARKS_PER_BASE = 2;

  private static final Normalizer2 NFC = Normalizer2.getNFCInstance();
  private static final Normalizer2 NFD = Normalizer2.getNFDInstance();
  private static final Normalizer2 NFKC = Normalizer2.getNFKCInstance();
  private static final Normalizer2 NFKC_CASEFOLD = Normalizer2.getNFKCCasefoldInstance();

  /** Only for {@link SpoofChecker#getSkeleton}, which its checks do not affect. */
  private static final SpoofChecker SKELETONS = new SpoofChecker.Builder().build();

  /**
   * Within one name: mixed scripts (below HIGHLY_RESTRICTIVE), invisible repeated marks and digits
   * of two number systems. Not CONFUSABLE: that compares a name with itself; names are compared
   * with each other through {@link #key}. Built once; a built SpoofChecker is immutable and may be
   * shared between threads.
   */
  private static final SpoofChecker WITHIN =
      new SpoofChecker.Builder()
          .setChecks(
              SpoofChecker.RESTRICTION_LEVEL
                  | SpoofChecker.INVISIBLE
                  | SpoofChecker.MIXED_NUMBERS)
          .setRestrictionLevel(SpoofChecker.RestrictionLevel.HIGHLY_RESTRICTIVE)
          .build();

  /**
   * The characters the server's own lines are made of ({@code [Server] ...}, {@code [#dev] a: hi},
   * {@code [PM] a: hi}, {@code * a: waves}, {@code sender::}): a letter that looks like one of them
   * (the TR39 skeleton says so, e.g. U+02D0 for ':' or U+1031F for '*') is refused.
   */
  private static final String SYNTAX = ":[]*#@ ";

  /** Surrounding white space removed, then NFC. */
  static String strippedNfc(String requested) {
    return NFC.normalize(requested.strip());
  }

  /** Whether {@code name} is what {@link #strippedNfc} gives for it. */
  static boolean isStrippedNfc(String name) {
    return NFC.isNormalized(name) && name.strip().equals(name);
  }

  /** Number of code points. */
  static int length(String name) {
    return name.codePointCount(0, name.length());
  }

  /**
   * The uniqueness key: NFKC-casefold (fullwidth to ASCII, case removed, default ignorables
   * dropped), blanks dropped, the TR39 skeleton of that, then NFKC-casefold again, because a
   * skeleton may bring case back ({@code 0} becomes {@code O}, which must meet {@code o}).
   */
  static String key(String name) {
    String folded = NFKC_CASEFOLD.normalize(name);
    StringBuilder seen = new StringBuilder(folded.length());
    folded
        .codePoints()
        .filter(cp -> !isBlank(cp))
        .forEach(seen::appendCodePoint);
    return NFKC_CASEFOLD.normalize(SKELETONS.getSkeleton(seen));
  }

  /**
   * White space, controls, format and default-ignorable characters, Hangul fillers and the braille
   * blank: nothing a reader sees, so nothing the key keeps ({@code alice} + U+00A0 is {@code
   * alice}). The rules refuse them anyway; the key does not rely on that.
   */
  private static boolean isBlank(int cp) {
    int type = UCharacter.getType(cp);
    return isHangulFiller(cp)
        || UCharacter.isUWhiteSpace(cp)
        || type == UCharacterCategory.SPACE_SEPARATOR
        || type == UCharacterCategory.LINE_SEPARATOR
        || type == UCharacterCategory.PARAGRAPH_SEPARATOR
        || type == UCharacterCategory.CONTROL
        || type == UCharacterCategory.FORMAT
        || UCharacter.hasBinaryProperty(cp, UProperty.DEFAULT_IGNORABLE_CODE_POINT)
        || cp == 0x2800; // BRAILLE PATTERN BLANK: a symbol that shows as nothing
  }

  /**
   * Why a code point of {@code name} is not allowed, if one is not: only letters, decimal digits,
   * combining marks on a letter or digit (at most {@link #MAX_MARKS_PER_BASE}), and the ASCII
   * characters in {@code punctuation}.
   */
  static Optional<String> characterProblem(String prefix, String name, String punctuation) {
    String hint = " Use letters, digits" + describeList(punctuation) + ".";
    int marks = -1; // marks on the current letter or digit; -1 when the last was neither
    for (int i = 0; i < name.length(); ) {
      int cp = name.codePointAt(i);
      i += Character.charCount(cp);
      String why = why(cp, punctuation);
      if (why == null) {
        why = looksLikeSyntax(cp);
      }
      if (why != null) {
        return Optional.of(prefix + describe(cp) + why + hint);
      }
      if (isMark(cp)) {
        if (marks < 0) {
          return Optional.of(
              prefix
                  + describe(cp)
                  + " is a combining mark that does not follow a letter or digit.");
        }
        if (++marks > MAX_MARKS_PER_BASE) {
          return Optional.of(
              prefix
                  + describe(cp)
                  + " is a combining mark too many: at most "
                  + MAX_MARKS_PER_BASE
                  + " on one letter or digit.");
        }
      } else {
        marks = isLetterOrDigit(cp) ? 0 : -1;
      }
    }
    return Optional.empty();
  }

  /** Whether the first code point of {@code name} is a letter or decimal digit. */
  static boolean startsWithLetterOrDigit(String name) {
    return !name.isEmpty() && isLetterOrDigit(name.codePointAt(0));
  }

  /**
   * Why {@code name} (its characters already allowed) fails the TR39 checks within one name: more
   * than one script (beyond Latin + Han + Japanese or Korean), a mark repeated invisibly, digits of
   * two number systems.
   */
  static Optional<String> scriptProblem(String prefix, String name) {
    SpoofChecker.CheckResult result = new SpoofChecker.CheckResult();
    // NFD, as TR39 asks: ICU does not decompose for INVISIBLE, so NFC "\u00e1" + U+0301 would pass.
    if (!WITHIN.failsChecks(NFD.normalize(name), result)) {
      return Optional.empty();
    }
    if ((result.checks & SpoofChecker.RESTRICTION_LEVEL) != 0) {
      TreeSet<String> scripts = new TreeSet<>();
      name.codePoints()
          .map(UScript::getScript)
          .filter(s -> s != UScript.COMMON && s != UScript.INHERITED && s != UScript.UNKNOWN)
          .forEach(s -> scripts.add(UScript.getName(s)));
      String which = scripts.size() > 1 ? " (" + String.join(", ", scripts) + ")" : "";
      return Optional.of(
          prefix
              + "it mixes writing systems"
              + which
              + "; use one script (Latin may go with Chinese and Japanese or Korean).");
    }
    if ((result.checks & SpoofChecker.MIXED_NUMBERS) != 0) {
      return Optional.of(prefix + "it mixes digits of different number systems.");
    }
    if ((result.checks & SpoofChecker.INVISIBLE) != 0) {
      return Optional.of(prefix + "it repeats a combining mark on one character.");
    }
    return Optional.of(
        prefix + "it fails the Unicode security checks (checks " + result.checks + ").");
  }

  /**
   * {@code 'X' (U+XXXX)} for printable ASCII, else just {@code U+XXXX}: never the raw character,
   * which could be invisible, a control or a bidi override.
   */
  static String describe(int cp) {
    String code = String.format(Locale.ROOT, "U+%04X", cp);
    return cp > 0x20 && cp < 0x7F ? "'" + (char) cp + "' (" + code + ")" : code;
  }

  // ---------------------------------------------------------------------------------------------

  /** Why {@code cp} may not be in a name by its kind alone, or null if it may. */
  private static String why(int cp, String punctuation) {
    String own = ownWhy(cp, punctuation);
    if (own != null || cp < 0x80) {
      return own;
    }
    // A compatibility character stands for its NFKC form: U+037A GREEK YPOGEGRAMMENI is a letter
    // whose NFKC form begins with a space; U+FC5E is an Arabic "letter" that is a space plus marks.
    String compatible = NFKC.normalize(new String(Character.toChars(cp)));
    for (int i = 0; i < compatible.length(); ) {
      int c = compatible.codePointAt(i);
      i += Character.charCount(c);
      String inner = ownWhy(c, punctuation);
      if (inner != null) {
        return " is a compatibility form of " + describe(c) + ", which" + inner;
      }
    }
    return null;
  }

  private static String ownWhy(int cp, String punctuation) {
    if (isHangulFiller(cp)) {
      return " is a Hangul filler, which shows as blank.";
    }
    int type = UCharacter.getType(cp);
    switch (type) {
      case UCharacterCategory.SURROGATE:
        return " is an unpaired surrogate.";
      case UCharacterCategory.CONTROL:
        return " is a control character.";
      default:
        break;
    }
    if (UCharacter.hasBinaryProperty(cp, UProperty.DEFAULT_IGNORABLE_CODE_POINT)) {
      return " is an invisible character.";
    }
    switch (type) {
      case UCharacterCategory.FORMAT:
        return " is an invisible formatting character.";
      case UCharacterCategory.SPACE_SEPARATOR:
        return " is a space; names have no spaces.";
      case UCharacterCategory.LINE_SEPARATOR:
      case UCharacterCategory.PARAGRAPH_SEPARATOR:
        return " is a line break.";
      case UCharacterCategory.PRIVATE_USE:
        return " is a private-use character.";
      case UCharacterCategory.UNASSIGNED:
        return " is not an assigned character.";
      case UCharacterCategory.UPPERCASE_LETTER:
      case UCharacterCategory.LOWERCASE_LETTER:
      case UCharacterCategory.TITLECASE_LETTER:
      case UCharacterCategory.MODIFIER_LETTER:
      case UCharacterCategory.OTHER_LETTER:
      case UCharacterCategory.DECIMAL_DIGIT_NUMBER:
      case UCharacterCategory.NON_SPACING_MARK:
      case UCharacterCategory.COMBINING_SPACING_MARK:
      case UCharacterCategory.ENCLOSING_MARK:
        return null;
      case UCharacterCategory.LETTER_NUMBER:
      case UCharacterCategory.OTHER_NUMBER:
        return " is a number sign but not a decimal digit.";
      case UCharacterCategory.MATH_SYMBOL:
      case UCharacterCategory.CURRENCY_SYMBOL:
      case UCharacterCategory.MODIFIER_SYMBOL:
      case UCharacterCategory.OTHER_SYMBOL:
        return " is a symbol.";
      default:
        return cp < 0x80 && punctuation.indexOf(cp) >= 0 ? null : " is punctuation.";
    }
  }

  /** A letter, mark or digit whose TR39 skeleton holds a character of the server's own lines. */
  private static String looksLikeSyntax(int cp) {
    if (cp < 0x80) {
      return null;
    }
    String skeleton = key(new String(Character.toChars(cp)));
    for (int i = 0; i < SYNTAX.length(); i++) {
      char c = SYNTAX.charAt(i);
      if (skeleton.indexOf(c) >= 0) {
        String what = c == ' ' ? "a space" : "'" + c + "'";
        return " looks like " + what + ", which the server's own lines use.";
      }
    }
    return null;
  }

  /**
   * U+115F and U+1160 (Hangul choseong and jungseong fillers), U+3164 HANGUL FILLER and U+FFA0
   * HALFWIDTH HANGUL FILLER: letters by category that show as blank.
   */
  static boolean isHangulFiller(int cp) {
    return cp == 0x115F || cp == 0x1160 || cp == 0x3164 || cp == 0xFFA0;
  }

  private static boolean isMark(int cp) {
    int type = UCharacter.getType(cp);
    return type == UCharacterCategory.NON_SPACING_MARK
        || type == UCharacterCategory.COMBINING_SPACING_MARK
        || type == UCharacterCategory.ENCLOSING_MARK;
  }

  private static boolean isLetterOrDigit(int cp) {
    if (isHangulFiller(cp)) {
      return false;
    }
    int type = UCharacter.getType(cp);
    return (type >= UCharacterCategory.UPPERCASE_LETTER && type <= UCharacterCategory.OTHER_LETTER)
        || type == UCharacterCategory.DECIMAL_DIGIT_NUMBER;
  }

  private static String describeList(String punctuation) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < punctuation.length(); i++) {
      out.append(i == punctuation.length() - 1 ? " or '" : ", '")
          .append(punctuation.charAt(i))
          .append('\'');
    }
    return out.toString();
  }
}
