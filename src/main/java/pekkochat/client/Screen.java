package pekkochat.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jline.utils.AttributedString;
import org.jline.utils.AttributedStringBuilder;
import org.jline.utils.AttributedStyle;
import pekkochat.config.ClientSettings;
import pekkochat.protocol.Event;
import pekkochat.protocol.Message;

/**
 * What the user sees: the conversations (rooms, and private conversations named {@code @nick}),
 * the one in view, the prompt that names it, the status line with unread counts, colours, the
 * bell, and what Tab completes. Every line shown comes from {@link Display}, filtered, before
 * {@link Styles} adds its look.
 *
 * <p>With the {@code windows} layout on a terminal that can redraw ({@link Console#canRedraw}),
 * only the conversation in view is printed; each conversation keeps its last lines, a line of
 * another one counts as unread (and prints a one-line notice when it names the user, is a
 * private message to the user or one the user sent), and switching clears the screen and redraws
 * that conversation. Otherwise (piped output, the {@code interleaved} layout) every line is
 * printed as it comes, lines of rooms not in view tagged {@code [#room]}.
 *
 * <p>With the original server there is one conversation, unnamed, and no status line. Which
 * conversations there are, who is in them and what nicks were seen is kept by {@link
 * Conversations}; this class keeps which one is in view and what is shown.
 *
 * <p>Not thread-safe: owned by the client actor (what Tab completes is published to the reader
 * thread through {@link Completions}).
 */
final class Screen {

  private final Console console;
  private final Display display;
  private final ChatView view;
  private final Styles styles;
  private final ClientSettings.Screen settings;
  private final boolean windows;
  private final Completions completions = new Completions();
  private final Conversations conversations = new Conversations();
  private Conversation inView = new Conversation("");
  private boolean extended;
  private Pattern mention;
  private String mentionOf = "";
  /** Room switches by key whose ACTIVE has not come back yet: the view has moved already. */
  private int switchesInFlight;
  /** The user typed a /join: the view follows the ACTIVE or ENTERED it brings. */
  private boolean followNextActive;
  /** A room a typed {@code /join} is entering (until its ENTERED or ACTIVE), or null. */
  private String joiningRoom;
  /** About the connection, after the conversations in the status line; empty for nothing. */
  private String status = "";
  /** Another prompt (a question) shown instead of the conversation's. */
  private String question;

  Screen(Console console, Display display, ChatView view, ClientSettings.Screen settings) {
    this.console = console;
    this.display = display;
    this.view = view;
    this.settings = settings;
    this.windows = settings.windows() && console.canRedraw();
    this.styles = new Styles(colour(settings, console, System.getenv()));
    console.completer(completions);
    publish();
  }

  /**
   * Whether nicks are coloured: the setting is on, the console shows colour, and no non-empty
   * {@code NO_COLOR} is in the environment (no-color.org).
   */
  static boolean colour(ClientSettings.Screen settings, Console console, Map<String, String> environment) {
    String noColor = environment.get("NO_COLOR");
    return settings.colour() && console.colour() && (noColor == null || noColor.isEmpty());
  }

  /** The server speaks the extended protocol: rooms and private conversations from now on. */
  void extended() {
    extended = true;
    refresh();
  }

  boolean isExtended() {
    return extended;
  }

  // --- lines ----------------------------------------------------------------------------------

  /** A notice of the client's own (already stamped): shown in the conversation in view. */
  void notice(String stamped) {
    show(inView, Display.Shown.notice(stamped));
  }

  /** An error of the client's own (already stamped): shown in the conversation in view. */
  void error(String stamped) {
    show(inView, Display.Shown.error(stamped));
  }

  /** A small frame from the server (not an EVENT). */
  void fromServer(Message message) {
    Display.Shown shown = display.shown(message);
    learn(message);
    if (shown.kind() == Display.Kind.CHAT && !shown.speaker().equalsIgnoreCase(view.me())) {
      boolean named = Styles.mentions(shown, view.me(), mention());
      if (named && settings.bell() == ClientSettings.Screen.Bell.MENTION) {
        console.bell();
      }
    }
    show(inView, shown);
  }

  /** The user's own line, as others see it (with an extended server, or a plain line to the original). */
  void own(String line) {
    if (!extended && line.startsWith("/")) {
      return; // the original server has no /me, and commands are answered by the server
    }
    view.echoShown(line).ifPresent(shown -> show(inView, shown));
  }

  /** What members and nicks a frame of the original protocol tells. */
  private void learn(Message message) {
    conversations.learn(message, extended ? null : inView);
    publish();
  }

  // --- events of the extended protocol --------------------------------------------------------

  /** An EVENT from an extended server. */
  void onEvent(Event e) {
    String meBefore = view.me();
    Pattern mentionBefore = mention();
    Optional<String> shownAtAll = view.onEvent(e); // the user's name and the server's active room
    Conversation before = inView;
    track(e, meBefore);
    if (windows && e.kind() == Event.Kind.ACTIVE && before == inView && inView.name.equalsIgnoreCase(e.room())) {
      // Already in view (switched by key, or just entered): the prompt says it, no line needed.
      shownAtAll = Optional.empty();
    }
    if (shownAtAll.isEmpty()) {
      refresh();
      return;
    }
    Conversation home = home(e, meBefore);
    boolean line = isLine(e.kind());
    boolean fromOther = line && !e.from().equalsIgnoreCase(meBefore);
    boolean pm = e.kind() == Event.Kind.PRIVATE || e.kind() == Event.Kind.PRIVATE_ACTION;
    Display.Shown shown = display.shown(e, new Display.View(meBefore, windows ? e.room() : roomInView()));
    boolean named = fromOther && Styles.mentions(shown, meBefore, mentionBefore);
    if (fromOther && (pm ? settings.bell() != ClientSettings.Screen.Bell.OFF : named && settings.bell() == ClientSettings.Screen.Bell.MENTION)) {
      console.bell();
    }
    if (home != inView && line) {
      if (fromOther) {
        home.unread++;
        home.flagged |= named || pm;
      }
      if (windows) {
        keep(home, styles.style(shown, meBefore, mentionBefore));
        if (named || pm) {
          // A one-line notice in view, tagged with where it was said.
          Display.Shown notice = display.shown(e, new Display.View(meBefore, roomInView())).firstLine();
          console.print(styles.style(notice, meBefore, mentionBefore));
        }
        refresh();
        return;
      }
    }
    if (windows && home != inView) {
      keep(home, styles.style(shown, meBefore, mentionBefore));
      refresh();
      return;
    }
    show(home, shown, meBefore, mentionBefore);
    refresh();
  }

  private static boolean isLine(Event.Kind kind) {
    return kind == Event.Kind.MESSAGE
        || kind == Event.Kind.ACTION
        || kind == Event.Kind.PRIVATE
        || kind == Event.Kind.PRIVATE_ACTION;
  }

  /** Updates conversations, members and the view for {@code e}. */
  private void track(Event e, String meBefore) {
    switch (e.kind()) {
      case ENTERED -> {
        Conversation c = conversations.entered(e.room(), e.to());
        if (inView.name.isEmpty() && !conversations.contains(inView)) {
          // The lines from before the first room (the welcome) belong to it.
          inView.lines.forEach(c.lines::addLast);
          trim(c);
        }
        followNextActive = false;
        joiningRoom = null;
        if (inView.name.isEmpty()) {
          // The first room: what is on the screen is its start already, nothing to redraw.
          inView = c;
        } else if (switchesInFlight == 0 || !inView.room()) {
          moveTo(c);
        }
      }
      case ACTIVE -> {
        Conversation c = conversations.findOrAdd(e.room());
        if (switchesInFlight > 0) {
          switchesInFlight--;
        } else if (followNextActive || !inView.pm()) {
          moveTo(c);
        }
        followNextActive = false;
        joiningRoom = null;
      }
      case PARTED -> conversations.find(e.room()).ifPresent(c -> {
        conversations.remove(c);
        if (c == inView) {
          moveTo(conversations.firstOrNone());
        }
      });
      case JOINED -> conversations.joined(e.room(), e.from());
      case LEFT -> conversations.left(e.room(), e.from());
      case NICK -> conversations.renamed(e.from().isEmpty() ? meBefore : e.from(), e.to());
      case PRIVATE, PRIVATE_ACTION -> conversations.privateWith(e.from().equalsIgnoreCase(meBefore) ? e.to() : e.from());
      case MESSAGE, ACTION -> conversations.seen(e.from());
      default -> {
        // AWAY, HELLO, TOPIC: nothing to track
      }
    }
  }

  /** The conversation an event belongs to; null for one shown wherever the user is. */
  private Conversation home(Event e, String meBefore) {
    return switch (e.kind()) {
      // A line of a room the client was not told it entered still gets a conversation.
      case MESSAGE, ACTION -> e.room().isEmpty() ? inView : conversations.findOrAdd(e.room());
      case JOINED, LEFT, TOPIC -> conversations.find(e.room()).orElse(inView);
      case PRIVATE, PRIVATE_ACTION -> conversations.findOrAdd("@" + (e.from().equalsIgnoreCase(meBefore) ? e.to() : e.from()));
      default -> inView;
    };
  }

  // --- switching ------------------------------------------------------------------------------

  /**
   * Alt-digit: the conversation of that number in the status line. Returns the line to send for
   * a room ({@code /join #dev}, which only makes it active server-side); empty for none.
   */
  Optional<String> switchTo(int number) {
    List<Conversation> named = named();
    if (number < 1 || number > named.size()) {
      return Optional.empty();
    }
    return switchTo(named.get(number - 1));
  }

  /** Ctrl-N / Ctrl-P: the next or previous conversation, around. */
  Optional<String> cycle(int step) {
    List<Conversation> named = named();
    if (named.isEmpty()) {
      return Optional.empty();
    }
    int at = named.indexOf(inView);
    int next = Math.floorMod((at < 0 ? 0 : at) + step, named.size());
    return switchTo(named.get(next));
  }

  private Optional<String> switchTo(Conversation c) {
    if (c == inView) {
      return Optional.empty();
    }
    moveTo(c);
    refresh();
    if (c.room()) {
      switchesInFlight++;
      return Optional.of("/join " + c.name);
    }
    return Optional.empty();
  }

  /**
   * The user typed {@code /join room}: the view follows the room it makes active, and lines
   * posted meanwhile go to that room ({@link #postRoom}), as the server would put them there.
   */
  void joining(String argument) {
    followNextActive = true;
    String room = argument.split("\\s+", 2)[0];
    joiningRoom = room.isEmpty() ? null : room.startsWith("#") ? room : "#" + room;
  }

  /**
   * The room a line typed now is for: the room in view, or the one a {@code /join} just typed
   * is entering; empty in a private conversation or none.
   */
  String postRoom() {
    if (inView.pm()) {
      return "";
    }
    return joiningRoom != null ? joiningRoom : roomInView();
  }

  /** The rooms the user is in, in the order of the status line. */
  List<String> rooms() {
    return conversations.rooms();
  }

  /** What the status line adds about the connection ({@code reconnecting in 2 s...}); empty: nothing. */
  void status(String text) {
    status = text;
    refresh();
  }

  /** {@code /query nick}: opens (or switches to) the private conversation with {@code nick}. */
  void query(String nick) {
    conversations.seen(nick);
    Conversation c = conversations.findOrAdd("@" + nick);
    moveTo(c);
    refresh();
  }

  /**
   * {@code /close}: closes the private conversation in view (its lines are dropped). Returns why
   * not, for a room or none.
   */
  Optional<String> closeInView() {
    if (!inView.pm()) {
      return Optional.of("/close closes a private conversation; to leave a room, use /part.");
    }
    Conversation closed = inView;
    conversations.remove(closed);
    Conversation next = conversations.find(view.activeRoom()).orElse(conversations.firstOrNone());
    moveTo(next);
    refresh();
    return Optional.empty();
  }

  /**
   * The line as it goes to the server: in a private conversation, a line that is not a command
   * is sent to its partner ({@code /msg bob ...}).
   */
  String route(String line) {
    if (inView.pm() && !line.startsWith("/")) {
      return "/msg " + inView.partner() + " " + line;
    }
    return line;
  }

  /** Whether the conversation in view is a private one. */
  boolean inPrivate() {
    return inView.pm();
  }

  private void moveTo(Conversation c) {
    if (c == inView) {
      return;
    }
    inView = c;
    c.unread = 0;
    c.flagged = false;
    if (windows) {
      console.redraw(List.copyOf(c.lines));
    }
  }

  // --- the prompt and the status line --------------------------------------------------------

  /** Asks a question in the prompt's place until {@link #endQuestion}. */
  void ask(String prompt) {
    question = prompt;
    console.prompt(prompt);
  }

  void endQuestion() {
    question = null;
    console.prompt(prompt());
  }

  /** {@code [#dev] alice> }, {@code [@bob] alice> }, or {@code alice> } with no conversation. */
  String prompt() {
    String me = Display.inline(view.me()) + "> ";
    return inView.name.isEmpty() ? me : "[" + Display.inline(inView.name) + "] " + me;
  }

  /** {@code 1:#lobby  2:#dev(3)  3:@bob(1!)}: the one in view reversed, flagged ones bold. */
  AttributedString bar() {
    AttributedStringBuilder b = new AttributedStringBuilder();
    List<Conversation> named = named();
    for (int i = 0; i < named.size(); i++) {
      Conversation c = named.get(i);
      if (i > 0) {
        b.append("  ");
      }
      String label = (i + 1) + ":" + Display.inline(c.name) + (c.unread > 0 ? "(" + c.unread + (c.flagged ? "!" : "") + ")" : "");
      AttributedStyle style =
          c == inView ? AttributedStyle.DEFAULT.inverse() : c.flagged ? AttributedStyle.DEFAULT.bold() : AttributedStyle.DEFAULT;
      b.append(label, style);
    }
    if (!status.isEmpty()) {
      b.append(named.isEmpty() ? "" : "  ");
      b.append("[" + status + "]", AttributedStyle.DEFAULT.bold());
    }
    return b.toAttributedString();
  }

  /** The status line as text (for tests and piped consoles): {@code 1:#lobby  2:#dev(3)}. */
  String barText() {
    return bar().toString();
  }

  private void refresh() {
    if (question == null) {
      console.prompt(prompt());
    }
    if (extended) {
      console.statusBar(bar());
    }
    publish();
  }

  private void publish() {
    List<String> rooms = conversations.rooms();
    List<String> members = inView.pm() ? List.of(inView.partner()) : List.copyOf(inView.members.values());
    List<String> all = new ArrayList<>(conversations.nicks());
    completions.publish(
        new Completions.State(
            extended ? Completions.EXTENDED_COMMANDS : Completions.PLAIN_COMMANDS, rooms, members, all, view.me()));
  }

  Completions completions() {
    return completions;
  }

  // --- helpers ----------------------------------------------------------------------------------

  private String roomInView() {
    return inView.room() ? inView.name : "";
  }

  private List<Conversation> named() {
    return conversations.all();
  }

  private Pattern mention() {
    if (mention == null || !mentionOf.equals(view.me())) {
      mentionOf = view.me();
      mention = Styles.mentionOf(mentionOf);
    }
    return mention;
  }

  private void show(Conversation c, Display.Shown shown) {
    show(c, shown, view.me(), mention());
  }

  private void show(Conversation c, Display.Shown shown, String me, Pattern mentionPattern) {
    AttributedString styled = styles.style(shown, me, mentionPattern);
    keep(c, styled);
    console.print(styled);
  }

  private void keep(Conversation c, AttributedString line) {
    c.lines.addLast(line);
    trim(c);
  }

  private void trim(Conversation c) {
    while (c.lines.size() > settings.bufferLines()) {
      c.lines.removeFirst();
    }
  }
}
