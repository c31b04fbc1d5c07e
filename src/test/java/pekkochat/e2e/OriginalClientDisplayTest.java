package pekkochat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static pekkochat.testing.RawPeer.ERROR;
import static pekkochat.testing.RawPeer.JOIN;
import static pekkochat.testing.RawPeer.TEXT;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import pekkochat.server.ChatServer;
import pekkochat.testing.RawPeer;
import pekkochat.testing.SeedClient;
import pekkochat.testing.SeedImplementation;
import pekkochat.testing.Servers;

/**
 * What the ORIGINAL client (unmodified, run as a process; the reconstruction only when the
 * original is not beside the project) DISPLAYS of our server's rooms, actions, private messages,
 * nicks and topics (docs/PROTOCOL.md, "What an original client sees"), and that another user
 * cannot make it display a line that looks like one of those forms. The other user is a
 * {@link RawPeer}: byte for byte what an original client sends, and free to send what no original
 * client would.
 *
 * <p>Every wait is on a condition: a displayed line appearing, or, for something that must not be
 * displayed, a marker sent after it through the same path arriving first.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OriginalClientDisplayTest {

  private static final String WELCOME = "^\\[Server\\]: Welcome! Type /help for commands\\.$";

  @TempDir Path tmp;

  private final List<AutoCloseable> toClose = new ArrayList<>();
  private InetSocketAddress address;
  /** The raw peer of {@link #aliceAndBob}. */
  private RawPeer bob;

  static List<SeedImplementation> seeds() {
    return SeedImplementation.forTests();
  }

  @BeforeAll
  static void needsPython() throws Exception {
    boolean python;
    try {
      Process p = new ProcessBuilder("python3", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      python = p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      python = false;
    }
    Assumptions.assumeTrue(python, "python3 is not on PATH");
  }

  @AfterEach
  void tearDown() throws Exception {
    Exception first = null;
    for (int i = toClose.size() - 1; i >= 0; i--) {
      try {
        toClose.get(i).close();
      } catch (Exception e) {
        first = first == null ? e : first;
      }
    }
    if (first != null) {
      throw first;
    }
  }

  private void startOurServer() throws Exception {
    ChatServer server = Servers.start(Files.createDirectories(tmp.resolve("spool")));
    toClose.add(server);
    address = new InetSocketAddress("127.0.0.1", server.address().getPort());
  }

  private SeedClient originalClient(SeedImplementation seed, String name) throws Exception {
    SeedClient c = SeedClient.start(seed, Files.createDirectories(tmp.resolve("client-" + toClose.size())), address, name);
    toClose.add(c);
    return c;
  }

  private RawPeer peer(String name) throws IOException {
    RawPeer p = RawPeer.joined(address, name);
    toClose.add(p);
    return p;
  }

  /** An original client {@code alice} and a raw peer {@code bob}, both in #lobby, each told of the other. */
  private SeedClient aliceAndBob(SeedImplementation seed) throws Exception {
    startOurServer();
    RawPeer bob = peer("bob");
    SeedClient alice = originalClient(seed, "alice");
    alice.await(WELCOME);
    bob.expect(JOIN, "alice joined the chat.");
    this.bob = bob;
    return alice;
  }

  /** A displayed line equal to {@code shown}, after those matched so far. */
  private static void shows(SeedClient client, String shown) throws InterruptedException {
    client.await("^" + Pattern.quote(shown) + "$");
  }

  /** Sends a command and reads the reply, skipping nothing: the reply must be the next frame. */
  private static void command(RawPeer peer, String line, String reply) throws IOException {
    peer.send(TEXT, line);
    peer.expect(TEXT, reply);
  }

  // --- what it displays ---------------------------------------------------------------------

  @ParameterizedTest(name = "{0} client")
  @MethodSource("seeds")
  void linesActionsAndPrivateMessagesInTheActiveRoom(SeedImplementation seed) throws Exception {
    SeedClient alice = aliceAndBob(seed);
    bob.send(TEXT, "hi");
    shows(alice, "bob: hi");
    bob.send(TEXT, "/me waves");
    shows(alice, "* bob: waves");
    bob.send(TEXT, "/msg alice psst");
    shows(alice, "[PM] bob: psst");
    bob.send(TEXT, "/msg ALICE /me winks");
    shows(alice, "[PM] bob: /me winks");

    // And what alice types reaches bob in the same forms.
    alice.type("hello bob");
    bob.expect(TEXT, "alice::hello bob");
    alice.type("/me dances");
    bob.expect(TEXT, "* alice::dances");
    alice.type("/msg bob a secret");
    bob.expect(TEXT, "[PM] alice::a secret");
  }

  @ParameterizedTest(name = "{0} client")
  @MethodSource("seeds")
  void roomCommandsTypedIntoTheOriginalClientWorkAndOtherRoomsShowTheirName(SeedImplementation seed) throws Exception {
    SeedClient alice = aliceAndBob(seed);
    alice.type("/join #dev");
    shows(alice, "[Server] You joined #dev (1 user). Plain lines now go to #dev.");
    command(bob, "/join #dev", "[Server] You joined #dev (2 users). Plain lines now go to #dev.");
    shows(alice, "[Server] bob joined #dev.");
    bob.send(TEXT, "in dev");
    shows(alice, "bob: in dev");
    alice.type("dev line");
    bob.expect(TEXT, "alice::dev line");

    // #lobby active again: #dev's lines carry their room.
    alice.type("/join #lobby");
    shows(alice, "[Server] Plain lines now go to #lobby.");
    bob.send(TEXT, "hi");
    shows(alice, "[#dev] bob: hi");
    bob.send(TEXT, "/me waves");
    shows(alice, "[#dev] * bob: waves");
    alice.type("lobby line");
    bob.expect(TEXT, "[#lobby] alice::lobby line");

    command(bob, "/topic release on friday", "[Server] bob set the topic of #dev: release on friday");
    shows(alice, "[Server] bob set the topic of #dev: release on friday");
    alice.type("/topic");
    shows(alice, "[Server] #lobby has no topic.");
    alice.type("/join #dev");
    shows(alice, "[Server] Plain lines now go to #dev.");
    alice.type("/topic");
    shows(alice, "[Server] Topic of #dev: release on friday");
  }

  @ParameterizedTest(name = "{0} client")
  @MethodSource("seeds")
  void joinsLeavesNickChangesAndTopicsOfAnotherRoom(SeedImplementation seed) throws Exception {
    SeedClient alice = aliceAndBob(seed);
    alice.type("/join #dev");
    shows(alice, "[Server] You joined #dev (1 user). Plain lines now go to #dev.");
    alice.type("/join #lobby");
    shows(alice, "[Server] Plain lines now go to #lobby.");

    command(bob, "/join #dev", "[Server] You joined #dev (2 users). Plain lines now go to #dev.");
    shows(alice, "[Server] bob joined #dev.");
    command(bob, "/topic release on friday", "[Server] bob set the topic of #dev: release on friday");
    shows(alice, "[Server] bob set the topic of #dev: release on friday");
    // Two shared rooms, one notice.
    command(bob, "/nick robert", "[Server] You are now known as robert.");
    shows(alice, "[Server] bob is now known as robert.");
    bob.send(TEXT, "hi as robert");
    shows(alice, "[#dev] robert: hi as robert");
    command(bob, "/part", "[Server] You left #dev. Plain lines now go to #lobby.");
    shows(alice, "[Server] robert left #dev.");
    bob.send(TEXT, "back in the lobby");
    shows(alice, "robert: back in the lobby");

    // The default room keeps the original's JOIN and LEAVE forms.
    RawPeer carol = peer("carol");
    shows(alice, "carol joined the chat.");
    carol.close();
    shows(alice, "carol left the chat.");

    alice.type("/users");
    shows(alice, "[Server] Online users: robert, alice");
    alice.type("/users #dev");
    shows(alice, "[Server] Users in #dev: alice");
  }

  // --- what nobody can make it display ------------------------------------------------------

  @ParameterizedTest(name = "{0} client")
  @MethodSource("seeds")
  void aLineThatLooksLikeAServerFormIsShownAfterItsRealSender(SeedImplementation seed) throws Exception {
    SeedClient alice = aliceAndBob(seed);
    for (String forged :
        List.of(
            "[PM] carol: fake",
            "[PM] carol::fake",
            "[#dev] carol: fake",
            "* carol: waves",
            "[Server] carol joined #dev.",
            "[Server] carol is now known as mallory.",
            "[Server Error]: You were kicked.",
            "carol::fake")) {
      bob.send(TEXT, forged);
      shows(alice, "bob: " + forged);
    }
    bob.send(TEXT, "/me [PM] carol: fake");
    shows(alice, "* bob: [PM] carol: fake");
    bob.send(TEXT, "/msg alice [Server] carol set the topic of #dev: fake");
    shows(alice, "[PM] bob: [Server] carol set the topic of #dev: fake");
    command(bob, "/topic [PM] carol: fake", "[Server] bob set the topic of #lobby: [PM] carol: fake");
    shows(alice, "[Server] bob set the topic of #lobby: [PM] carol: fake");
  }

  @ParameterizedTest(name = "{0} client")
  @MethodSource("seeds")
  void nicksThatWouldLookLikeServerFormsAreRefused(SeedImplementation seed) throws Exception {
    SeedClient alice = aliceAndBob(seed);
    for (String name : List.of("[PM]", "[Server]", "[#dev]bob", "*", "carol::x", "#dev", "[PM]carol")) {
      bob.send(TEXT, "/nick " + name);
      String reason = bob.expectType(ERROR).text();
      assertTrue(reason.startsWith("Invalid username: "), name + ": " + reason);
    }
    // Nothing reached alice: bob's marker comes under his own name, after no rename.
    bob.send(TEXT, "marker");
    shows(alice, "bob: marker");
    assertTrue(alice.displayed().stream().noneMatch(l -> l.contains("known as")), () -> "alice shows " + alice.displayed());

    try (RawPeer mallory = RawPeer.connect(address)) {
      for (String name : List.of("[PM] carol", "[Server]", "* carol", "carol::x", "[#dev]")) {
        mallory.send(JOIN, name);
        String reason = mallory.expectType(ERROR).text();
        assertTrue(reason.startsWith("Invalid username: "), name + ": " + reason);
      }
      mallory.send(JOIN, "mallory");
      mallory.expect(TEXT, "Welcome! Type /help for commands.");
      // The refused names never joined: the first thing bob hears of mallory is her one JOIN.
      bob.expect(JOIN, "mallory joined the chat.");
    }
  }

  @ParameterizedTest(name = "{0} client")
  @MethodSource("seeds")
  void anOriginalClientNamedWithBracketsIsRefusedAndNobodySeesItJoin(SeedImplementation seed) throws Exception {
    startOurServer();
    RawPeer bob = peer("bob");
    SeedClient forger = originalClient(seed, "[PM]carol");
    forger.await("^\\[Server Error\\]: Invalid username: ");
    // It keeps running, not joined: a line typed now is not a JOIN.
    forger.type("hello?");
    shows(forger, "[Server Error]: Invalid JOIN message.");
    RawPeer dave = peer("dave");
    bob.expect(JOIN, "dave joined the chat.");
    bob.send(TEXT, "/users");
    bob.expect(TEXT, "[Server] Online users: bob, dave");
    dave.close();
  }

  /**
   * A line with a line break (or a carriage return, which a terminal shows as one) in it: the
   * original client prints it as it is, so what follows the break is displayed as a line of its
   * own, without the sender's name: here a forged private message.
   */
  @ParameterizedTest(name = "{0} client")
  @MethodSource("seeds")
  void aLineBreakCannotStartAForgedLine(SeedImplementation seed) throws Exception {
    SeedClient alice = aliceAndBob(seed);
    for (String line : List.of("hi\n[PM] carol: fake", "hi\r[PM] carol: fake", "/me waves\n[PM] carol: fake", "/msg alice x\n[PM] carol: fake")) {
      bob.send(TEXT, line);
    }
    // Refused or relayed, they are all handled before the marker.
    bob.send(TEXT, "marker");
    shows(alice, "bob: marker");
    assertTrue(alice.displayed().stream().noneMatch(l -> l.startsWith("[PM] carol")), () -> "alice shows " + alice.displayed());
  }
}
