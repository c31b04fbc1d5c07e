package pekkochat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pekkochat.client.ChatClient;
import pekkochat.server.ChatServer;
import pekkochat.testing.Servers;
import pekkochat.testing.TestConsole;

/**
 * The project's client on the project's server, which speaks the extended protocol: rooms in the
 * prompt and on every line, private messages, actions, topics, nick changes, all through real
 * TCP and the real client classes (piped console: one line per event).
 */
class ClientRoomsEndToEndTest {

  private static final String STAMP = "^\\[\\d{2}:\\d{2}:\\d{2}\\] ";
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path tmp;
  private ChatServer server;
  private final List<ChatClient> clients = new ArrayList<>();
  private final List<TestConsole> consoles = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    server = Servers.start(Files.createDirectories(tmp.resolve("spool")));
  }

  @AfterEach
  void stop() throws Exception {
    consoles.forEach(TestConsole::endInput);
    for (ChatClient c : clients) {
      c.stop();
      c.system().getWhenTerminated().toCompletableFuture().get(15, TimeUnit.SECONDS);
    }
    server.close();
  }

  /** A client of ours, joined, on the extended protocol (its prompt shows the default room). */
  private TestConsole client(String name) throws Exception {
    TestConsole console = new TestConsole(false);
    consoles.add(console);
    InetSocketAddress address = new InetSocketAddress("127.0.0.1", server.address().getPort());
    clients.add(
        ChatClient.start(
            Servers.clientConfig(), Servers.clientSettings(Files.createDirectories(tmp.resolve(name))), address, name, console));
    console.await("extended protocol on");
    awaitPrompt(console, "[#lobby] " + name + "> ");
    return console;
  }

  private static void awaitPrompt(TestConsole console, String prompt) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!prompt.equals(console.currentPrompt())) {
      assertTrue(System.nanoTime() < deadline, () -> "prompt " + console.currentPrompt() + ", expected " + prompt);
      Thread.sleep(10);
    }
  }

  @Test
  void roomsShowInThePromptAndOnEveryLineThatIsNotTheActiveRoom() throws Exception {
    TestConsole alice = client("alice");
    TestConsole bob = client("bob");
    alice.await(STAMP + "bob joined #lobby\\.$");

    alice.type("/join #dev");
    awaitPrompt(alice, "[#dev] alice> ");
    bob.type("/join dev");
    awaitPrompt(bob, "[#dev] bob> ");
    alice.await(STAMP + "bob joined #dev\\.$");

    bob.type("in dev");
    alice.await(STAMP + "bob: in dev$");
    bob.await(STAMP + "bob: in dev$"); // our own line, shown with its time and name

    alice.type("/join #lobby");
    awaitPrompt(alice, "[#lobby] alice> ");
    bob.type("still dev");
    alice.await(STAMP + "\\[#dev\\] bob: still dev$");

    bob.type("/me waves");
    alice.await(STAMP + "\\[#dev\\] \\* bob waves$");
  }

  @Test
  void privateMessagesTopicsAndNickChangesAreShownForWhatTheyAre() throws Exception {
    TestConsole alice = client("alice");
    TestConsole bob = client("bob");
    alice.await(STAMP + "bob joined #lobby\\.$");

    alice.type("/msg bob psst");
    bob.await(STAMP + "\\[PM\\] alice: psst$");
    alice.await(STAMP + "\\[PM to bob\\] alice: psst$"); // attributed, one's own too

    bob.type("/topic release on friday");
    String topic = alice.await("topic");
    assertTrue(topic.contains("bob") && topic.contains("release on friday"), topic);

    bob.type("/nick robert");
    alice.await(STAMP + "bob is now known as robert\\.$");
    awaitPrompt(bob, "[#lobby] robert> ");
    bob.type("hello as robert");
    alice.await(STAMP + "robert: hello as robert$");
    assertEquals("[#lobby] alice> ", alice.currentPrompt());
  }
}
