package pekkochat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import pekkochat.client.ChatClient;
import pekkochat.server.ChatServer;
import pekkochat.testing.RawPeer;
import pekkochat.testing.SeedImplementation;
import pekkochat.testing.SeedServer;
import pekkochat.testing.Servers;
import pekkochat.testing.TestConsole;
import pekkochat.testing.VirtualTerminal;

/**
 * The real terminal client ({@code TerminalConsole} on a JLine terminal of type xterm-256color
 * over in-memory streams, keys typed as a terminal sends them) against our server and against
 * the original: Tab completion, switching conversations by key and by {@code /join}, unread
 * counts, the buffer redrawn, mentions highlighted with a bell, Ctrl-C asking first, names
 * checked before they are sent, and the terminal left clean on the way out.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TerminalClientTest {

  private static final String CTRL_C = "\u0003";
  private static final String CTRL_N = "\u000e";
  private static final String ALT_1 = "\u001b1";
  /** xterm's clear_screen. */
  private static final String CLEAR = Pattern.quote("\u001b[H\u001b[2J");

  @TempDir Path tmp;
  private ChatServer server;
  private final List<ChatClient> clients = new ArrayList<>();
  private final List<TestConsole> consoles = new ArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    consoles.forEach(TestConsole::endInput);
    for (ChatClient c : clients) {
      c.stop();
    }
    for (ChatClient c : clients) {
      c.system().getWhenTerminated().toCompletableFuture().get(15, TimeUnit.SECONDS);
    }
    for (AutoCloseable c : closeables) {
      c.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private InetSocketAddress ourServer() throws Exception {
    if (server == null) {
      server = Servers.start(Files.createDirectories(tmp.resolve("spool")));
    }
    return new InetSocketAddress("127.0.0.1", server.address().getPort());
  }

  private ChatClient start(InetSocketAddress address, String name, pekkochat.client.Console console) throws IOException {
    ChatClient client =
        ChatClient.start(
            Servers.clientConfig(), Servers.clientSettings(Files.createDirectories(tmp.resolve(name + "-files"))), address, name, console);
    clients.add(client);
    return client;
  }

  private ChatClient start(InetSocketAddress address, String name, pekkochat.client.Console console, pekkochat.config.ClientSettings.Screen screen)
      throws IOException {
    ChatClient client =
        ChatClient.start(
            Servers.clientConfig(),
            Servers.clientSettings(Files.createDirectories(tmp.resolve(name + "-files"))).withScreen(screen),
            address,
            name,
            console);
    clients.add(client);
    return client;
  }

  private VirtualTerminal terminal() throws IOException {
    VirtualTerminal t = new VirtualTerminal();
    closeables.add(t);
    return t;
  }

  private TestConsole piped(InetSocketAddress address, String name) throws IOException {
    TestConsole console = new TestConsole(false);
    consoles.add(console);
    start(address, name, console);
    return console;
  }

  private static int exitCode(ChatClient client) throws Exception {
    return client.exitCode().toCompletableFuture().get(15, TimeUnit.SECONDS);
  }

  // --- our server -----------------------------------------------------------------------------

  @Test
  void completionSwitchingUnreadCountsAndMentionsOnOurServer() throws Exception {
    InetSocketAddress address = ourServer();
    VirtualTerminal alice = terminal();
    ChatClient client = start(address, "alice", alice.console());
    alice.await("Connected to 127\\.0\\.0\\.1:\\d+ as alice\\.");
    alice.await(Pattern.quote("[#lobby] alice> "));
    TestConsole bob = piped(address, "bob");
    bob.await("You are in #lobby");
    alice.await("bob joined #lobby\\.");

    // A nick at the start of a line: "bo<Tab>" becomes "bob: ".
    alice.type("bo\thi there\r");
    bob.await("alice: bob: hi there$");
    alice.await("alice: bob: hi there"); // one's own line, stamped and named

    // A command, then a room name after /join.
    alice.type("/jo\tdev\r");
    alice.await(Pattern.quote("[#dev] alice> "));
    bob.type("/join #dev");
    alice.await("bob joined #dev\\.");
    alice.type("/join #lo\t\r");
    alice.awaitRaw(CLEAR); // #lobby's lines drawn again
    alice.await("alice: bob: hi there");
    alice.await(Pattern.quote("[#lobby] alice> "));

    // Lines in #dev while #lobby is in view: counted, not printed; a mention gets one notice.
    bob.type("first in dev");
    bob.type("second in dev");
    alice.awaitStatus("^1:#lobby  2:#dev\\(2\\)$");
    assertFalse(alice.text().contains("first in dev"), "a line of a room not in view was printed");
    bob.type("alice: look at this");
    alice.await("\\[#dev\\] bob: alice: look at this");
    alice.awaitStatus("^1:#lobby  2:#dev\\(3!\\)$");
    // Highlighted (bold and reversed) and rung for.
    alice.awaitRaw("\u001b\\[[0-9;]*7[0-9;]*malice");
    assertTrue(alice.raw().contains("\u0007"), "no bell for a mention");

    // Ctrl-N: #dev in view, the screen cleared and its lines drawn again, the prompt changed.
    alice.type(CTRL_N);
    alice.awaitRaw(CLEAR);
    alice.await("bob: first in dev");
    alice.await("bob: second in dev");
    alice.await(Pattern.quote("[#dev] alice> "));
    alice.type("back in dev\r");
    bob.await("alice: back in dev$"); // sent to #dev: the server made it active too

    // Alt-1: back to #lobby, with its own lines.
    alice.type(ALT_1);
    alice.awaitRaw(CLEAR);
    alice.await("alice: bob: hi there");
    alice.await(Pattern.quote("[#lobby] alice> "));

    // A private conversation: plain lines go to bob; Tab offers bob after /msg.
    alice.type("/query bob\r");
    alice.await(Pattern.quote("[@bob] alice> "));
    alice.awaitStatus("^1:#lobby  2:#dev  3:@bob$");
    alice.type("psst\r");
    bob.await("\\[PM\\] alice: psst$");
    alice.await("\\[PM to bob\\] alice: psst");
    bob.type("/msg alice hello back");
    alice.await("\\[PM\\] bob: hello back");

    // Ctrl-C with nothing in flight asks; "n" keeps the chat; a second Ctrl-C quits.
    alice.type(CTRL_C);
    alice.await(Pattern.quote("Quit? [y/N] "));
    alice.type("n\r");
    alice.await(Pattern.quote("[@bob] alice> "));
    alice.type(CTRL_C);
    alice.await(Pattern.quote("Quit? [y/N] "));
    alice.type(CTRL_C);
    bob.await("alice left");
    assertEquals(0, exitCode(client));
    alice.close();
    // The shell's prompt starts on a line of its own: the prompt line is emptied at the end.
    String raw = alice.raw();
    int erased = raw.lastIndexOf("\r\u001b[K");
    assertTrue(erased > raw.lastIndexOf("alice> "), () -> "the prompt line is left: " + VirtualTerminal.visible(tail(raw)));
    String after = raw.substring(erased).replaceAll("\u001b\\[[0-?]*[ -/]*[@-~]|\u001b[78=>]|\r", "");
    assertTrue(after.isEmpty(), () -> "printed after the prompt line was emptied: " + VirtualTerminal.visible(after));
  }

  @Test
  void theInterleavedLayoutWithoutColourPrintsEveryLineTaggedAndStillMarksMentions() throws Exception {
    InetSocketAddress address = ourServer();
    VirtualTerminal alice = terminal();
    var screen = new pekkochat.config.ClientSettings.Screen(false, 100, pekkochat.config.ClientSettings.Screen.Bell.PM, false);
    start(address, "alice", alice.console(), screen);
    alice.await(Pattern.quote("[#lobby] alice> "));
    TestConsole bob = piped(address, "bob");
    bob.await("You are in #lobby");
    alice.type("/join #dev\r");
    alice.await(Pattern.quote("[#dev] alice> "));
    bob.type("alice: are you there?");
    // Printed at once, tagged with its room; counted in the status line all the same.
    alice.await("\\[#lobby\\] bob: alice: are you there\\?");
    alice.awaitStatus("^1:#lobby\\(1!\\)  2:#dev$");
    String raw = alice.raw();
    assertTrue(raw.matches("(?s).*\u001b\\[[0-9;]*7[0-9;]*malice.*"), "the mention is not reversed without colour");
    // No SGR sequence sets a foreground colour (30-38, 90-97).
    assertFalse(
        Pattern.compile("\u001b\\[(?:[0-9]*;)*(?:3[0-8]|9[0-7])(?:;[0-9]*)*m").matcher(raw).find(),
        () -> "a colour in " + VirtualTerminal.visible(raw));
    assertFalse(raw.contains("\u0007"), "bell = pm rang for a mention");
    bob.type("/msg alice psst");
    alice.await("\\[PM\\] bob: psst");
    alice.awaitRaw("\u0007");
  }

  @Test
  void namesAreCheckedBeforeTheyAreSentAndARefusedNameIsAskedAgainBeforeConnected() throws Exception {
    InetSocketAddress address = ourServer();
    RawPeer first = RawPeer.joined(address, "alice");
    closeables.add(first);
    VirtualTerminal t = terminal();
    start(address, "alice", t.console());
    t.await("Username already taken");
    t.await("Choose another name");
    assertFalse(t.text().contains("Connected"), () -> "announced before the name was accepted: " + t.text());
    t.type("bad name\r");
    t.await("Invalid username: U\\+0020 is a space; names have no spaces\\.");
    t.type("alice2\r");
    t.await("Connected to 127\\.0\\.0\\.1:\\d+ as alice2\\.");
    first.expect(RawPeer.JOIN, "alice2 joined the chat."); // and no JOIN of "bad name" before it
    t.await(Pattern.quote("[#lobby] alice2> "));

    t.type("/join bad!room\r");
    t.await("Invalid room name");
    t.type("/nick x*y\r");
    t.await("Invalid username: '\\*' \\(U\\+002A\\)");
    t.type("still here\r");
    // The very next frame: nothing was sent for the refused commands.
    first.expect(RawPeer.TEXT, "alice2::still here");
    // "Type /help for commands." once: in the server's welcome, not in our "Connected" line.
    TestConsole carol = piped(address, "carol");
    carol.await("You are in #lobby");
    List<String> printed = carol.printed();
    assertEquals(1, printed.stream().filter(l -> l.contains("Type /help for commands")).count(), printed::toString);
    assertTrue(printed.indexOf(printed.stream().filter(l -> l.contains("Connected to")).findFirst().orElseThrow())
        < printed.indexOf(printed.stream().filter(l -> l.contains("Welcome")).findFirst().orElseThrow()), printed::toString);
  }

  @Test
  void anInvalidNameWithNobodyToAskIsRefusedWithoutConnecting() throws Exception {
    try (ServerSocket nobody = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      nobody.setSoTimeout(500);
      TestConsole console = piped(new InetSocketAddress("127.0.0.1", nobody.getLocalPort()), "no way");
      ChatClient client = clients.get(clients.size() - 1);
      console.await("Invalid username: U\\+0020 is a space");
      console.endInput();
      assertEquals(2, exitCode(client));
      assertThrowsTimeout(nobody);
    }
  }

  private static void assertThrowsTimeout(ServerSocket s) throws IOException {
    try (Socket accepted = s.accept()) {
      throw new AssertionError("the client connected with a name it should have refused");
    } catch (java.net.SocketTimeoutException expected) {
      // nothing connected
    }
  }

  // --- the original server --------------------------------------------------------------------

  @Test
  void completionMentionsAndCtrlCAgainstTheOriginalServer() throws Exception {
    SeedImplementation implementation = SeedImplementation.forTests().get(0);
    SeedServer seed = SeedServer.start(implementation, Files.createDirectories(tmp.resolve("seed")));
    closeables.add(seed);
    VirtualTerminal alice = terminal();
    ChatClient client = start(seed.address(), "alice", alice.console());
    alice.await("Connected to 127\\.0\\.0\\.1:\\d+ as alice\\.");
    alice.await("Welcome!");
    RawPeer bob = RawPeer.joined(seed.address(), "bob");
    closeables.add(bob);
    alice.await("bob joined the chat\\.");
    alice.await(Pattern.quote("alice> "));

    alice.type("/us\t\r");
    alice.await("\\[Server\\] Online users: alice, bob");
    alice.type("bo\thello\r");
    bob.expect(RawPeer.TEXT, "alice::bob: hello");
    alice.await("alice: bob: hello"); // one's own line, stamped and named, though the server sends no copy

    bob.send(RawPeer.TEXT, "are you there, Alice?");
    alice.await("bob: are you there, Alice\\?");
    alice.awaitRaw("\u001b\\[[0-9;]*7[0-9;]*mAlice");
    assertTrue(alice.raw().contains("\u0007"), "no bell for a mention");

    // What a peer sends reaches the terminal defused, styles or not: no title change, no colour.
    bob.send(RawPeer.TEXT, "evil \u001b]0;pwned\u0007 \u001b[31mred alice");
    alice.await("bob: evil \\^\\[\\]0;pwned\\^G \\^\\[\\[31mred alice");
    assertFalse(alice.raw().contains("\u001b]0;pwned") || alice.raw().contains("\u001b[31mred"), "a peer's escape reached the terminal");

    alice.type(CTRL_C);
    alice.await(Pattern.quote("Quit? [y/N] "));
    alice.type("y\r");
    assertEquals(0, exitCode(client));
  }

  // --- Ctrl-C during a transfer ---------------------------------------------------------------

  /**
   * A server that welcomes the client, answers /extended 1 as the original does, then stops
   * reading: an upload stays in flight as long as the test wants.
   */
  @Test
  void ctrlCDuringATransferAsksAndTheStatusLineIsGoneAfterwards() throws Exception {
    Path big = tmp.resolve("big.bin");
    Files.write(big, new byte[32 << 20]);
    try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      listener.setSoTimeout(10_000);
      VirtualTerminal alice = terminal();
      ChatClient client = start(new InetSocketAddress("127.0.0.1", listener.getLocalPort()), "alice", alice.console());
      try (Socket s = listener.accept()) {
        s.setReceiveBufferSize(64 << 10);
        DataInputStream in = new DataInputStream(s.getInputStream());
        OutputStream out = s.getOutputStream();
        readFrame(in); // JOIN
        out.write(RawPeer.frame(RawPeer.TEXT, "Welcome! Type /help for commands.".getBytes(StandardCharsets.UTF_8)));
        readFrame(in); // /extended 1
        out.write(RawPeer.frame(RawPeer.ERROR, "Unknown command. Type /help.".getBytes(StandardCharsets.UTF_8)));
        out.flush();
        alice.await(Pattern.quote("alice> "));

        alice.type("/send " + big + "\r");
        alice.await("Sending big\\.bin");
        alice.await("\u2191 big\\.bin"); // the progress line
        alice.type(CTRL_C);
        alice.await(Pattern.quote("Cancel 1 transfer? [y/N] "));
        alice.type("y\r");
        alice.await("cannot be stopped without closing the connection");
        // The transfer cannot be cancelled: Ctrl-C now asks to quit, and a second one quits.
        alice.type(CTRL_C);
        alice.await(Pattern.quote("Quit? The file in flight is cut off. [y/N] "));
        alice.type(CTRL_C);
        assertEquals(0, exitCode(client));
        alice.close();
        String end = alice.raw().substring(alice.raw().lastIndexOf("Quit?"));
        // The status line's scroll region is given back to the whole screen.
        assertTrue(end.contains("\u001b[1;" + VirtualTerminal.ROWS + "r"), () -> "status line left: " + VirtualTerminal.visible(end));
      }
    }
  }

  private static void readFrame(DataInputStream in) throws IOException {
    int length = in.readInt();
    in.readFully(new byte[length]);
  }

  private static String tail(String s) {
    return s.substring(Math.max(0, s.length() - 200));
  }
}
