package pekkochat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static pekkochat.testing.RawPeer.TEXT;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pekkochat.client.ChatClient;
import pekkochat.config.ClientSettings;
import pekkochat.server.ChatServer;
import pekkochat.testing.CutProxy;
import pekkochat.testing.RawPeer;
import pekkochat.testing.SeedImplementation;
import pekkochat.testing.SeedServer;
import pekkochat.testing.Servers;
import pekkochat.testing.TestConsole;

/**
 * Our client loses its connection (a relay between it and the server cuts it, {@link CutProxy})
 * and makes it again by itself: real TCP, the real server with its history store, the real client
 * classes on a piped console. It shows every line of every room exactly once, in order; lines
 * typed while disconnected are sent once reconnected and stored once; a line whose
 * acknowledgement was lost is sent again and still stored once. Against the original server a
 * lost connection ends the client as it always did.
 */
class ClientReconnectTest {

  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Pattern BOB_LINE = Pattern.compile("^\\[\\d{2}:\\d{2}:\\d{2}\\] (\\[#\\w+\\] )?bob: n(\\d+)$");
  /** Quick attempts, so that tests do not wait for the default 0.5 s doubling. */
  private static final ClientSettings.Reconnect QUICK = new ClientSettings.Reconnect(
      Duration.ofMillis(100), Duration.ofMillis(500), 0.3, Duration.ofMinutes(1), 1000);

  private static final Map<String, Object> NO_FLOOD =
      Map.of("pekko-chat.server.flood.burst", 100_000, "pekko-chat.server.flood.rate", 100_000);

  @TempDir Path tmp;
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final List<ChatClient> clients = new ArrayList<>();
  private final List<TestConsole> consoles = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    consoles.forEach(TestConsole::endInput);
    for (ChatClient c : clients) {
      c.stop();
      c.system().getWhenTerminated().toCompletableFuture().get(15, TimeUnit.SECONDS);
    }
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  private ChatServer server(Map<String, Object> overrides) throws Exception {
    ChatServer s = Servers.start(Files.createDirectories(tmp.resolve("spool")), overrides);
    toClose.add(s);
    return s;
  }

  private CutProxy proxy(InetSocketAddress target) throws IOException {
    CutProxy p = new CutProxy(new InetSocketAddress("127.0.0.1", target.getPort()));
    toClose.add(p);
    return p;
  }

  private RawPeer peer(InetSocketAddress server, String name) throws IOException {
    RawPeer p = RawPeer.joined(new InetSocketAddress("127.0.0.1", server.getPort()), name);
    toClose.add(p);
    return p;
  }

  /** Our client through {@code address}, joined; with an extended server, its prompt in #lobby. */
  private TestConsole client(String name, InetSocketAddress address, ClientSettings.Reconnect reconnect, boolean extended)
      throws Exception {
    TestConsole console = new TestConsole(false);
    consoles.add(console);
    ClientSettings settings = Servers.clientSettings(Files.createDirectories(tmp.resolve(name))).withReconnect(reconnect);
    clients.add(ChatClient.start(Servers.clientConfig(), settings, address, name, console));
    if (extended) {
      console.await("extended protocol on");
      awaitCondition(() -> ("[#lobby] " + name + "> ").equals(console.currentPrompt()), () -> "prompt " + console.currentPrompt());
    } else {
      console.await("Welcome!");
    }
    return console;
  }

  private static void awaitCondition(BooleanSupplier condition, Supplier<String> what) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, what);
      Thread.sleep(10);
    }
  }

  /** Reads {@code peer}'s frames until one is TEXT {@code text}; returns the TEXT payloads read. */
  private static List<String> readUntil(RawPeer peer, String text) throws IOException {
    List<String> texts = new ArrayList<>();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      assertTrue(System.nanoTime() < deadline, () -> "no TEXT " + text + "; read " + texts);
      RawPeer.Frame f = peer.read(WAIT);
      if (f.type() == TEXT) {
        texts.add(f.text());
        if (f.text().startsWith(text)) {
          return texts;
        }
      }
    }
  }

  /** What {@code /history #lobby 50} shows {@code peer}: its lines. */
  private static List<String> history(RawPeer peer) throws IOException {
    peer.send(TEXT, "/history #lobby 50");
    readUntil(peer, "[Server] History of #lobby");
    List<String> lines = readUntil(peer, "[Server] End of history");
    return lines.subList(0, lines.size() - 1);
  }

  private static long count(List<String> lines, String regex) {
    Pattern p = Pattern.compile(regex);
    return lines.stream().filter(l -> p.matcher(l).find()).count();
  }

  @Test
  void cutMidBurstTheClientReconnectsByItselfAndShowsEveryLineOfBothRoomsOnceInOrder() throws Exception {
    ChatServer server = server(NO_FLOOD);
    CutProxy proxy = proxy(server.address());
    RawPeer bob = peer(server.address(), "bob");
    bob.send(TEXT, "/join #dev");
    TestConsole alice = client("alice", proxy.address(), QUICK, true);
    alice.type("/join #dev");
    awaitCondition(() -> "[#dev] alice> ".equals(alice.currentPrompt()), alice::currentPrompt);

    // bob talks in both rooms (odd lines in #lobby, even ones in #dev); alice's connection is
    // cut while his lines are coming.
    int total = 300;
    for (int i = 1; i <= total; i++) {
      bob.send(TEXT, "/post b-" + i + (i % 2 == 0 ? " #dev " : " #lobby ") + "n" + i);
    }
    alice.await("bob: n41$");
    proxy.cutAll();
    alice.await("(lost|closed the connection).*; reconnecting in \\d+\\.\\d s \\(attempt 1\\)\\.$");
    // bob goes on while alice is away and while she comes back (her JOIN, her negotiation).
    java.util.concurrent.atomic.AtomicBoolean back = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicInteger last = new java.util.concurrent.atomic.AtomicInteger(total);
    Thread talker = new Thread(() -> {
      try {
        for (int i = total + 1; i <= total + 600 && (i <= total + 20 || !back.get()); i++) {
          bob.send(TEXT, "/post b-" + i + (i % 2 == 0 ? " #dev " : " #lobby ") + "n" + i);
          last.set(i);
          Thread.sleep(2); // a steady talker, not a burst: lines keep coming during the resume
        }
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }, "bob-talks");
    talker.start();
    alice.await("Reconnected to 127\\.0\\.0\\.1:\\d+ as alice\\.$");
    alice.await("End of history of #lobby");
    back.set(true);
    talker.join();
    // Rooms are independent: each one's last line says all of that room's lines have come.
    bob.send(TEXT, "/post b-live #dev live");
    bob.send(TEXT, "/post b-live-lobby #lobby live in lobby");
    awaitCondition(() -> count(alice.printed(), "bob: live$") == 1 && count(alice.printed(), "bob: live in lobby$") == 1,
        () -> "both live lines: " + alice.printed());
    int said = last.get();

    List<Integer> lobby = new ArrayList<>();
    List<Integer> dev = new ArrayList<>();
    for (String line : alice.printed()) {
      Matcher m = BOB_LINE.matcher(line);
      if (m.find()) {
        int n = Integer.parseInt(m.group(2));
        (n % 2 == 0 ? dev : lobby).add(n);
      }
    }
    List<Integer> expectedLobby = new ArrayList<>();
    List<Integer> expectedDev = new ArrayList<>();
    for (int i = 1; i <= said; i++) {
      (i % 2 == 0 ? expectedDev : expectedLobby).add(i);
    }
    assertEquals(expectedLobby, lobby, "every #lobby line once, in order");
    assertEquals(expectedDev, dev, "every #dev line once, in order");
    assertEquals(1, count(alice.printed(), "bob: live$"));
    assertEquals("[#dev] alice> ", alice.currentPrompt(), "the room active before is active again");
  }

  @Test
  void linesTypedWhileDisconnectedArePendingAndSentOnceReconnectedEvenWhileTheServerStillHoldsTheName() throws Exception {
    ChatServer server = server(NO_FLOOD);
    CutProxy proxy = proxy(server.address());
    RawPeer bob = peer(server.address(), "bob");
    TestConsole alice = client("alice", proxy.address(), QUICK, true);
    alice.type("before the cut");
    readUntil(bob, "alice::before the cut");

    // Only alice's side is cut: the server still holds her connection, and her name. She cannot
    // reach the server for a while.
    proxy.refuseNew(true);
    proxy.cutClientSides();
    alice.await("reconnecting in .*\\(attempt 1\\)\\.$");
    alice.type("offline one");
    alice.type("/me offline two");
    alice.type("offline three");
    // More than the outbound queue takes at once (16 offers), to go in order all the same.
    for (int i = 1; i <= 30; i++) {
      alice.type("burst " + i);
    }
    // 33 pending, or 34 if the STORED of the line before the cut was lost with the connection.
    awaitCondition(() -> alice.currentStatus().matches(".*, 3[34] pending\\]$"), () -> "status " + alice.currentStatus());
    // Private messages to her meanwhile reach the connection the server holds, and are lost there.
    for (int i = 1; i <= 3; i++) {
      bob.send(TEXT, "/msg alice while you were away " + i);
    }
    bob.send(TEXT, "/users");
    List<String> users = readUntil(bob, "[Server] Online users:");
    assertTrue(users.get(users.size() - 1).contains("alice"), "the server still holds alice: " + users);
    proxy.refuseNew(false);
    // Her token takes the name over from the connection the server still holds.
    alice.await("Reconnected to .* as alice\\.$");
    alice.await("Sending 3[34] pending lines\\.$");
    for (int i = 0; i < 33; i++) {
      alice.await("Stored as line \\d+ of #lobby\\.$");
    }
    awaitCondition(() -> !alice.currentStatus().contains("pending"), () -> "status " + alice.currentStatus());

    List<String> seen = readUntil(bob, "alice::burst 30");
    List<String> expected = new ArrayList<>(List.of("alice::offline one", "* alice::offline two", "alice::offline three"));
    for (int i = 1; i <= 30; i++) {
      expected.add("alice::burst " + i);
    }
    assertEquals(expected, seen.stream().filter(expected::contains).toList(), "each once, in the order typed");
    List<String> history = history(bob);
    assertEquals(1, count(history, "alice::before the cut$"), history::toString);
    assertEquals(1, count(history, "alice::offline one$"), history::toString);
    assertEquals(1, count(history, "alice::offline two$"), history::toString);
    assertEquals(1, count(history, "alice::offline three$"), history::toString);
    assertEquals(1, count(alice.printed(), "\\] alice: offline one$"), "shown once, as typed");
    // The private messages the connection the server held was sent: handed over, each once.
    awaitCondition(() -> count(alice.printed(), "\\[PM\\] bob: while you were away 3$") == 1, () -> "printed " + alice.printed());
    for (int i = 1; i <= 3; i++) {
      assertEquals(1, count(alice.printed(), "\\[PM\\] bob: while you were away " + i + "$"), "each private message once");
    }
    proxy.releaseServerSides();
  }

  @Test
  void aLineWhoseAcknowledgementWasLostIsSentAgainAfterReconnectingAndStoredOnce() throws Exception {
    ChatServer server = server(Map.of());
    CutProxy proxy = proxy(server.address());
    RawPeer bob = peer(server.address(), "bob");
    TestConsole alice = client("alice", proxy.address(), QUICK, true);

    // What the server says to alice is lost from now on: its STORED for her line among it.
    proxy.dropFromServer(true);
    alice.type("only once");
    readUntil(bob, "alice::only once"); // stored: rooms deliver only what is stored
    proxy.cutAll();
    proxy.dropFromServer(false);
    alice.await("Reconnected to .* as alice\\.$");
    alice.await("Sending 1 pending line\\.$");
    alice.await("Stored as line \\d+ of #lobby\\.$");
    bob.send(TEXT, "/post b-after #lobby after");
    alice.await("bob: after$");

    List<String> history = history(bob);
    assertEquals(1, count(history, "alice::only once$"), history::toString);
    assertEquals(1, count(alice.printed(), "\\] alice: only once$"), () -> "shown once, as typed: " + alice.printed());
  }

  @Test
  void againstTheOriginalServerALostConnectionStillEndsTheClient() throws Exception {
    SeedServer seed = SeedServer.start(SeedImplementation.forTests().get(0), Files.createDirectories(tmp.resolve("seed")));
    toClose.add(seed);
    CutProxy proxy = proxy(seed.address());
    TestConsole alice = client("alice", proxy.address(), QUICK, false);
    ChatClient client = clients.get(0);
    awaitCondition(() -> proxy.accepted() == 1, () -> "accepted " + proxy.accepted());
    proxy.cutAll();
    assertEquals(1, client.exitCode().toCompletableFuture().get(20, TimeUnit.SECONDS));
    alice.await("(The server closed the connection\\.|Connection to the server was lost \\(.*\\)\\.)$");
    assertEquals(0, count(alice.printed(), "reconnect"), alice.printed()::toString);
    assertEquals(1, proxy.accepted(), "no attempt to connect again");
  }

  @Test
  void withReconnectingOffALostConnectionEndsTheClientAndAfterMaxDurationItGivesUp() throws Exception {
    ChatServer server = server(Map.of());
    CutProxy off = proxy(server.address());
    TestConsole first = client("alice", off.address(), new ClientSettings.Reconnect(
        Duration.ofMillis(100), Duration.ofMillis(500), 0.3, Duration.ZERO, 1000), true);
    off.cutAll();
    assertEquals(1, clients.get(0).exitCode().toCompletableFuture().get(20, TimeUnit.SECONDS));
    assertEquals(0, count(first.printed(), "reconnect"), first.printed()::toString);

    CutProxy away = proxy(server.address());
    TestConsole second = client("carol", away.address(), new ClientSettings.Reconnect(
        Duration.ofMillis(100), Duration.ofMillis(200), 0.3, Duration.ofSeconds(1), 1000), true);
    away.refuseNew(true);
    away.cutAll();
    second.type("never sent");
    assertEquals(1, clients.get(1).exitCode().toCompletableFuture().get(20, TimeUnit.SECONDS));
    second.await("not reconnected within 1 s .*giving up; 1 pending line was not sent\\.$");
    assertTrue(away.accepted() > 1, "it tried again: " + away.accepted());
  }
}
