package pekkochat.client;

import java.util.Locale;
import java.util.Optional;
import pekkochat.protocol.Event;

/**
 * The conversation as this user sees it with an extended server: who the user is now (nick
 * changes included), which room the prompt is in, and how each event and each of the user's own
 * lines is shown (through {@link Display}).
 *
 * <p>An extended server sends no copy of the user's own room lines (as the original does not),
 * so {@link #echo} prints them locally in the form everyone else sees them; private messages are
 * echoed by the server and not here.
 *
 * <p>Not thread-safe: owned by the client actor.
 */
final class ChatView {

  private final Display display;
  private String me;
  private String activeRoom = "";
  /** The last nick change shown, so that the same change seen in several rooms shows once. */
  private String lastNick = "";

  ChatView(Display display, String me) {
    this.display = display;
    this.me = me;
  }

  /** The user's current name. */
  String me() {
    return me;
  }

  /** The name asked for with JOIN (or confirmed by the server's HELLO). */
  void me(String name) {
    me = name;
  }

  /** The room the user's lines go to; empty when the user is in none. */
  String activeRoom() {
    return activeRoom;
  }

  /** {@code "[#dev] alice> "}, or {@code "alice> "} while in no room. */
  String prompt() {
    String name = Display.inline(me) + "> ";
    return activeRoom.isEmpty() ? name : "[" + Display.inline(activeRoom) + "] " + name;
  }

  /**
   * Takes in an event: returns what to print (empty for nothing), and updates the user's name
   * and active room. The event is shown as seen before it took effect (a nick change of the user
   * is "You are now known as ...").
   */
  Optional<String> onEvent(Event e) {
    Optional<String> shown = Optional.of(display.show(e, new Display.View(me, activeRoom)));
    switch (e.kind()) {
      case HELLO -> {
        if (!e.to().isEmpty()) {
          me = e.to();
        }
      }
      case ENTERED, ACTIVE -> activeRoom = e.room();
      case PARTED -> {
        if (e.room().equalsIgnoreCase(activeRoom)) {
          activeRoom = ""; // until the server says which room is active now (ACTIVE or ENTERED)
        }
      }
      case NICK -> {
        String change = e.from() + "\n" + e.to();
        if (change.equals(lastNick)) {
          shown = Optional.empty();
        }
        lastNick = change;
        if (e.from().equalsIgnoreCase(me)) {
          me = e.to();
        }
      }
      default -> {
        // no state to change
      }
    }
    if (e.kind() != Event.Kind.NICK) {
      lastNick = "";
    }
    return shown;
  }

  /**
   * What to print for a line the user sends: a room line as {@code [HH:MM:SS] alice: hi}, an
   * action ({@code /me waves}) as {@code [HH:MM:SS] * alice waves}; empty for any other command
   * (its answer comes from the server).
   */
  Optional<String> echo(String line) {
    return echoShown(line).map(Display.Shown::text);
  }

  /** As {@link #echo}, with the line's parts. */
  Optional<Display.Shown> echoShown(String line) {
    if (!line.startsWith("/")) {
      return Optional.of(display.said("", me, ": ", line));
    }
    String[] words = line.split("\\s+", 2);
    if (words[0].toLowerCase(Locale.ROOT).equals("/me") && words.length == 2 && !words[1].isBlank()) {
      return Optional.of(display.said("* ", me, " ", words[1]));
    }
    return Optional.empty();
  }
}
