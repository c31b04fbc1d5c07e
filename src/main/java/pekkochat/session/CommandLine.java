package pekkochat.session;

import java.util.Locale;

/**
 * A line a user typed that starts with {@code /}, parsed as the original server parses it: the
 * command is the first whitespace-separated word, lower-cased ({@code /USERS}, {@code /users now}
 * and {@code /Quit} are {@code /users}, {@code /users} and {@code /quit}); the rest of the line,
 * stripped, is its argument. A plain class with no actor in sight, so every form is a unit test.
 */
public sealed interface CommandLine {

  /**
   * {@code /users [#room]}: only an argument that starts with {@code #} names a room, since the
   * original ignores what follows {@code /users} ({@code /users now} lists the users).
   */
  record Users(String room) implements CommandLine {}

  /** {@code /help}. */
  record Help() implements CommandLine {}

  /** {@code /quit}. */
  record Quit() implements CommandLine {}

  /** {@code /join <room>}. */
  record Join(String room, long afterSeq) implements CommandLine {
    Join(String room) {
      this(room, -1);
    }
  }

  /** {@code /part [room]} (empty: the active room). */
  record Part(String room) implements CommandLine {}

  /** {@code /rooms}. */
  record Rooms() implements CommandLine {}

  /** {@code /topic [text]}: empty shows the topic; {@code /topic -} clears it. */
  record Topic(String text) implements CommandLine {}

  /** {@code /msg <nick> <text>}. */
  record Msg(String nick, String text) implements CommandLine {}

  /** {@code /me <action>}. */
  record Me(String action) implements CommandLine {}

  /** {@code /nick <new>}. */
  record Nick(String nick) implements CommandLine {}

  /** {@code /away [text]} (empty: back). */
  record Away(String text) implements CommandLine {}

  /** {@code /sendto <nick>}: the next file goes to that user only. */
  record SendTo(String nick) implements CommandLine {}

  /** {@code /extended <version>}: the client asks for the extended protocol. */
  record Extended(String version, java.util.Map<String, Long> after) implements CommandLine {
    Extended(String version) {
      this(version, java.util.Map.of());
    }
  }

  /**
   * {@code /history [#room|@nick] [n] [before <seq>]}: the last {@code n} lines of a room (the active one
   * when none is named), or of the private conversation with {@code @nick}, before line {@code
   * seq} (all lines when 0).
   */
  record History(String room, int count, long beforeSeq) implements CommandLine {}

  /**
   * {@code /post <id> <#room> <text>} (extended clients): a line to {@code room} with an id its
   * client chose, acknowledged with STORED; text starting with {@code /me } is an action.
   */
  record Post(String clientId, String room, String text, boolean action) implements CommandLine {}
  /** {@code /register <password>}: reserve the current nick. Never printed with its password. */
  record Register(String password) implements CommandLine {
    @Override
    public String toString() {
      return "Register[password=***]";
    }
  }

  /** {@code /login <nick> <password>}. Never printed with its password. */
  record Login(String nick, String password) implements CommandLine {
    @Override
    public String toString() {
      return "Login[nick=" + nick + ", password=***]";
    }
  }

  /**
   * {@code /password <old> <new>}: change the password of the account the connection is logged in
   * to. Never printed with either password.
   */
  record Password(String oldPassword, String newPassword) implements CommandLine {
    @Override
    public String toString() {
      return "Password[old=***, new=***]";
    }
  }

  /** A command with its usage wrong: {@code usage} says how it is typed. */
  record Usage(String usage) implements CommandLine {}

  /** Anything else: the original's {@code Unknown command. Type /help.} */
  record Unknown(String word) implements CommandLine {}

  /** Parses {@code line}, which starts with {@code /}. */
  static CommandLine parse(String line) {
    String stripped = strip(line);
    int space = indexOfWhitespace(stripped);
    String word = (space < 0 ? stripped : stripped.substring(0, space)).toLowerCase(Locale.ROOT);
    String rest = space < 0 ? "" : strip(stripped.substring(space));
    return switch (word) {
      case "/users" -> new Users(rest.startsWith("#") && !hasWhitespace(rest) ? rest : "");
      case "/help" -> new Help();
      case "/quit" -> new Quit();
      case "/join" -> join(rest);
      case "/part" -> hasWhitespace(rest) ? new Usage("/part [<room>]") : new Part(rest);
      case "/rooms" -> new Rooms();
      case "/topic" -> new Topic(rest);
      case "/msg" -> msg(rest);
      case "/me" -> rest.isEmpty() ? new Usage("/me <action>") : new Me(rest);
      case "/nick" -> rest.isEmpty() || hasWhitespace(rest) ? new Usage("/nick <new name>") : new Nick(rest);
      case "/away" -> new Away(rest);
      case "/sendto" -> rest.isEmpty() || hasWhitespace(rest) ? new Usage("/sendto <nick>, then /send <file>") : new SendTo(rest);
      case "/extended" -> extended(rest);
      case "/history" -> history(rest);
      case "/post" -> post(rest);
      case "/register" -> rest.isEmpty() ? new Usage(REGISTER_USAGE) : new Register(rest);
      case "/login" -> login(rest);
      case "/password" -> password(rest);
      default -> new Unknown(word);
    };
  }

  static final String REGISTER_USAGE = "/register <password>";

  static final String LOGIN_USAGE = "/login <nick> <password>";

  /** The password is all that follows the nick, stripped (as /register takes it): it may hold spaces. */
  private static CommandLine login(String rest) {
    int space = indexOfWhitespace(rest);
    if (space < 0 || strip(rest.substring(space)).isEmpty()) {
      return new Usage(LOGIN_USAGE);
    }
    return new Login(rest.substring(0, space), strip(rest.substring(space)));
  }

  static final String PASSWORD_USAGE = "/password <old> <new> (an old password with spaces in double quotes: /password \"my old one\" new)";

  /**
   * The old password is the first word, or, when it starts with {@code "}, what is quoted, with
   * {@code \"} for a quote and {@code \\} for a backslash inside (an old password may hold spaces,
   * as /register takes them); the new one is all that follows, stripped, as /register takes it.
   */
  private static CommandLine password(String rest) {
    String old;
    int end;
    if (rest.startsWith("\"")) {
      StringBuilder unquoted = new StringBuilder();
      int i = 1;
      while (i < rest.length() && rest.charAt(i) != '"') {
        if (rest.charAt(i) == '\\' && i + 1 < rest.length()) {
          i++;
        }
        unquoted.append(rest.charAt(i++));
      }
      if (i >= rest.length() || i + 1 >= rest.length() || !isWhitespace(rest.charAt(i + 1))) {
        return new Usage(PASSWORD_USAGE); // unclosed, or no space after the closing quote
      }
      old = unquoted.toString();
      end = i + 1;
    } else {
      end = indexOfWhitespace(rest);
      if (end < 0) {
        return new Usage(PASSWORD_USAGE);
      }
      old = rest.substring(0, end);
    }
    String fresh = strip(rest.substring(end));
    return old.isEmpty() || fresh.isEmpty() ? new Usage(PASSWORD_USAGE) : new Password(old, fresh);
  }

  private static CommandLine msg(String rest) {
    int space = indexOfWhitespace(rest);
    if (space < 0 || strip(rest.substring(space)).isEmpty()) {
      return new Usage("/msg <nick> <text>");
    }
    return new Msg(rest.substring(0, space), rest.substring(space + 1));
  }

  /** Python's {@code str.strip()}: white space as {@link #isWhitespace} has it, both ends. */
  static String strip(String s) {
    int from = 0;
    int to = s.length();
    while (from < to && isWhitespace(s.charAt(from))) {
      from++;
    }
    while (to > from && isWhitespace(s.charAt(to - 1))) {
      to--;
    }
    return s.substring(from, to);
  }

  private static boolean hasWhitespace(String s) {
    return indexOfWhitespace(s) >= 0;
  }

  /** Where the first white space is (as Python's str.split() sees it), or -1. */
  private static int indexOfWhitespace(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (isWhitespace(s.charAt(i))) {
        return i;
      }
    }
    return -1;
  }

  /**
   * White space as Python's {@code str.isspace()} has it, which the original's {@code split()}
   * uses: Java's white space and space characters (the no-break spaces too), and NEL (U+0085).
   */
  private static boolean isWhitespace(char c) {
    return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '\u0085';
  }

  static final String HISTORY_USAGE = "/history [#room|@nick] [count] [before <id>]";

  /** Lines {@code /history} shows when no count is given. */
  static final int HISTORY_DEFAULT = 20;

  private static CommandLine history(String rest) {
    String[] words = rest.isBlank() ? new String[0] : rest.trim().split("\\s+");
    String room = "";
    int count = HISTORY_DEFAULT;
    long before = 0;
    int i = 0;
    if (i < words.length && (words[i].startsWith("#") || words[i].startsWith("@"))) {
      room = words[i++];
    }
    try {
      if (i < words.length && !words[i].equalsIgnoreCase("before")) {
        count = Integer.parseInt(words[i++]);
        if (count < 1) {
          return new Usage(HISTORY_USAGE);
        }
      }
      if (i < words.length) {
        if (!words[i].equalsIgnoreCase("before") || i + 2 != words.length) {
          return new Usage(HISTORY_USAGE);
        }
        before = Long.parseLong(words[i + 1]);
        if (before < 1) {
          return new Usage(HISTORY_USAGE);
        }
        i += 2;
      }
    } catch (NumberFormatException e) {
      return new Usage(HISTORY_USAGE);
    }
    return i == words.length ? new History(room, count, before) : new Usage(HISTORY_USAGE);
  }

  static final String POST_USAGE = "/post <id> <#room> <text> (id: 1 to 64 letters, digits, '.', '_', ':' or '-')";

  java.util.regex.Pattern CLIENT_ID = java.util.regex.Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  private static CommandLine post(String rest) {
    int first = rest.indexOf(' ');
    int second = first < 0 ? -1 : rest.indexOf(' ', first + 1);
    if (second < 0) {
      return new Usage(POST_USAGE);
    }
    String id = rest.substring(0, first);
    String room = rest.substring(first + 1, second);
    String text = rest.substring(second + 1);
    if (!CLIENT_ID.matcher(id).matches() || !room.startsWith("#") || text.isEmpty()) {
      return new Usage(POST_USAGE);
    }
    if (text.startsWith("/me ")) {
      return text.length() > 4 ? new Post(id, room, text.substring(4), true) : new Usage(POST_USAGE);
    }
    return new Post(id, room, text, false);
  }

  /**
   * {@code /join <room>}, or (extended clients resuming) {@code /join <room> after <seq>}: the
   * room's lines after line seq are replayed on entering it, then it goes on live.
   */
  private static CommandLine join(String rest) {
    if (rest.isEmpty()) {
      return new Usage("/join <room>");
    }
    if (!hasWhitespace(rest)) {
      return new Join(rest);
    }
    String[] words = rest.trim().split("\\s+");
    if (words.length == 3 && words[1].equalsIgnoreCase("after")) {
      try {
        long after = Long.parseLong(words[2]);
        if (after >= 0) {
          return new Join(words[0], after);
        }
      } catch (NumberFormatException e) {
        // the usage below
      }
    }
    return new Usage("/join <room>");
  }

  /**
   * {@code /extended 1}, or (a client resuming) {@code /extended 1 after #lobby=120 #dev=55}: for
   * each room named that the connection is in, the lines after that seq are replayed instead of
   * the last few.
   */
  private static CommandLine extended(String rest) {
    String[] words = rest.trim().split("\\s+");
    if (words.length < 3 || !words[1].equalsIgnoreCase("after")) {
      return new Extended(rest);
    }
    java.util.Map<String, Long> after = new java.util.LinkedHashMap<>();
    for (int i = 2; i < words.length && after.size() < 100; i++) {
      int eq = words[i].lastIndexOf('=');
      if (eq <= 0) {
        return new Usage("/extended 1 [after <#room>=<seq> ...]");
      }
      try {
        long seq = Long.parseLong(words[i].substring(eq + 1));
        if (seq < 0) {
          return new Usage("/extended 1 [after <#room>=<seq> ...]");
        }
        after.put(words[i].substring(0, eq), seq);
      } catch (NumberFormatException e) {
        return new Usage("/extended 1 [after <#room>=<seq> ...]");
      }
    }
    return new Extended(words[0], after);
  }

  /**
   * {@code /resume <token> <received>}, the one command taken before JOIN: resume the connection
   * the token was given to, whose client received {@code received} of its private events.
   */
  record ResumeRequest(String token, long received) {
    @Override
    public String toString() {
      return "ResumeRequest[token=***, received=" + received + "]";
    }
  }

  /** Whether {@code line} is a {@code /resume} command (before JOIN). */
  static boolean isResume(String line) {
    return firstWord(line).equals("/resume");
  }

  /**
   * Whether {@code line} is a {@code /extended} command, or one of an account ({@code /login},
   * {@code /register}, {@code /password}): those a resuming client sends before anything else.
   */
  static boolean isExtendedOrAccount(String line) {
    return switch (firstWord(line)) {
      case "/extended", "/login", "/register", "/password" -> true;
      default -> false;
    };
  }

  /** {@code /resume}'s arguments; empty when they are not a token and a count. */
  static java.util.Optional<ResumeRequest> resume(String line) {
    String stripped = strip(line);
    int space = indexOfWhitespace(stripped);
    String[] words = space < 0 ? new String[0] : strip(stripped.substring(space)).split("\\s+");
    if (words.length != 2 || words[1].isEmpty() || words[1].length() > 18 || !words[1].chars().allMatch(c -> c >= '0' && c <= '9')) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(new ResumeRequest(words[0], Long.parseLong(words[1])));
  }

  private static String firstWord(String line) {
    String stripped = strip(line);
    int space = indexOfWhitespace(stripped);
    return (space < 0 ? stripped : stripped.substring(0, space)).toLowerCase(Locale.ROOT);
  }
}
