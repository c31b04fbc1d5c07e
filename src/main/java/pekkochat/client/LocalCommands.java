package pekkochat.client;

import java.util.Locale;
import java.util.Optional;

/**
 * The commands the client answers itself, and the checks it makes before a command goes to the
 * server: {@code /query nick} and {@code /msg nick} (no text) open a private conversation,
 * {@code /close} closes it, {@code /cancel} is about transfers, {@code /help} (the original
 * server's answer is the seed client's own list), and a nick or room name that the server would
 * refuse ({@link Names}) is refused here with the rule, nothing sent.
 */
final class LocalCommands {

  /** What the client does with a typed command instead of (or before) sending it. */
  sealed interface Local permits Refused, Help, Query, Close, Cancel {}

  /** Not sent: why. */
  record Refused(String reason) implements Local {}

  /** Shown here; with an extended server the line goes to the server too, which lists its commands. */
  record Help(String text, boolean alsoAskServer) implements Local {}

  /** Opens the private conversation with {@code nick}; {@code text}, if any, is sent to it. */
  record Query(String nick, String text) implements Local {}

  enum Close implements Local {
    INSTANCE
  }

  enum Cancel implements Local {
    INSTANCE
  }

  /** The client's own commands, for the extended server's {@code /help}. */
  static final String CLIENT_HELP =
      "This client: /query <nick> opens a private conversation (plain lines then go to that nick), /close closes it,"
          + " /accept [n] and /decline [n] answer a file offered to you, /cancel [n] stops a transfer (all without n); Tab completes, Alt-1..9 and Ctrl-N/Ctrl-P switch conversations, Ctrl-C asks"
          + " before it quits.";

  private LocalCommands() {}

  /** What the client does with {@code line} (stripped) itself; empty: it goes to the server as it is. */
  static Optional<Local> parse(String line, boolean extended) {
    if (!line.startsWith("/")) {
      return Optional.empty();
    }
    String[] words = line.split("\\s+", 3);
    String command = words[0].toLowerCase(Locale.ROOT);
    if (command.equals("/help")) {
      return Optional.of(extended ? new Help(CLIENT_HELP, true) : new Help(Display.HELP, false));
    }
    if (command.equals("/cancel")) {
      return Optional.of(Cancel.INSTANCE);
    }
    if (!extended) {
      return Optional.empty(); // the original server answers everything else itself
    }
    Optional<String> bad = Names.commandProblem(line);
    if (bad.isPresent()) {
      return Optional.of(new Refused(bad.get()));
    }
    return switch (command) {
      case "/query" -> Optional.of(
          words.length < 2 ? new Refused("Usage: /query <nick>") : new Query(words[1], words.length > 2 ? words[2] : ""));
      case "/msg" -> words.length == 2 ? Optional.of(new Query(words[1], "")) : Optional.empty();
      case "/close" -> Optional.of(Close.INSTANCE);
      default -> Optional.empty();
    };
  }
}
