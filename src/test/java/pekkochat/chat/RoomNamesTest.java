package pekkochat.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Room-name rules. Every non-ASCII character is written as an escape. */
class RoomNamesTest {

  private static Optional<String> problemOf(String requested) {
    return RoomNames.problem(RoomNames.normalize(requested));
  }

  private static void assertAccepted(String requested, String what) {
    Optional<String> problem = problemOf(requested);
    assertTrue(problem.isEmpty(), what + " should be accepted, but: " + problem.orElse(""));
  }

  private static void assertRefused(String requested, String what) {
    Optional<String> problem = problemOf(requested);
    assertTrue(problem.isPresent(), what + " should be refused");
    assertTrue(problem.get().startsWith("Invalid room name: "), what + ": " + problem.get());
  }

  private static String key(String requested) {
    return RoomNames.key(RoomNames.normalize(requested));
  }

  @Test
  void normalizeGivesTheDisplayFormWithOneHash() {
    assertEquals("#dev", RoomNames.normalize("dev"), "no hash");
    assertEquals("#dev", RoomNames.normalize("#dev"), "one hash");
    assertEquals("#dev", RoomNames.normalize("  #dev\t"), "surrounding white space");
    assertEquals("##dev", RoomNames.normalize("##dev"), "only one hash is dropped");
    assertEquals("#caf\u00e9", RoomNames.normalize("cafe\u0301"), "NFD becomes NFC");
    assertEquals("#", RoomNames.normalize("#"), "a lone hash");
  }

  @Test
  void ordinaryRoomsAreAccepted() {
    assertAccepted("dev", "dev");
    assertAccepted("#Dev_2", "letters, digit, underscore");
    assertAccepted("#front-end", "hyphen");
    assertAccepted("#caf\u00e9", "caf\u00e9");
    assertAccepted("#\u5c71\u7530", "Han");
    assertAccepted("#\u03c3\u03bf\u03c6\u03af\u03b1", "Greek");
    assertAccepted("#\u0434\u0435\u0432", "all-Cyrillic");
    assertAccepted("#\u0645\u062d\u0645\u062f", "Arabic");
    assertAccepted("#\ub2e4\uc740", "Hangul");
    assertAccepted("#\u30c1\u30e3\u30c3\u30c8\u5ba4", "Katakana + Han");
    assertAccepted("#" + "a".repeat(RoomNames.MAX_LENGTH), RoomNames.MAX_LENGTH + " letters");
  }

  @Test
  void badRoomsAreRefused() {
    assertRefused("#", "nothing after the hash");
    assertRefused("", "empty");
    assertRefused("#" + "a".repeat(RoomNames.MAX_LENGTH + 1), "one character too long");
    assertRefused("##dev", "a second hash");
    assertRefused("#dev.ops", "a dot (allowed in nicks, not rooms)");
    assertRefused("#dev ops", "a space");
    assertRefused("#dev\u00a0", "a trailing NO-BREAK SPACE");
    assertRefused("#d\u0435v", "dev with Cyrillic e (mixed script)");
    assertRefused("#dev\u200b", "ZERO WIDTH SPACE");
    assertRefused("#dev\u2060", "WORD JOINER");
    assertRefused("#dev\u034f", "COMBINING GRAPHEME JOINER");
    assertRefused("#dev\u3164", "HANGUL FILLER");
    assertRefused("#\uffa0", "HALFWIDTH HANGUL FILLER alone");
    assertRefused("#dev\u2800", "BRAILLE PATTERN BLANK");
    assertRefused("#dev\ufe0f", "VARIATION SELECTOR-16");
    assertRefused("#dev\udb40\udc41", "a tag character");
    assertRefused("#dev\u202e", "RIGHT-TO-LEFT OVERRIDE");
    assertRefused("#[PM]", "brackets");
    assertRefused("#dev]", "a closing bracket");
    assertRefused("#dev:", "a colon");
    assertRefused("#dev*", "a star");
    assertRefused("#\uff3bdev\uff3d", "fullwidth brackets");
    assertRefused("#dev\u0007", "BEL");
    assertRefused("#dev\ue000", "private use");
    assertRefused("#dev\u0378", "unassigned");
    assertRefused("#dev\ud800", "a lone surrogate");
    assertRefused("#dev\u02d0", "a colon look-alike letter");
  }

  @Test
  void problemWantsTheNormalizedForm() {
    assertEquals(
        Optional.of("Invalid room name: it must start with '#'."),
        RoomNames.problem("dev"),
        "without the hash");
    assertTrue(RoomNames.problem("#cafe\u0301").isPresent(), "NFD that skipped normalize");
    assertEquals(
        Optional.of(
            "Invalid room name: at most 32 characters after '#' (this has 33)."),
        RoomNames.problem("#" + "a".repeat(33)),
        "the reason says the limit");
  }

  @Test
  void caseAndLookAlikesShareTheKey() {
    assertEquals(key("#dev"), key("#Dev"), "#Dev");
    assertEquals(key("#dev"), key("#DEV"), "#DEV");
    assertEquals(key("#dev"), key("dev"), "with and without the hash");
    assertEquals(key("#dev"), key("#d\u0435v"), "#dev with Cyrillic e");
    assertEquals(key("#dev"), key("#\uff44\uff45\uff56"), "fullwidth dev");
    assertEquals(key("#caf\u00e9"), RoomNames.key("#cafe\u0301"), "NFC and NFD of caf\u00e9");
    assertEquals(key("#dev"), key("#de\u200bv"), "an invisible character does not change the key");
    assertNotEquals(key("#dev"), key("#devs"), "another room");
    assertTrue(key("#dev").startsWith("#"), "keys keep the hash");
  }

  @Test
  void reasonsAreAlwaysPrintableAscii() {
    for (int cp = 0; cp <= Character.MAX_CODE_POINT; cp++) {
      String c = new String(Character.toChars(cp));
      for (String name : List.of("#" + c, "#ab" + c + "cd")) {
        Optional<String> problem = RoomNames.problem(name);
        if (problem.isPresent()) {
          String reason = problem.get();
          for (int i = 0; i < reason.length(); i++) {
            char ch = reason.charAt(i);
            if (ch < 0x20 || ch > 0x7e) {
              throw new AssertionError(
                  String.format("reason for U+%04X has U+%04X at %d", cp, (int) ch, i));
            }
          }
        }
      }
    }
  }
}
