package pekkochat.session;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a long listing ({@code /users} of a big room, {@code /rooms}) into TEXT lines that each
 * fit the frame limit every client accepts: the original's client and ours both drop (or, in old
 * versions of ours, die on) a frame over it. Items are never cut; an item longer than the limit
 * on its own (it cannot be: names and topics are short) is shortened.
 */
final class Listing {

  private Listing() {}

  static List<String> split(String head, String continuedHead, List<String> items, String separator, int maxBytes) {
    List<String> parts = new ArrayList<>();
    StringBuilder line = new StringBuilder(head);
    int bytes = utf8(head);
    boolean empty = true;
    int sepBytes = utf8(separator);
    for (String item : items) {
      int itemBytes = utf8(item);
      if (!empty && bytes + sepBytes + itemBytes > maxBytes) {
        parts.add(line.toString());
        line = new StringBuilder(continuedHead);
        bytes = utf8(continuedHead);
        empty = true;
      }
      if (!empty) {
        line.append(separator);
        bytes += sepBytes;
      }
      line.append(item);
      bytes += itemBytes;
      empty = false;
    }
    parts.add(line.toString());
    return parts;
  }

  private static int utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }
}
