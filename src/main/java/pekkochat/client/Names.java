package pekkochat.client;

import java.util.Locale;
import java.util.Optional;
import pekkochat.chat.Nicks;
import pekkochat.chat.RoomNames;

/**
 * The server's rules for names ({@link Nicks}, {@link RoomNames}), checked before anything is
 * sent: a name the server would refuse gets the rule in one line, and nothing goes out.
 */
final class Names {

  /** The server's default {@code pekko-chat.server.max-name-length}. */
  static final int MAX_NICK_LENGTH = 32;

  private Names() {}

  /** Why {@code typed} cannot be a nick, if it cannot. */
  static Optional<String> nickProblem(String typed) {
    return Nicks.problem(Nicks.normalize(typed), MAX_NICK_LENGTH);
  }

  /** Why {@code typed} ({@code dev} or {@code #dev}) cannot be a room name, if it cannot. */
  static Optional<String> roomProblem(String typed) {
    return RoomNames.problem(RoomNames.normalize(typed));
  }

  /**
   * Why a typed command names a nick or room the server would refuse, if it does: {@code /nick},
   * {@code /join}, {@code /part}, {@code /msg}, {@code /query} and {@code /sendto}. Lines that are
   * not such commands, and such commands without their argument (the server says how to use
   * them), pass.
   */
  static Optional<String> commandProblem(String line) {
    if (!line.startsWith("/")) {
      return Optional.empty();
    }
    String[] words = line.strip().split("\\s+", 3);
    if (words.length < 2) {
      return Optional.empty();
    }
    return switch (words[0].toLowerCase(Locale.ROOT)) {
      case "/nick", "/msg", "/query", "/sendto" -> nickProblem(words[1]);
      case "/join", "/part" -> roomProblem(words[1]);
      default -> Optional.empty();
    };
  }
}
