package pekkochat.client;

import java.util.ArrayList;
import java.util.List;
import org.jline.reader.CompletingParsedLine;
import org.jline.reader.ParsedLine;
import org.jline.reader.Parser;

/**
 * Splits the input line into words at white space, for completion only. JLine's default parser
 * treats quotes and backslashes as shell syntax: an apostrophe in {@code it's} would open a
 * quote and Enter would ask for a continuation line. Here every character is text, and the line
 * is always complete.
 */
final class ChatParser implements Parser {

  @Override
  public ParsedLine parse(String line, int cursor, ParseContext context) {
    List<String> words = new ArrayList<>();
    int wordIndex = -1;
    int wordCursor = 0;
    int start = -1;
    for (int i = 0; i <= line.length(); i++) {
      boolean space = i == line.length() || Character.isWhitespace(line.charAt(i));
      if (!space && start < 0) {
        start = i;
      }
      if (space && start >= 0) {
        if (cursor >= start && cursor <= i) {
          wordIndex = words.size();
          wordCursor = cursor - start;
        }
        words.add(line.substring(start, i));
        start = -1;
      }
    }
    if (wordIndex < 0) {
      // The cursor is on white space: completing a new, empty word there.
      int before = 0;
      for (int i = 0; i < cursor && i < line.length(); i++) {
        boolean space = Character.isWhitespace(line.charAt(i));
        if (!space && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
          before++;
        }
      }
      words.add(before, "");
      wordIndex = before;
      wordCursor = 0;
    }
    String word = words.get(wordIndex);
    int index = wordIndex;
    int wc = wordCursor;
    // A CompletingParsedLine (else JLine warns on the screen at start): nothing is escaped, as
    // nothing is quoted, so a candidate goes into the line as it is.
    return new CompletingParsedLine() {
      @Override
      public CharSequence escape(CharSequence candidate, boolean complete) {
        return candidate;
      }

      @Override
      public int rawWordCursor() {
        return wc;
      }

      @Override
      public int rawWordLength() {
        return word.length();
      }

      @Override
      public String word() {
        return word;
      }

      @Override
      public int wordCursor() {
        return wc;
      }

      @Override
      public int wordIndex() {
        return index;
      }

      @Override
      public List<String> words() {
        return words;
      }

      @Override
      public String line() {
        return line;
      }

      @Override
      public int cursor() {
        return cursor;
      }
    };
  }

  @Override
  public boolean isEscapeChar(char ch) {
    return false;
  }

  @Override
  public boolean validCommandName(String name) {
    return true;
  }
}
