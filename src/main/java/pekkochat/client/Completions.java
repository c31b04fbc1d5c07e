package pekkochat.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;

/**
 * What Tab completes, from the client's live state: commands ({@code /jo} to {@code /join }),
 * nicks of the conversation in view ({@code ali} to {@code alice: } at the start of a line,
 * {@code alice} elsewhere), room names after {@code /join} and {@code /part}, and nicks after
 * {@code /msg}, {@code /query} and {@code /sendto}.
 *
 * <p>The client actor publishes a new {@link State} whenever what it knows changes; the
 * terminal's reader thread completes against the latest one. A state is immutable, so the two
 * threads share nothing else.
 */
final class Completions implements Completer {

  /**
   * What completion knows: the commands this server takes, the rooms the user is in, the members
   * of the conversation in view, every nick the client has seen, and the user's own name (never
   * offered).
   */
  record State(List<String> commands, List<String> rooms, List<String> members, List<String> nicks, String me) {
    State {
      commands = List.copyOf(commands);
      rooms = List.copyOf(rooms);
      members = List.copyOf(members);
      nicks = List.copyOf(nicks);
    }
  }

  /** The commands of the original server, and what this client does itself. */
  static final List<String> PLAIN_COMMANDS = List.of("/users", "/send", "/help", "/quit", "/cancel");

  /** The commands of an extended server (docs/PROTOCOL.md), and what this client does itself. */
  static final List<String> EXTENDED_COMMANDS =
      List.of(
          "/join", "/part", "/rooms", "/users", "/topic", "/msg", "/query", "/close", "/me", "/nick", "/away", "/sendto",
          "/send", "/accept", "/decline", "/cancel", "/help", "/quit");

  private static final List<String> ROOM_ARGUMENT = List.of("/join", "/part", "/users");
  private static final List<String> NICK_ARGUMENT = List.of("/msg", "/query", "/sendto");

  private volatile State state = new State(PLAIN_COMMANDS, List.of(), List.of(), List.of(), "");

  /** Called by the client actor. */
  void publish(State newState) {
    state = newState;
  }

  State state() {
    return state;
  }

  @Override
  public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
    candidates.addAll(candidates(state, line.words(), line.wordIndex(), line.word().substring(0, line.wordCursor())));
  }

  /** The candidates for {@code word} (typed so far), the {@code index}th of {@code words}. */
  static List<Candidate> candidates(State s, List<String> words, int index, String word) {
    List<Candidate> out = new ArrayList<>();
    String first = words.isEmpty() ? "" : words.get(0).toLowerCase(Locale.ROOT);
    if (index == 0 && word.startsWith("/")) {
      s.commands().forEach(c -> out.add(new Candidate(c, c, null, null, null, null, true)));
    } else if (index == 1 && ROOM_ARGUMENT.contains(first)) {
      boolean hash = word.startsWith("#") || word.isEmpty();
      for (String room : s.rooms()) {
        String value = hash ? room : room.substring(1);
        out.add(new Candidate(value, room, null, null, null, null, true));
      }
    } else if (index == 1 && NICK_ARGUMENT.contains(first)) {
      s.nicks().stream().filter(n -> !n.equalsIgnoreCase(s.me())).forEach(n -> out.add(new Candidate(n, n, null, null, null, null, true)));
    } else if (!first.startsWith("/") || index > 1 || first.equals("/me")) {
      boolean lead = index == 0;
      for (String n : s.members()) {
        if (!n.equalsIgnoreCase(s.me())) {
          // "alice: " at the start of a line, as irssi does; "alice" (and a space) elsewhere.
          out.add(new Candidate(lead ? n + ":" : n, n, null, null, null, null, true));
        }
      }
    }
    return out;
  }
}
