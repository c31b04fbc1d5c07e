package pekkochat.client;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStringBuilder;
import org.jline.utils.AttributedStyle;

/**
 * The look of a line on a terminal: the time stamp dimmed, each nick in a colour of its own
 * (stable: a hash of its lower-cased form picks one of {@link #PALETTE}), the user's own nick bold
 * in the terminal's default colour (which no one else gets), the user's name reversed and bold
 * where someone else mentions it, errors in red.
 *
 * <p>It styles a {@link Display.Shown}, whose text has already passed {@link Display}'s filters:
 * no character a peer sent can reach the terminal as a control, and the styles are added around
 * that text by JLine, never parsed out of it.
 */
final class Styles {

  /** Twelve colours that read on dark and light backgrounds; none is the user's own look. */
  static final int[] PALETTE = {
    AttributedStyle.RED,
    AttributedStyle.GREEN,
    AttributedStyle.YELLOW,
    AttributedStyle.BLUE,
    AttributedStyle.MAGENTA,
    AttributedStyle.CYAN,
    AttributedStyle.BRIGHT | AttributedStyle.RED,
    AttributedStyle.BRIGHT | AttributedStyle.GREEN,
    AttributedStyle.BRIGHT | AttributedStyle.YELLOW,
    AttributedStyle.BRIGHT | AttributedStyle.BLUE,
    AttributedStyle.BRIGHT | AttributedStyle.MAGENTA,
    AttributedStyle.BRIGHT | AttributedStyle.CYAN,
  };

  /** Where the user's name is mentioned: reversed and bold, with or without colour. */
  static final AttributedStyle MENTION = AttributedStyle.DEFAULT.bold().inverse();

  private static final AttributedStyle OWN = AttributedStyle.DEFAULT.bold();

  private final boolean colour;

  Styles(boolean colour) {
    this.colour = colour;
  }

  boolean colour() {
    return colour;
  }

  /** Which of {@link #PALETTE} a nick gets: FNV-1a of its lower-cased UTF-8, mod 12. */
  static int colourIndex(String nick) {
    int h = 0x811c9dc5;
    for (byte b : nick.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x01000193;
    }
    return Math.floorMod(h, PALETTE.length);
  }

  /**
   * The whole-word, any-case pattern of {@code me} as shown ({@link Display#inline}): not inside a
   * longer name (a letter, digit, {@code -} or {@code _} on either side), so {@code alice} is
   * mentioned in {@code "alice: hi"} and {@code "hi ALICE."} but not in {@code "malice"}.
   */
  static Pattern mentionOf(String me) {
    return Pattern.compile(
        "(?<![\\p{L}\\p{N}\\p{M}_-])" + Pattern.quote(Display.inline(me)) + "(?![\\p{L}\\p{N}\\p{M}_-])",
        Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
  }

  /** Whether {@code shown} is someone else's line that mentions {@code mention}. */
  static boolean mentions(Display.Shown shown, String me, Pattern mention) {
    return shown.kind() == Display.Kind.CHAT
        && !shown.speaker().equalsIgnoreCase(me)
        && mention.matcher(shown.text()).region(shown.bodyAt(), shown.text().length()).find();
  }

  /** {@code shown} with its styles. */
  AttributedString style(Display.Shown shown, String me, Pattern mention) {
    String text = shown.text();
    AttributedStyle[] at = new AttributedStyle[text.length()];
    java.util.Arrays.fill(at, AttributedStyle.DEFAULT);
    int stampEnd = text.startsWith("[") && text.length() >= Display.INDENT.length() ? Display.INDENT.length() - 1 : 0;
    if (colour) {
      fill(at, 0, stampEnd, AttributedStyle.DEFAULT.foreground(AttributedStyle.BRIGHT | AttributedStyle.BLACK));
    }
    if (shown.kind() == Display.Kind.ERROR && colour) {
      fill(at, stampEnd, text.length(), AttributedStyle.DEFAULT.foreground(AttributedStyle.RED));
    }
    if (shown.nickAt() >= 0 && shown.nickEnd() > shown.nickAt()) {
      boolean own = shown.speaker().equalsIgnoreCase(me);
      AttributedStyle nickStyle =
          own ? OWN : colour ? AttributedStyle.DEFAULT.foreground(PALETTE[colourIndex(shown.speaker())]) : AttributedStyle.DEFAULT;
      fill(at, shown.nickAt(), shown.nickEnd(), nickStyle);
      if (!own && shown.kind() == Display.Kind.CHAT) {
        Matcher m = mention.matcher(text).region(shown.bodyAt(), text.length());
        while (m.find()) {
          fill(at, m.start(), m.end(), MENTION);
        }
      }
    }
    AttributedStringBuilder b = new AttributedStringBuilder(text.length() + 16);
    int run = 0;
    for (int i = 1; i <= text.length(); i++) {
      if (i == text.length() || !at[i].equals(at[run])) {
        b.append(text.substring(run, i), at[run]);
        run = i;
      }
    }
    return b.toAttributedString();
  }

  private static void fill(AttributedStyle[] at, int from, int to, AttributedStyle style) {
    for (int i = Math.max(0, from); i < Math.min(at.length, to); i++) {
      at[i] = style;
    }
  }
}
