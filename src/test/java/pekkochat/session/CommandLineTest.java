package pekkochat.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Locale;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import pekkochat.session.CommandLine.Away;
import pekkochat.session.CommandLine.Extended;
import pekkochat.session.CommandLine.Help;
import pekkochat.session.CommandLine.Join;
import pekkochat.session.CommandLine.Me;
import pekkochat.session.CommandLine.Msg;
import pekkochat.session.CommandLine.Nick;
import pekkochat.session.CommandLine.Part;
import pekkochat.session.CommandLine.Quit;
import pekkochat.session.CommandLine.Rooms;
import pekkochat.session.CommandLine.SendTo;
import pekkochat.session.CommandLine.Topic;
import pekkochat.session.CommandLine.Unknown;
import pekkochat.session.CommandLine.Usage;
import pekkochat.session.CommandLine.Users;

/**
 * Every command form of docs/PROTOCOL.md, parsed as the original server parses a command: the
 * first white-space separated word ({@code str.split(maxsplit=1)} in the original), lower-cased;
 * the rest, stripped, is the argument.
 */
class CommandLineTest {

  private static void parses(CommandLine expected, String line) {
    assertEquals(expected, CommandLine.parse(line), () -> "'" + visible(line) + "'");
  }

  private static String visible(String s) {
    StringBuilder b = new StringBuilder();
    s.codePoints().forEach(cp -> b.append(cp >= 0x20 && cp < 0x7f ? Character.toString(cp) : String.format("\\u%04x", cp)));
    return b.toString();
  }

  // --- the original's three -----------------------------------------------------------------

  @Test
  void usersIgnoresAnArgumentThatIsNotARoomAsTheOriginalDoes() {
    parses(new Users(""), "/users");
    parses(new Users(""), "/USERS");
    parses(new Users(""), "/Users");
    parses(new Users(""), "/users now");
    parses(new Users(""), "/Users\tplease");
    parses(new Users(""), "/users   ");
    parses(new Users(""), "/users #dev and more");
    parses(new Users("#dev"), "/users #dev");
    parses(new Users("#dev"), "/USERS   #dev   ");
    parses(new Users("#Dev"), "/users #Dev");
    parses(new Users(""), "/users dev");
  }

  @Test
  void helpAndQuitIgnoreTheirArgument() {
    parses(new Help(), "/help");
    parses(new Help(), "/HELP");
    parses(new Help(), "/help me");
    parses(new Quit(), "/quit");
    parses(new Quit(), "/Quit");
    parses(new Quit(), "/QUIT now");
    parses(new Quit(), "/quit\t");
  }

  @Test
  void anythingElseIsUnknownWithItsLowerCasedWord() {
    parses(new Unknown("/dance"), "/dance");
    parses(new Unknown("/dance"), "/Dance now");
    parses(new Unknown("/"), "/");
    parses(new Unknown("/"), "/ users");
    parses(new Unknown("/users#dev"), "/users#dev");
    parses(new Unknown("/send"), "/send notes.txt"); // a client-side command, not the server's
    parses(new Unknown("/usersx"), "/USERSx");
  }

  // --- separators ---------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {" ", "\t", "  \t ", "\u3000", "\u2003", "\u1680", "\u000b", "\u000c", "\u001c", "\u001f", "\u2028", "\r", "\n"})
  void anyWhiteSpaceAsPythonSeesItSeparatesTheWord(String separator) {
    parses(new Users(""), "/users" + separator + "now");
    parses(new Quit(), "/Quit" + separator + "now");
    parses(new Users("#dev"), "/users" + separator + "#dev");
    parses(new Join("#dev"), "/join" + separator + "#dev" + separator);
    parses(new Msg("bob", "hi"), "/msg" + separator + "bob" + separator.substring(0, 1) + "hi");
    parses(new Usage("/join <room>"), "/join #dev" + separator.substring(0, 1) + "#ops");
  }

  @ParameterizedTest
  @ValueSource(strings = {"\u00a0", "\u2007", "\u202f"})
  void noBreakSpacesEndTheCommandWord(String separator) {
    parses(new Users(""), "/users" + separator + "now");
    parses(new Quit(), "/QUIT" + separator + "now");
    parses(new Help(), "/help" + separator);
  }

  @ParameterizedTest
  @ValueSource(strings = {"\u200b", "\u180e", "\u2060", "\ufeff"})
  void invisibleCharactersThatPythonDoesNotSplitOnAreNoSeparators(String invisible) {
    parses(new Unknown("/users" + invisible + "now"), "/users" + invisible + "now");
  }

  /**
   * Python's {@code str.split()} and {@code str.strip()} treat U+00A0, U+2007, U+202F (no-break
   * spaces) and U+0085 (NEL) as white space. The word search here knows the no-break spaces but not
   * NEL, and Java's {@code String.strip()}, used on the argument, knows neither: the separator is
   * left at the front of the argument.
   */
  @ParameterizedTest
  @ValueSource(strings = {"\u00a0", "\u2007", "\u202f", "\u0085"})
  void noBreakSpacesAndNelSeparateAndAreStrippedAsInPython(String separator) {
    parses(new Users(""), "/users" + separator + "now");
    parses(new Users("#dev"), "/users" + separator + "#dev");
    parses(new Join("#dev"), "/join" + separator + "#dev");
    parses(new Join("#dev"), "/join #dev" + separator);
    parses(new Msg("bob", "hi"), "/msg" + separator + "bob" + separator + "hi");
    parses(new Nick("robert"), "/nick robert" + separator);
    parses(new Quit(), "/quit" + separator);
  }

  @Test
  void commandWordsAreLowerCasedWhateverTheDefaultLocale() {
    Locale before = Locale.getDefault();
    try {
      Locale.setDefault(Locale.forLanguageTag("tr"));
      // In Turkish, "I".toLowerCase() is a dotless i: /QUIT would become /quıt.
      parses(new Quit(), "/QUIT");
      parses(new Join("#dev"), "/JOIN #dev");
      parses(new Users(""), "/USERS");
      parses(new Nick("robert"), "/NICK robert");
    } finally {
      Locale.setDefault(before);
    }
  }

  // --- ours ---------------------------------------------------------------------------------

  @Test
  void join() {
    parses(new Join("#dev"), "/join #dev");
    parses(new Join("dev"), "/join dev");
    parses(new Join("#Dev"), "/JOIN #Dev"); // the argument keeps its case
    parses(new Join("#dev"), "/join    #dev   ");
    parses(new Usage("/join <room>"), "/join");
    parses(new Usage("/join <room>"), "/join   ");
    parses(new Usage("/join <room>"), "/join #dev #ops");
  }

  @Test
  void part() {
    parses(new Part(""), "/part");
    parses(new Part(""), "/PART  ");
    parses(new Part("#dev"), "/part #dev");
    parses(new Part("dev"), "/part\tdev");
    parses(new Usage("/part [<room>]"), "/part #dev #ops");
  }

  @Test
  void rooms() {
    parses(new Rooms(), "/rooms");
    parses(new Rooms(), "/ROOMS please");
  }

  @Test
  void topic() {
    parses(new Topic(""), "/topic");
    parses(new Topic(""), "/topic   ");
    parses(new Topic("release on friday"), "/topic release on friday");
    parses(new Topic("spaced   out"), "/TOPIC   spaced   out  ");
    parses(new Topic("-"), "/topic -");
  }

  @Test
  void msg() {
    parses(new Msg("bob", "hi there"), "/msg bob hi there");
    parses(new Msg("Bob", "hi"), "/MSG Bob hi");
    parses(new Msg("bob", "hi"), "/msg bob\thi");
    parses(new Msg("bob", "hi"), "/msg   bob hi   ");
    parses(new Msg("bob", "/me waves"), "/msg bob /me waves");
    parses(new Msg("bob", "a :: b"), "/msg bob a :: b");
    // The text is what follows the one separator after the nick, as typed: a second space stays.
    parses(new Msg("bob", " two spaces"), "/msg bob  two spaces");
    parses(new Usage("/msg <nick> <text>"), "/msg");
    parses(new Usage("/msg <nick> <text>"), "/msg bob");
    parses(new Usage("/msg <nick> <text>"), "/msg bob    ");
    parses(new Usage("/msg <nick> <text>"), "/msg   ");
  }

  @Test
  void me() {
    parses(new Me("waves"), "/me waves");
    parses(new Me("waves at bob"), "/ME   waves at bob  ");
    parses(new Usage("/me <action>"), "/me");
    parses(new Usage("/me <action>"), "/me    ");
  }

  @Test
  void nick() {
    parses(new Nick("robert"), "/nick robert");
    parses(new Nick("Robert"), "/NICK   Robert  ");
    parses(new Usage("/nick <new name>"), "/nick");
    parses(new Usage("/nick <new name>"), "/nick bob robert");
  }

  @Test
  void away() {
    parses(new Away(""), "/away");
    parses(new Away(""), "/away   ");
    parses(new Away("lunch"), "/away lunch");
    parses(new Away("in a meeting"), "/AWAY  in a meeting ");
  }

  @Test
  void sendTo() {
    parses(new SendTo("carol"), "/sendto carol");
    parses(new SendTo("carol"), "/SENDTO\tcarol ");
    parses(new Usage("/sendto <nick>, then /send <file>"), "/sendto");
    parses(new Usage("/sendto <nick>, then /send <file>"), "/sendto carol dave");
  }

  @Test
  void extended() {
    parses(new Extended("1"), "/extended 1");
    parses(new Extended("2"), "/EXTENDED 2");
    parses(new Extended(""), "/extended");
    parses(new Extended("1 2"), "/extended 1 2");
  }

  @Test
  void historyOfARoomOrOfAPrivateConversation() {
    parses(new CommandLine.History("", 20, 0), "/history");
    parses(new CommandLine.History("#dev", 5, 0), "/history #dev 5");
    parses(new CommandLine.History("@bob", 20, 0), "/history @bob");
    parses(new CommandLine.History("@bob", 2, 4), "/history @bob 2 before 4");
    parses(new Usage("/history [#room|@nick] [count] [before <id>]"), "/history bob");
    parses(new Usage("/history [#room|@nick] [count] [before <id>]"), "/history @bob 0");
  }

  @Test
  void passwordTakesAQuotedOldPasswordAndAllTheRestAsTheNewOne() {
    Usage usage = new Usage(CommandLine.PASSWORD_USAGE);
    parses(new CommandLine.Password("old-secret", "new secret phrase"), "/password old-secret new secret phrase");
    parses(new CommandLine.Password("old-secret", "new"), "/PASSWORD\told-secret   new  ");
    parses(new CommandLine.Password("correct horse battery", "new-one"), "/password \"correct horse battery\" new-one");
    parses(new CommandLine.Password("say \"hi\" \\o/", "new"), "/password \"say \\\"hi\\\" \\\\o/\" new");
    for (String bad : new String[] {"/password", "/password x", "/password old   ", "/password \"unclosed new", "/password \"a\"b new",
        "/password \"\" new", "/password \"old one\""}) {
      parses(usage, bad);
    }
    // Never printed with either password.
    assertEquals("Password[old=***, new=***]", CommandLine.parse("/password old-secret new-secret").toString());
  }
}
