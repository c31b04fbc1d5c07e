package pekkochat.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.Test;

/**
 * Nick rules against the look-alikes hostile users actually sent. Every non-ASCII character is
 * written as an escape so a reviewer can see what is tested.
 */
class NicksTest {

  private static final int MAX = 32;

  private static Optional<String> problemOf(String requested) {
    return Nicks.problem(Nicks.normalize(requested), MAX);
  }

  private static void assertAccepted(String requested, String what) {
    Optional<String> problem = problemOf(requested);
    assertTrue(problem.isEmpty(), what + " should be accepted, but: " + problem.orElse(""));
  }

  private static void assertRefused(String requested, String what) {
    Optional<String> problem = problemOf(requested);
    assertTrue(problem.isPresent(), what + " should be refused");
    assertTrue(problem.get().startsWith("Invalid username: "), what + ": " + problem.get());
  }

  private static String key(String requested) {
    return Nicks.key(Nicks.normalize(requested));
  }

  // --- ordinary names ----------------------------------------------------------------------

  @Test
  void ordinaryNamesOfManyScriptsAreAccepted() {
    assertAccepted("alice", "plain ASCII");
    assertAccepted("Bob_2", "ASCII with '_' and a digit");
    assertAccepted("j.doe-3", "ASCII with '.' and '-'");
    assertAccepted("Jos\u00e9", "Jos\u00e9 (Latin with acute)");
    assertAccepted("Zo\u00eb", "Zo\u00eb (Latin with diaeresis)");
    assertAccepted("\u5c71\u7530", "\u5c71\u7530 (Han)");
    assertAccepted("\u03a3\u03bf\u03c6\u03af\u03b1", "Sofia in Greek");
    assertAccepted("\u0414\u043c\u0438\u0442\u0440\u0438\u0439", "Dmitriy in Cyrillic");
    assertAccepted("\u0645\u062d\u0645\u062f", "Muhammad in Arabic");
    assertAccepted("\ub2e4\uc740", "Da-eun in Hangul");
    assertAccepted("\u30e6\u30fc\u30b6\u30fc", "katakana with the prolonged sound mark");
    assertAccepted("Tanaka\u5c71\u7530\u3072\u30ab", "Latin + Han + Hiragana + Katakana");
    assertAccepted("kim\ub2e4\uc740", "Latin + Hangul");
    assertAccepted("\u0930\u093e\u091c\u0947\u0936", "Rajesh in Devanagari (vowel signs: marks)");
    assertAccepted("\u0e0a\u0e37\u0e48\u0e19", "Thai with vowel and tone mark on one letter");
    assertAccepted("G\u00fcnther", "G\u00fcnther");
    assertAccepted("Gu\u00f0r\u00fan", "Icelandic eth");
    assertAccepted("2pac", "starting with a digit");
    assertAccepted("  alice  ", "surrounding ASCII spaces are stripped");
  }

  // --- look-alikes of an online user -------------------------------------------------------

  @Test
  void cyrillicLettersForLatinOnesAreRefused() {
    assertRefused("S\u0435rver", "Server with Cyrillic e (U+0435)");
    assertRefused("\u0430lice", "alice with Cyrillic a (U+0430)");
    assertRefused("bo\u0432", "Latin + Cyrillic ve");
    assertRefused("\u0391lice", "alice with Greek capital Alpha (U+0391)");
  }

  @Test
  void wholeScriptLookAlikesShareTheKey() {
    // All-Cyrillic "pop" is one script, so it passes the rules; the key keeps it off "pop".
    assertAccepted("\u0440\u043e\u0440", "all-Cyrillic r-o-r");
    assertEquals(key("pop"), key("\u0440\u043e\u0440"), "Cyrillic r-o-r looks like pop");
    assertEquals(key("alice"), key("\u0430lice"), "Cyrillic a in alice: same key, if it passed");
    assertEquals(key("Server"), key("S\u0435rver"), "Cyrillic e in Server: same key, if it passed");
    assertEquals(key("bob"), key("b0b"), "digit zero for letter o");
    assertEquals(key("paypal"), key("paypa1"), "digit one for letter l");
  }

  @Test
  void fullwidthFormsShareTheKeyOrAreRefused() {
    String fullwidthAlice = "\uff41\uff4c\uff49\uff43\uff45";
    assertEquals(key("alice"), key(fullwidthAlice), "fullwidth alice has alice's key");
    assertEquals(key("alice"), key("\uff21\uff2c\uff29\uff23\uff25"), "fullwidth ALICE too");
    assertRefused("\uff3bServer\uff3d", "[Server] in fullwidth brackets");
    assertRefused("\uff33\uff25\uff32\uff36\uff25\uff32", "fullwidth SERVER is reserved");
    assertRefused("alice\uff1a", "fullwidth colon");
    assertRefused("\uff0a", "fullwidth asterisk");
  }

  @Test
  void trailingNoBreakSpaceIsRefused() {
    assertRefused("alice\u00a0", "alice + NO-BREAK SPACE (U+00A0)");
    assertRefused("alice\u202f", "alice + NARROW NO-BREAK SPACE (U+202F)");
    assertRefused("alice\u2007", "alice + FIGURE SPACE (U+2007)");
    assertRefused("al\u3000ice", "IDEOGRAPHIC SPACE (U+3000) inside");
    assertEquals("alice", Nicks.normalize("alice\u3000"), "trailing IDEOGRAPHIC SPACE stripped");
    assertEquals(key("alice"), key("alice\u00a0"), "alice + NBSP would have alice's key anyway");
  }

  @Test
  void invisibleCharactersAreRefused() {
    assertRefused("al\u034fice", "COMBINING GRAPHEME JOINER (U+034F)");
    assertRefused("al\u200bice", "ZERO WIDTH SPACE (U+200B)");
    assertRefused("al\u200cice", "ZERO WIDTH NON-JOINER (U+200C)");
    assertRefused("al\u200dice", "ZERO WIDTH JOINER (U+200D)");
    assertRefused("al\u2060ice", "WORD JOINER (U+2060)");
    assertRefused("al\ufeffice", "ZERO WIDTH NO-BREAK SPACE / BOM (U+FEFF)");
    assertRefused("alice\u00ad", "SOFT HYPHEN (U+00AD)");
    assertRefused("alice\u3164", "HANGUL FILLER (U+3164) after alice");
    assertRefused("\u3164", "HANGUL FILLER (U+3164) alone");
    assertRefused("\u115f", "HANGUL CHOSEONG FILLER (U+115F) alone");
    assertRefused("\u1160", "HANGUL JUNGSEONG FILLER (U+1160) alone");
    assertRefused("alice\uffa0", "HALFWIDTH HANGUL FILLER (U+FFA0)");
    assertRefused("alice\u2800", "BRAILLE PATTERN BLANK (U+2800)");
    assertRefused("\u2800", "BRAILLE PATTERN BLANK (U+2800) alone");
    assertRefused("alice\ufe0f", "VARIATION SELECTOR-16 (U+FE0F)");
    assertRefused("alice\ufe00", "VARIATION SELECTOR-1 (U+FE00)");
    assertRefused("alice\udb40\udd00", "VARIATION SELECTOR-17 (U+E0100)");
    assertRefused("alice\udb40\udc41", "TAG LATIN CAPITAL LETTER A (U+E0041)");
    assertRefused("alice\udb40\udc7f", "CANCEL TAG (U+E007F)");
    assertRefused("alice\udb40\udc01", "LANGUAGE TAG (U+E0001)");
    assertRefused("\u17b4alice", "KHMER VOWEL INHERENT AQ (U+17B4)");
    assertRefused("alice\u180e", "MONGOLIAN VOWEL SEPARATOR (U+180E)");
    assertRefused("alice\u202e", "RIGHT-TO-LEFT OVERRIDE (U+202E)");
    assertRefused("alice\u2066", "LEFT-TO-RIGHT ISOLATE (U+2066)");
    assertRefused("alice\u200e", "LEFT-TO-RIGHT MARK (U+200E)");
    assertRefused("alice\u0000", "NUL");
    assertRefused("alice\u001b[31m", "ESC, a terminal escape sequence");
    assertRefused("alice\u0085", "NEXT LINE (U+0085)");
    assertRefused("al\nice", "line feed inside");
    assertRefused("al\u2028ice", "LINE SEPARATOR (U+2028) inside");
  }

  @Test
  void invisibleCharactersDoNotChangeTheKey() {
    for (String invisible :
        List.of("\u034f", "\u200b", "\u2060", "\u3164", "\u115f", "\uffa0", "\u2800", "\ufe0f",
            "\udb40\udc41", "\u00ad", "\u200d")) {
      assertEquals(
          key("alice"),
          key("al" + invisible + "ice"),
          "alice with U+" + Integer.toHexString(invisible.codePointAt(0)) + " inside");
    }
  }

  @Test
  void composedAndDecomposedFormsAreOneName() {
    String composed = "Jos\u00e9";
    String decomposed = "Jose\u0301";
    assertEquals(composed, Nicks.normalize(decomposed), "normalize gives NFC");
    assertEquals(key(composed), key(decomposed), "NFC and NFD of Jos\u00e9 have one key");
    assertEquals(
        Nicks.key(composed), Nicks.key(decomposed), "even without normalize, the key is the same");
    assertTrue(
        Nicks.problem(decomposed, MAX).isPresent(), "a name that skipped normalize is refused");
    assertEquals(key("Zo\u00eb"), key("Zoe\u0308"), "Zo\u00eb composed and decomposed");
    assertEquals(
        key("\ub2e4\uc740"), key("\u1103\u1161\u110b\u1173\u11ab"), "Hangul syllables, jamo");
  }

  @Test
  void caseVariantsShareTheKey() {
    assertEquals(key("alice"), key("ALICE"), "ALICE");
    assertEquals(key("alice"), key("Alice"), "Alice");
    assertEquals(key("alice"), key("aLiCe"), "aLiCe");
    assertEquals(key("jos\u00e9"), key("JOS\u00c9"), "JOS\u00c9 with capital E acute");
    assertEquals(key("stra\u00dfe"), key("STRASSE"), "sharp s folds to ss");
    assertEquals(
        key("\u03c3\u03bf\u03c6\u03af\u03b1"),
        key("\u03a3\u039f\u03a6\u038a\u0391"),
        "Greek lower and upper case");
    assertNotEquals(key("alice"), key("alicia"), "different names keep different keys");
    assertNotEquals(key("bob"), key("bobby"), "a prefix is a different name");
  }

  // --- server notices and the server's other forms ------------------------------------------

  @Test
  void namesThatForgeServerLinesAreRefused() {
    assertRefused("bob left the chat. eve", "a notice's words (spaces)");
    assertRefused("[Server]", "[Server]");
    assertRefused("[Server] bob", "[Server] prefix");
    assertRefused("Server", "Server");
    assertRefused("SERVER", "SERVER");
    assertRefused("server", "server");
    assertRefused("S\u0435rver", "Server with Cyrillic e");
    assertRefused("\uff3bServer\uff3d", "fullwidth [Server]");
    assertRefused("[#dev]", "another room's prefix");
    assertRefused("#dev", "a room name");
    assertRefused("[PM]", "the private-message prefix");
    assertRefused("*", "the action star");
    assertRefused("*alice", "an action's star");
    assertRefused("alice:", "a trailing colon");
    assertRefused("a::b", "the separator");
    assertRefused("a:b", "a colon");
    assertRefused("@alice", "an at sign");
    assertRefused("/me", "a command slash");
    assertRefused("alice\u02d0", "MODIFIER LETTER TRIANGULAR COLON (U+02D0), a colon look-alike");
    assertRefused("\ud800\udf1f", "OLD ITALIC LETTER ESS (U+1031F), an asterisk look-alike");
    assertRefused("\u0391\u037a", "GREEK YPOGEGRAMMENI (U+037A), whose NFKC form is a space");
    assertRefused("\u0645\ufc5e", "ARABIC LIGATURE U+FC5E, a space plus marks by NFKC");
  }

  @Test
  void reservedNamesAreRefusedInAnyDisguise() {
    for (String reserved :
        List.of("server", "Admin", "ADMIN", "system", "System", "pm", "PM", "me", "ME", "Me")) {
      Optional<String> problem = problemOf(reserved);
      assertEquals(
          Optional.of("Invalid username: '" + reserved + "' is reserved."), problem, reserved);
    }
    assertRefused("\uff4d\uff45", "fullwidth me");
    assertRefused("\uff30\uff2d", "fullwidth PM");
    assertRefused("\u0455ystem", "system with Cyrillic dze (mixed script)");
    assertAccepted("administrator", "a longer name that starts with admin");
    assertAccepted("meg", "a name that starts with me");
  }

  // --- the character classes ------------------------------------------------------------------

  @Test
  void eachKindOfRefusedCharacterIsRefused() {
    assertRefused("", "empty");
    assertRefused("   ", "only spaces");
    assertRefused("bob smith", "an inner space");
    assertRefused("bob\tsmith", "a tab");
    assertRefused("-bob", "starting with '-'");
    assertRefused("_bob", "starting with '_'");
    assertRefused(".bob", "starting with '.'");
    assertRefused("\u0301bob", "starting with a combining mark");
    assertRefused("a-\u0301", "a combining mark after '-'");
    assertRefused("a\u0316\u0317\u0318", "three combining marks on one letter");
    assertRefused("a\u0301\u0301", "the same mark twice on one letter");
    assertRefused("bob\ue000", "PRIVATE USE (U+E000)");
    assertRefused("bob\udb80\udc00", "SUPPLEMENTARY PRIVATE USE (U+F0000)");
    assertRefused("bob\u0378", "UNASSIGNED (U+0378)");
    assertRefused("bob\ud800", "a lone high surrogate");
    assertRefused("bob\udc00", "a lone low surrogate");
    assertRefused("bob\u00b2", "SUPERSCRIPT TWO, a number that is not a decimal digit");
    assertRefused("bob\u216b", "ROMAN NUMERAL TWELVE (Nl)");
    assertRefused("bob\u00a9", "COPYRIGHT SIGN, a symbol");
    assertRefused("bob\ud83d\ude00", "an emoji");
    assertRefused("bob\u2010", "HYPHEN (U+2010): only the ASCII '-' is allowed");
    assertRefused("O'Brien", "an apostrophe");
    assertRefused("bob!", "an exclamation mark");
    assertRefused("a+b", "a plus");
    assertRefused("alice\u0661", "Latin with an Arabic-Indic digit");
    assertRefused("1\u0661", "digits of two number systems");
    assertRefused("alice\u03b1", "Latin + Greek");
  }

  @Test
  void lengthIsCountedInCodePoints() {
    assertAccepted("a".repeat(MAX), MAX + " letters");
    assertRefused("a".repeat(MAX + 1), MAX + 1 + " letters");
    assertAccepted("\ud840\udc00".repeat(MAX), MAX + " supplementary Han (two chars each)");
    assertRefused("\ud840\udc00".repeat(MAX + 1), MAX + 1 + " supplementary Han");
    assertEquals(
        Optional.of("Invalid username: at most 5 characters (this has 6)."),
        Nicks.problem("abcdef", 5),
        "the reason says the limit");
    assertAccepted("Jose\u0301" + "a".repeat(MAX - 4), "NFD input counted after NFC");
  }

  // --- the reasons ------------------------------------------------------------------------

  @Test
  void reasonsNeverCarryARawCharacterThatIsNotPrintableAscii() {
    // Every code point, alone and inside a name: a refusal must be printable ASCII throughout.
    for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
      String c = new String(Character.toChars(cp));
      for (String name : List.of(c, "ab" + c + "cd")) {
        Optional<String> problem = Nicks.problem(name, MAX);
        if (problem.isPresent()) {
          assertPrintableAscii(problem.get(), cp);
        }
      }
    }
  }

  @Test
  void reasonsNameTheOffendingCharacterByCode() {
    assertEquals(
        Optional.of(
            "Invalid username: U+200B is an invisible character."
                + " Use letters, digits, '-', '_' or '.'."),
        problemOf("al\u200bice"),
        "ZERO WIDTH SPACE");
    assertEquals(
        Optional.of(
            "Invalid username: '[' (U+005B) is punctuation. Use letters, digits, '-', '_' or '.'."),
        problemOf("[Server]"),
        "a bracket");
    assertTrue(problemOf("alice\u0007").orElseThrow().contains("U+0007"), "BEL is named by code");
  }

  private static void assertPrintableAscii(String reason, int cp) {
    for (int i = 0; i < reason.length(); i++) {
      char c = reason.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        throw new AssertionError(
            String.format(
                "reason for U+%04X has U+%04X at %d: %s", cp, (int) c, i, escape(reason)));
      }
    }
  }

  private static String escape(String s) {
    StringBuilder out = new StringBuilder();
    s.chars()
        .forEach(
            c -> out.append(c >= 0x20 && c < 0x7f ? "" + (char) c : String.format("\\u%04x", c)));
    return out.toString();
  }

  // --- properties -------------------------------------------------------------------------

  @Property(tries = 300)
  void everyAcceptedNameHasTheKeyOfItsNfdAndCaseForms(@ForAll("names") String name) {
    String normalized = Nicks.normalize(name);
    Assume.that(Nicks.problem(normalized, MAX).isEmpty());
    String nfd = Normalizer.normalize(normalized, Normalizer.Form.NFD);
    assertEquals(Nicks.key(normalized), Nicks.key(nfd), "NFD of " + escape(normalized));
    assertEquals(normalized, Nicks.normalize(nfd), "normalize of the NFD of " + escape(normalized));
    String upperNfd =
        Normalizer.normalize(normalized.toUpperCase(Locale.ROOT), Normalizer.Form.NFD);
    assertEquals(
        Nicks.key(normalized), Nicks.key(upperNfd), "upper-case NFD of " + escape(normalized));
    assertFalse(Nicks.key(normalized).isEmpty(), "an accepted name has a key");
  }

  /** Names in one script (Latin, Greek or Cyrillic), with digits, '-', '_', '.' and accents. */
  @Provide
  Arbitrary<String> names() {
    return Arbitraries.of(
            new char[] {'a', 'z'},
            new char[] {'\u00c0', '\u024f'},
            new char[] {'\u0386', '\u03ce'},
            new char[] {'\u0400', '\u045f'})
        .flatMap(
            range -> {
              Arbitrary<Character> letters = Arbitraries.chars().range(range[0], range[1]);
              Arbitrary<Character> chars =
                  Arbitraries.frequencyOf(
                      Tuple.of(8, letters),
                      Tuple.of(1, Arbitraries.chars().range('0', '9')),
                      Tuple.of(1, Arbitraries.of('-', '_', '.')),
                      Tuple.of(1, Arbitraries.chars().range('\u0300', '\u0308')));
              return Combinators.combine(letters, chars.list().ofMaxSize(11))
                  .as(
                      (first, rest) -> {
                        StringBuilder out = new StringBuilder().append(first);
                        rest.forEach(out::append);
                        return out.toString();
                      });
            });
  }
}
