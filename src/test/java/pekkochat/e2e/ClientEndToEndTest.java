package pekkochat.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import pekkochat.client.ChatClient;
import pekkochat.config.ClientSettings;
import pekkochat.protocol.Event;
import pekkochat.server.ChatServer;
import pekkochat.testing.RawPeer;
import pekkochat.testing.Servers;
import pekkochat.testing.TestConsole;

/**
 * The project's client end to end: real TCP on loopback, a real server (or a hand-written fake one
 * where the client's own defences are under test), real files, and a {@link TestConsole} standing
 * in for the user.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ClientEndToEndTest {

  /** The local time stamp the client puts before everything the server says. */
  private static final String STAMP = "^\\[\\d{2}:\\d{2}:\\d{2}\\] ";
  /** How our client ends a "saved to" line: the transfer's time and rate. */
  private static final String SUMMARY = " \\(in [0-9.]+ s, [0-9.]+ MB/s\\)$";

  private static final String WELCOME = STAMP + "\\[Server\\]: Welcome! Type /help for commands\\.$";

  @TempDir Path tmp;

  private ChatServer server;
  private final List<ChatClient> clients = new ArrayList<>();
  private final List<TestConsole> consoles = new ArrayList<>();
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    List<Exception> failures = new ArrayList<>();
    for (TestConsole console : consoles) {
      console.endInput(); // releases the thread blocked reading the console
    }
    for (ChatClient client : clients) {
      client.stop();
    }
    for (ChatClient client : clients) {
      quietly(failures, () -> client.system().getWhenTerminated().toCompletableFuture().get(15, TimeUnit.SECONDS));
    }
    for (AutoCloseable c : closeables) {
      quietly(failures, () -> {
        c.close();
        return null;
      });
    }
    if (server != null) {
      ChatServer s = server;
      server = null;
      quietly(failures, () -> {
        s.close();
        return null;
      });
    }
    if (!failures.isEmpty()) {
      throw failures.get(0);
    }
  }

  /** Runs one clean-up step; a failure is kept for later so that the other steps still run. */
  private static void quietly(List<Exception> failures, java.util.concurrent.Callable<?> step) {
    try {
      step.call();
    } catch (Exception e) {
      failures.add(e);
    }
  }

  // --- helpers ------------------------------------------------------------------------------

  private InetSocketAddress server() throws Exception {
    if (server == null) {
      server = Servers.start(dir("spool"));
    }
    return server.address();
  }

  private Path dir(String name) throws IOException {
    return Files.createDirectories(tmp.resolve(name));
  }

  private ChatClient start(InetSocketAddress address, String name, TestConsole console, Path downloads) {
    consoles.add(console);
    ChatClient client =
        ChatClient.start(Servers.clientConfig(), Servers.clientSettings(downloads), loopback(address), name, console);
    clients.add(client);
    return client;
  }

  /** Starts a client and waits for the server's welcome. */
  private ChatClient joined(String name, TestConsole console) throws Exception {
    ChatClient client = start(server(), name, console, dir(name + "-downloads"));
    console.await(WELCOME);
    return client;
  }

  private RawPeer peer(String name) throws Exception {
    RawPeer peer = RawPeer.joined(server(), name);
    closeables.add(peer);
    return peer;
  }

  private static InetSocketAddress loopback(InetSocketAddress address) {
    return new InetSocketAddress("127.0.0.1", address.getPort());
  }

  private static int exitCode(ChatClient client, Duration within) throws Exception {
    return client.exitCode().toCompletableFuture().get(within.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * The exit code of a client that has already decided to stop (its last line is printed or a
   * peer saw it go). The console's input is ended first: a reader blocked on the console keeps the
   * client's actor system from terminating (see {@link #quitEndsTheClientWhileItsInputStaysOpen}),
   * and a user ending the input afterwards cannot change an exit code already decided.
   */
  private static int exitCodeOnceInputEnds(ChatClient client, TestConsole console) throws Exception {
    console.endInput();
    return exitCode(client, Duration.ofSeconds(10));
  }

  private static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static List<Path> regularFiles(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).collect(Collectors.toList());
    }
  }

  // --- 1. chatting --------------------------------------------------------------------------

  @Test
  void twoClientsChatListUsersAndGetHelpFromTheExtendedServer() throws Exception {
    TestConsole alice = new TestConsole(false);
    TestConsole bob = new TestConsole(false);
    joined("alice", alice);
    joined("bob", bob);
    alice.await(STAMP + "bob joined (the chat|#lobby)\\.$");

    alice.type("hello bob");
    bob.await(STAMP + "alice: hello bob$");
    // With an extended server, the client shows its user's own lines, with time and name.
    alice.await(STAMP + "alice: hello bob$");
    bob.type("hi alice");
    alice.await(STAMP + "bob: hi alice$");

    // ... and /help comes from the server, which lists its rooms and private messages too.
    alice.type("/help");
    String help = alice.await("\\[Server\\] Commands:");
    for (String command : List.of("/users", "/send <filepath>", "/quit", "/join <room>", "/msg <nick> <text>")) {
      assertTrue(help.contains(command), () -> command + " missing from " + help);
    }

    alice.type("/users");
    alice.await(STAMP + "\\[Server\\] Online users: alice, bob$");
    alice.type("/dance");
    alice.await(STAMP + "\\[Server Error\\]: Unknown command\\. Type /help\\.$");
  }

  // --- 2. files through the real server -----------------------------------------------------

  @Test
  void sendFileArrivesIntactAndASecondOfTheSameNameDoesNotOverwrite() throws Exception {
    TestConsole alice = new TestConsole(false);
    TestConsole bob = new TestConsole(false);
    joined("alice", alice);
    joined("bob", bob);
    Path bobDownloads = tmp.resolve("bob-downloads");
    alice.await("bob joined (the chat|#lobby)\\.$");

    byte[] first = randomBytes(3 * 1024 * 1024 + 17, 1);
    Path firstFile = Files.write(dir("src1").resolve("data.bin"), first);
    alice.type("/send " + firstFile);
    bob.await(
        STAMP + "alice sent data\\.bin \\(3\\.0 MiB\\), saved to " + Pattern.quote(bobDownloads.resolve("data.bin").toString()) + SUMMARY,
        Duration.ofSeconds(20));
    alice.await(STAMP + "Sent data\\.bin \\(3\\.0 MiB\\) in [0-9.]+ s, [0-9.]+ MB/s\\.$");
    assertArrayEquals(first, Files.readAllBytes(bobDownloads.resolve("data.bin")));

    byte[] second = randomBytes(200_000, 2);
    Path secondFile = Files.write(dir("src2").resolve("data.bin"), second);
    alice.type("/send " + secondFile);
    bob.await(
        STAMP + "alice sent data\\.bin \\(.+\\), saved to " + Pattern.quote(bobDownloads.resolve("data (1).bin").toString()) + SUMMARY);
    alice.await(STAMP + "Sent data\\.bin");
    assertArrayEquals(second, Files.readAllBytes(bobDownloads.resolve("data (1).bin")));
    assertArrayEquals(first, Files.readAllBytes(bobDownloads.resolve("data.bin")), "first file was touched");

    try (Stream<Path> s = Files.list(bobDownloads)) {
      List<String> names = s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
      assertEquals(List.of("data (1).bin", "data.bin"), names, "no .part or other leftovers");
    }
  }

  // --- 3. hostile file names from a hostile server ------------------------------------------

  /** A one-connection fake server speaking raw frames, to play a hostile or slow server. */
  private static final class FakeServer implements AutoCloseable {
    final ServerSocket listener;
    Socket socket;
    DataInputStream in;
    OutputStream out;

    FakeServer() throws IOException {
      listener = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
      listener.setSoTimeout(10_000);
    }

    InetSocketAddress address() {
      return new InetSocketAddress("127.0.0.1", listener.getLocalPort());
    }

    void accept() throws IOException {
      socket = listener.accept();
      socket.setSoTimeout(10_000);
      in = new DataInputStream(socket.getInputStream());
      out = socket.getOutputStream();
    }

    RawPeer.Frame read() throws IOException {
      int length = in.readInt();
      int type = in.readUnsignedByte();
      byte[] payload = new byte[length - 1];
      in.readFully(payload);
      return new RawPeer.Frame(type, payload);
    }

    void expect(int type, String payload) throws IOException {
      RawPeer.Frame f = read();
      assertEquals(type, f.type(), () -> "frame type of " + f);
      assertEquals(payload, f.text());
    }

    void send(int type, byte[] payload) throws IOException {
      out.write(RawPeer.frame(type, payload));
      out.flush();
    }

    void send(int type, String payload) throws IOException {
      send(type, payload.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() throws IOException {
      if (socket != null) {
        socket.close();
      }
      listener.close();
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] r = new byte[a.length + b.length];
    System.arraycopy(a, 0, r, 0, a.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  @Test
  void hostileFileNamesFromAHostileServerStayInsideTheDownloadDirectory() throws Exception {
    List<String> hostile =
        List.of(
            "../../escape.txt",
            "..",
            "a/b\\c.txt",
            "ctl\u0000\u001b[2J\u001b]0;pwned\u0007\nname.txt",
            "n".repeat(396) + ".txt",
            "",
            "/etc/passwd",
            "..\\..\\win.txt");
    Path downloads = dir("deep/er/downloads");
    try (FakeServer fake = new FakeServer()) {
      closeables.add(fake);
      TestConsole bob = new TestConsole(false);
      start(fake.address(), "bob", bob, downloads);
      fake.accept();
      fake.expect(RawPeer.JOIN, "bob");
      fake.send(RawPeer.TEXT, "Welcome! Type /help for commands.");
      bob.await(WELCOME);

      List<byte[]> contents = new ArrayList<>();
      for (int i = 0; i < hostile.size(); i++) {
        byte[] content = concat(("file " + i + "::").getBytes(StandardCharsets.UTF_8), randomBytes(5000 + i, 100 + i));
        contents.add(content);
        byte[] prefix = ("mallory::" + hostile.get(i) + "::").getBytes(StandardCharsets.UTF_8);
        fake.send(RawPeer.FILE, concat(prefix, content));
      }

      Pattern saved = Pattern.compile("saved to (.+) \\(in [0-9.]+ s, [0-9.]+ MB/s\\)$");
      List<Path> savedFiles = new ArrayList<>();
      for (int i = 0; i < hostile.size(); i++) {
        String line = bob.await(STAMP + "mallory sent ");
        Matcher m = saved.matcher(line);
        assertTrue(m.find(), line);
        Path file = Path.of(m.group(1));
        assertEquals(downloads, file.getParent(), () -> "saved outside the download directory: " + line);
        String name = file.getFileName().toString();
        assertFalse(name.isBlank(), line);
        assertTrue(name.getBytes(StandardCharsets.UTF_8).length <= 255, () -> "name too long: " + name);
        assertTrue(name.chars().noneMatch(Character::isISOControl), () -> "control characters kept: " + name);
        assertFalse(name.equals(".") || name.equals("..") || name.endsWith(".part"), name);
        String requested = hostile.get(i);
        assertArrayEquals(contents.get(i), Files.readAllBytes(file), () -> "content of " + requested.length() + "-char name " + name);
        savedFiles.add(file);
      }
      assertEquals(hostile.size(), savedFiles.stream().distinct().count(), "two files share one name: " + savedFiles);

      List<Path> everything = regularFiles(tmp);
      for (Path f : everything) {
        assertEquals(downloads, f.getParent(), () -> "file outside the download directory: " + f);
      }
      assertEquals(hostile.size(), everything.size(), () -> "unexpected files: " + everything);
    }
  }

  // --- 4./5. name taken ---------------------------------------------------------------------

  @Test
  void nameTakenInteractivelyAsksForAnotherAndThenChats() throws Exception {
    RawPeer first = peer("alice");
    TestConsole console = new TestConsole(true);
    start(server(), "alice", console, dir("downloads"));
    console.await(STAMP + "\\[Server Error\\]: Username already taken\\.$");
    console.await("Choose another name");
    console.type("alice2");
    console.await(WELCOME);
    first.expect(RawPeer.JOIN, "alice2 joined the chat.");
    console.type("hi");
    first.expect(RawPeer.TEXT, "alice2::hi");
  }

  @Test
  void nameTakenWithoutAPersonToAskExitsWithCode2() throws Exception {
    peer("alice");
    TestConsole console = new TestConsole(false);
    ChatClient client = start(server(), "alice", console, dir("downloads"));
    console.await(STAMP + "\\[Server Error\\]: Username already taken\\.$");
    console.await("refused the name alice\\b");
    assertEquals(2, exitCodeOnceInputEnds(client, console));
  }

  // --- 6./7. connection problems ------------------------------------------------------------

  @Test
  void unreachableServerIsReportedPromptlyWithExitCode1() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    TestConsole console = new TestConsole(false);
    long t0 = System.nanoTime();
    ChatClient client = start(new InetSocketAddress("127.0.0.1", port), "alice", console, dir("downloads"));
    assertEquals(1, exitCode(client, Duration.ofSeconds(5)));
    assertTrue(Duration.ofNanos(System.nanoTime() - t0).compareTo(Duration.ofSeconds(5)) < 0, "not prompt");
    console.await("^Cannot connect to 127\\.0\\.0\\.1:" + port + ": \\S.*");
  }

  @Test
  void serverShutdownEndsTheClientWithExitCode1WhenReconnectingIsOff() throws Exception {
    TestConsole console = new TestConsole(false);
    consoles.add(console);
    ClientSettings.Reconnect off = new ClientSettings.Reconnect(Duration.ofMillis(500), Duration.ofSeconds(30), 0.3, Duration.ZERO, 1000);
    ChatClient client = ChatClient.start(
        Servers.clientConfig(), Servers.clientSettings(dir("alice-downloads")).withReconnect(off), loopback(server()), "alice", console);
    clients.add(client);
    console.await(WELCOME);
    server.close();
    server = null;
    // The notice is flushed before the server closes the connection, then the client ends.
    console.await(STAMP + "\\[Server\\] The server is shutting down\\. Goodbye\\.$");
    console.await(STAMP + "The server closed the connection\\.$");
    assertEquals(1, exitCode(client, Duration.ofSeconds(5)));
  }

  @Test
  void serverShutdownIsFollowedByReconnectingWhenTheServerKeepsHistory() throws Exception {
    TestConsole console = new TestConsole(false);
    joined("alice", console);
    console.await("extended protocol on \\(pekko-chat 1; history, post, resume\\)");
    server.close();
    server = null;
    console.await(STAMP + "\\[Server\\] The server is shutting down\\. Goodbye\\.$");
    console.await(STAMP + "The server closed the connection; reconnecting in \\d+\\.\\d s \\(attempt 1\\)\\.$");
  }

  @Test
  void serverNoticeThenCloseIsShownAndEndsWithExitCode1() throws Exception {
    try (FakeServer fake = new FakeServer()) {
      closeables.add(fake);
      TestConsole console = new TestConsole(false);
      ChatClient client = start(fake.address(), "alice", console, dir("downloads"));
      fake.accept();
      fake.expect(RawPeer.JOIN, "alice");
      fake.send(RawPeer.TEXT, "Welcome! Type /help for commands.");
      console.await(WELCOME);
      fake.send(RawPeer.TEXT, "[Server] The server is shutting down. Goodbye.");
      fake.socket.close();
      console.await(STAMP + "\\[Server\\] The server is shutting down\\. Goodbye\\.$");
      console.await(STAMP + "The server closed the connection\\.$");
      assertEquals(1, exitCodeOnceInputEnds(client, console));
    }
  }

  @Test
  void connectionResetIsReportedAsLostWithExitCode1() throws Exception {
    try (FakeServer fake = new FakeServer()) {
      closeables.add(fake);
      TestConsole console = new TestConsole(false);
      ChatClient client = start(fake.address(), "alice", console, dir("downloads"));
      fake.accept();
      fake.expect(RawPeer.JOIN, "alice");
      fake.send(RawPeer.TEXT, "Welcome! Type /help for commands.");
      console.await(WELCOME);
      fake.socket.setSoLinger(true, 0);
      fake.socket.close(); // a TCP reset
      console.await(STAMP + "Connection to the server was lost \\(.+\\)\\.$");
      assertEquals(1, exitCodeOnceInputEnds(client, console));
    }
  }

  // --- 8. /send mistakes --------------------------------------------------------------------

  @Test
  void sendMistakesAreReportedLocallyAndTheClientStaysConnected() throws Exception {
    RawPeer bob = peer("bob");
    TestConsole alice = new TestConsole(false);
    joined("alice", alice);
    bob.expect(RawPeer.JOIN, "alice joined the chat.");

    Path missing = tmp.resolve("no-such-file.txt");
    alice.type("/send " + missing);
    alice.await(STAMP + "File not found: " + Pattern.quote(missing.toString()) + "$");
    Path directory = dir("a-directory");
    alice.type("/send " + directory);
    alice.await(STAMP + Pattern.quote(directory.toString()) + " is a directory");
    alice.type("/send");
    alice.await(STAMP + "Usage: /send <path>$");

    alice.type("still here");
    // The very next frame: nothing was sent for the failed /send attempts.
    bob.expect(RawPeer.TEXT, "alice::still here");
  }

  // --- 9. leaving ---------------------------------------------------------------------------

  @Test
  void quitExitsWith0AndThePeerSeesOneLeave() throws Exception {
    RawPeer bob = peer("bob");
    TestConsole alice = new TestConsole(false);
    ChatClient client = joined("alice", alice);
    bob.expect(RawPeer.JOIN, "alice joined the chat.");
    alice.type("/quit");
    bob.expect(RawPeer.LEAVE, "alice left the chat.");
    assertEquals(0, exitCodeOnceInputEnds(client, alice));
    // One leave: carol's join comes after alice's end in the room's order, so it is the next
    // frame bob reads.
    peer("carol");
    bob.expect(RawPeer.JOIN, "carol joined the chat.");
  }

  /**
   * Regression: the client must end after /quit even though nobody closes its input. (It used to
   * wait for its console to read one more line, because that read blocked inside the stream.)
   */
  @Test
  void quitEndsTheClientWhileItsInputStaysOpen() throws Exception {
    RawPeer bob = peer("bob");
    TestConsole alice = new TestConsole(false);
    ChatClient client = joined("alice", alice);
    bob.expect(RawPeer.JOIN, "alice joined the chat.");
    alice.type("/quit");
    bob.expect(RawPeer.LEAVE, "alice left the chat.");
    try {
      assertEquals(0, exitCode(client, Duration.ofSeconds(5)));
    } catch (java.util.concurrent.TimeoutException e) {
      fail("the client did not end within 5 s of /quit: its actor system waits for the console to read another line");
    }
  }

  @Test
  void endOfInputBehavesLikeQuit() throws Exception {
    RawPeer bob = peer("bob");
    TestConsole carol = new TestConsole(false);
    ChatClient client = joined("carol", carol);
    bob.expect(RawPeer.JOIN, "carol joined the chat.");
    carol.type("bye");
    carol.endInput();
    assertEquals(0, exitCode(client, Duration.ofSeconds(10)));
    bob.expect(RawPeer.TEXT, "carol::bye");
    bob.expect(RawPeer.LEAVE, "carol left the chat.");
    // One leave, nothing after it: dave's join comes after carol's end in the room's order, so
    // it is the next frame bob reads.
    peer("dave");
    bob.expect(RawPeer.JOIN, "dave joined the chat.");
  }

  // --- 10. input typed before the join completes --------------------------------------------

  @Test
  void linesTypedBeforeTheWelcomeAreDeliveredAfterTheJoin() throws Exception {
    RawPeer bob = peer("bob");
    TestConsole alice = new TestConsole(false);
    start(server(), "alice", alice, dir("downloads"));
    alice.type("early line");
    alice.type("second early line");
    bob.expect(RawPeer.JOIN, "alice joined the chat.");
    bob.expect(RawPeer.TEXT, "alice::early line");
    bob.expect(RawPeer.TEXT, "alice::second early line");
    alice.await(WELCOME);
  }

  @Test
  void linesTypedBeforeTheWelcomeAreHeldUntilTheServerAcceptsTheName() throws Exception {
    try (FakeServer fake = new FakeServer()) {
      closeables.add(fake);
      TestConsole alice = new TestConsole(false);
      alice.type("early line");
      alice.type("/users");
      start(fake.address(), "alice", alice, dir("downloads"));
      fake.accept();
      fake.expect(RawPeer.JOIN, "alice");
      // Until the name is accepted nothing else may be sent (an original server would answer a
      // chat line before the JOIN's answer with "Invalid JOIN message."). Whatever the client
      // sent before the welcome is read before what it sends in answer to it: the next frame
      // after the JOIN must be the question it asks once welcomed.
      fake.send(RawPeer.TEXT, "Welcome! Type /help for commands.");
      // Then the question an original server answers with an error, and only then the lines.
      fake.expect(RawPeer.TEXT, "/extended 1");
      fake.send(RawPeer.ERROR, "Unknown command. Type /help.");
      fake.expect(RawPeer.TEXT, "early line");
      fake.expect(RawPeer.TEXT, "/users");
      // "Connected" is said once the name is accepted, right before the welcome.
      alice.await(STAMP + "Connected to 127\\.0\\.0\\.1:\\d+ as alice\\.$");
      alice.await(WELCOME);
    }
  }

  // --- 11. frames the original server may send, however large -------------------------------

  /** A fake server up to the point where it has welcomed the client and refused /extended 1. */
  private FakeServer plainFake(String name, TestConsole console) throws Exception {
    FakeServer fake = new FakeServer();
    closeables.add(fake);
    start(fake.address(), name, console, dir(name + "-downloads"));
    fake.accept();
    fake.expect(RawPeer.JOIN, name);
    fake.send(RawPeer.TEXT, "Welcome! Type /help for commands.");
    fake.expect(RawPeer.TEXT, "/extended 1");
    fake.send(RawPeer.ERROR, "Unknown command. Type /help.");
    console.await(WELCOME);
    return fake;
  }

  @Test
  void aLineOver64KiBIsShownAndOneOverTheClientsLimitIsSkippedWithOneLine() throws Exception {
    TestConsole alice = new TestConsole(false);
    FakeServer fake = plainFake("alice", alice);

    fake.send(RawPeer.TEXT, "bob::" + "y".repeat(100_000));
    alice.await(STAMP + "bob: y{100000}$");

    byte[] huge = new byte[(1 << 20) + 1];
    java.util.Arrays.fill(huge, (byte) 'z');
    fake.send(RawPeer.TEXT, huge);
    alice.await(
        STAMP + "\\[Client\\]: skipped a TEXT frame of 1,048,577 bytes from the server, over this client's limit of"
            + " 1,048,576 bytes \\(pekko-chat\\.client\\.max-message-size\\)\\.$");
    fake.send(RawPeer.TEXT, "bob::still here");
    alice.await(STAMP + "bob: still here$");
    assertFalse(alice.printed().stream().anyMatch(l -> l.contains("Unknown command")), () -> "" + alice.printed());
  }

  @Test
  void aMultiLineLineIsMarkedAsItsSendersOnEveryLine() throws Exception {
    TestConsole alice = new TestConsole(false);
    FakeServer fake = plainFake("alice", alice);

    fake.send(RawPeer.TEXT, "mallory::hi\n[12:00:00] [Server]: you have been kicked\n" + "x\n".repeat(5000));

    String shown = alice.await(STAMP + "mallory: hi\n");
    String[] lines = shown.split("\n", -1);
    assertEquals(21, lines.length, shown);
    assertEquals("           mallory| [12:00:00] [Server]: you have been kicked", lines[1]);
    assertEquals("           mallory| ... (4,982 more lines)", lines[20]);
  }

  @Test
  void aRelayedFileNameWithEscapeSequencesReachesTheProgressAndSummaryLinesDefused() throws Exception {
    TestConsole alice = new TestConsole(false);
    FakeServer fake = plainFake("alice", alice);
    byte[] prefix = "mal\u001b[31mlory::evil\u001b[2J\u001b]0;pwned\u0007.txt::".getBytes(StandardCharsets.UTF_8);
    byte[] content = randomBytes(100_000, 9);

    fake.out.write(pekkochat.protocol.Frames.header(pekkochat.protocol.FrameType.FILE, prefix.length + content.length).toArray());
    fake.out.write(prefix);
    fake.out.write(content, 0, 1000);
    fake.out.flush();
    awaitCondition(() -> alice.progressShown().stream().anyMatch(l -> l.contains("evil")), "a progress line", alice);
    fake.out.write(content, 1000, content.length - 1000);
    fake.out.flush();

    alice.await(STAMP + "mal\\^\\[\\[31mlory sent evil\\^\\[\\[2J\\^\\[\\]0;pwned\\^G\\.txt \\(97\\.7 KiB\\), saved to ");
    String progress = alice.progressShown().stream().filter(l -> l.contains("evil")).findFirst().orElseThrow();
    assertTrue(progress.startsWith("\u2193 mal^[[31mlory: evil^[[2J^[]0;pwned^G.txt "), progress);
    for (String line : concatLists(alice.printed(), alice.progressShown())) {
      assertFalse(line.contains("\u001b") || line.contains("\u0007"), () -> "raw control character in: " + line);
    }
  }

  // --- 12. the original server and an extended one ------------------------------------------

  private static final Path ORIGINAL_SERVER = Path.of("/work/shared/seed-original/run_server.py");

  @Test
  void againstTheOriginalServerTheQuestionGoesUnseenAndChatIsAsBefore() throws Exception {
    Assumptions.assumeTrue(Files.isRegularFile(ORIGINAL_SERVER), "the original server is not at " + ORIGINAL_SERVER);
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    Process original;
    try {
      original =
          new ProcessBuilder("python3", ORIGINAL_SERVER.getFileName().toString(), "--host", "127.0.0.1", "--port", String.valueOf(port))
              .directory(ORIGINAL_SERVER.getParent().toFile())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
    } catch (IOException e) {
      Assumptions.abort("python3 cannot be started: " + e.getMessage());
      return;
    }
    closeables.add(() -> {
      original.destroy();
      if (!original.waitFor(5, TimeUnit.SECONDS)) {
        original.destroyForcibly();
      }
    });
    InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
    awaitAccepting(address, original);

    TestConsole alice = new TestConsole(false);
    start(address, "alice", alice, dir("alice-downloads"));
    alice.await(WELCOME);
    RawPeer bob = RawPeer.joined(address, "bob");
    closeables.add(bob);
    alice.await(STAMP + "bob joined (the chat|#lobby)\\.$");

    // /users waits for the answer to /extended 1, and the server answers in order: once its
    // reply is shown, the refusal has come and gone.
    alice.type("/users");
    alice.await(STAMP + "\\[Server\\] Online users: alice, bob$");
    assertFalse(alice.printed().stream().anyMatch(l -> l.contains("Unknown command")), () -> "" + alice.printed());

    alice.type("hello bob");
    bob.expect(RawPeer.TEXT, "alice::hello bob");
    bob.send(RawPeer.TEXT, "hi alice");
    alice.await(STAMP + "bob: hi alice$");
    alice.type("/help");
    // The seed client's list, printed here: every line of it stamped or indented as part of it.
    String help = alice.await(STAMP + "Commands:\n");
    for (String line : help.split("\n")) {
      assertTrue(line.startsWith("[") || line.startsWith(" ".repeat(11)), () -> "a line not part of /help's: " + line);
    }
    alice.type("/dance");
    alice.await(STAMP + "\\[Server Error\\]: Unknown command\\. Type /help\\.$");

    List<String> printed = alice.printed();
    assertEquals(1, printed.stream().filter(l -> l.contains("Unknown command")).count(), () -> "" + printed);
    // One's own line, stamped and named as the others see it (the original server sends no copy).
    assertEquals(1, printed.stream().filter(l -> l.matches(STAMP + "alice: hello bob$")).count(), () -> "" + printed);
    assertFalse(printed.stream().anyMatch(l -> l.contains("[Server] Commands:")), () -> "/help went to the server: " + printed);
    assertEquals("alice> ", alice.currentPrompt());
  }

  private static Event event(Event.Kind kind, String room, String from, String to, String text) {
    return new Event(kind, room, 0, System.currentTimeMillis(), from, to, text);
  }

  private static void send(FakeServer fake, Event event) throws IOException {
    fake.out.write(event.encodeFrame().toArray());
    fake.out.flush();
  }

  @Test
  void withAnExtendedServerThePipedClientShowsRoomsPrivateMessagesAndItsOwnLines() throws Exception {
    try (FakeServer fake = new FakeServer()) {
      closeables.add(fake);
      TestConsole alice = new TestConsole(false);
      start(fake.address(), "alice", alice, dir("downloads"));
      fake.accept();
      fake.expect(RawPeer.JOIN, "alice");
      fake.send(RawPeer.TEXT, "Welcome! Type /help for commands.");
      alice.await(WELCOME);
      alice.type("typed while asking");
      fake.expect(RawPeer.TEXT, "/extended 1");
      send(fake, event(Event.Kind.HELLO, "", "", "alice", "fake-extended 0.1"));
      send(fake, event(Event.Kind.ENTERED, "#lobby", "", "alice,bob", "all things"));

      alice.await(STAMP + "\\[Server\\]: extended protocol on \\(fake-extended 0\\.1\\)\\.$");
      fake.expect(RawPeer.TEXT, "typed while asking");
      alice.await(STAMP + "alice: typed while asking$");
      alice.await(STAMP + "You are in #lobby\\. Topic: all things Members \\(2\\): alice, bob\\.$");
      awaitCondition(() -> alice.currentPrompt().equals("[#lobby] alice> "), "the prompt in #lobby", alice);

      send(fake, event(Event.Kind.MESSAGE, "#lobby", "bob", "", "hello alice"));
      alice.await(STAMP + "bob: hello alice$");
      send(fake, event(Event.Kind.MESSAGE, "#dev", "carol", "", "psst"));
      alice.await(STAMP + "\\[#dev\\] carol: psst$");
      send(fake, event(Event.Kind.ACTION, "#lobby", "bob", "", "waves"));
      alice.await(STAMP + "\\* bob waves$");
      send(fake, event(Event.Kind.PRIVATE, "", "bob", "alice", "secret"));
      alice.await(STAMP + "\\[PM\\] bob: secret$");

      alice.type("/msg bob hi there");
      fake.expect(RawPeer.TEXT, "/msg bob hi there");
      send(fake, event(Event.Kind.PRIVATE, "", "alice", "bob", "hi there"));
      alice.await(STAMP + "\\[PM to bob\\] alice: hi there$");

      alice.type("/me waves back");
      fake.expect(RawPeer.TEXT, "/me waves back");
      alice.await(STAMP + "\\* alice waves back$");
      alice.type("/help");
      fake.expect(RawPeer.TEXT, "/help");

      send(fake, event(Event.Kind.MESSAGE, "#lobby", "mallory", "", "one\n[12:00:00] bob: fake"));
      alice.await(STAMP + "mallory: one\n {11}mallory\\| \\[12:00:00\\] bob: fake$");

      alice.type("/join #dev");
      fake.expect(RawPeer.TEXT, "/join #dev");
      send(fake, event(Event.Kind.ENTERED, "#dev", "", "alice,carol", ""));
      alice.await(STAMP + "You are in #dev\\. No topic\\. Members \\(2\\): alice, carol\\.$");
      awaitCondition(() -> alice.currentPrompt().equals("[#dev] alice> "), "the prompt in #dev", alice);
      send(fake, event(Event.Kind.MESSAGE, "#lobby", "bob", "", "where did you go"));
      alice.await(STAMP + "\\[#lobby\\] bob: where did you go$");
      send(fake, event(Event.Kind.JOINED, "#dev", "dave", "", ""));
      alice.await(STAMP + "dave joined #dev\\.$");
      send(fake, event(Event.Kind.TOPIC, "#dev", "carol", "", "ship it"));
      alice.await(STAMP + "carol set the topic of #dev: ship it$");
      send(fake, event(Event.Kind.AWAY, "", "bob", "", "lunch"));
      alice.await(STAMP + "bob is away: lunch$");
      send(fake, event(Event.Kind.NICK, "#dev", "dave", "david", ""));
      alice.await(STAMP + "dave is now known as david\\.$");
      // A kind this client does not know is skipped without a word.
      byte[] unknown = event(Event.Kind.MESSAGE, "#dev", "x", "", "from the future").encodePayload().toArray();
      unknown[0] = 99;
      fake.send(0x07, unknown);
      send(fake, event(Event.Kind.PARTED, "#dev", "", "", ""));
      alice.await(STAMP + "You left #dev\\.$");
      send(fake, event(Event.Kind.ACTIVE, "#lobby", "", "", ""));
      alice.await(STAMP + "You are talking in #lobby now\\.$");
      awaitCondition(() -> alice.currentPrompt().equals("[#lobby] alice> "), "the prompt back in #lobby", alice);

      alice.type("bye");
      fake.expect(RawPeer.TEXT, "bye");
      alice.await(STAMP + "alice: bye$");

      List<String> printed = alice.printed();
      assertFalse(printed.stream().anyMatch(l -> l.contains("from the future")), () -> "" + printed);
      assertFalse(printed.stream().anyMatch(l -> l.contains("Unknown command")), () -> "" + printed);
      assertFalse(printed.stream().anyMatch(l -> l.contains("Commands:")), () -> "/help answered locally: " + printed);
    }
  }

  private static void awaitCondition(java.util.function.BooleanSupplier condition, String what, TestConsole console)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("no " + what + " within 10 s; printed: " + console.printed());
      }
      Thread.sleep(10);
    }
  }

  /** Waits until {@code address} accepts connections (the process still running). */
  private static void awaitAccepting(InetSocketAddress address, Process process) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (true) {
      try (Socket probe = new Socket()) {
        probe.connect(address, 1000);
        return;
      } catch (IOException notYet) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          fail("the original server did not start listening on " + address);
        }
        Thread.sleep(50);
      }
    }
  }

  private static List<String> concatLists(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
