package pekkochat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import pekkochat.client.ChatClient;
import pekkochat.client.PipedConsole;
import pekkochat.server.ChatServer;
import pekkochat.testing.RawPeer;
import pekkochat.testing.SeedImplementation;
import pekkochat.testing.SeedServer;
import pekkochat.testing.Servers;

/**
 * The piped client (standard streams, as a script or a bot runs it: {@code PipedConsole} over
 * real byte streams) keeps the interface of docs/CLIENT.md against our server and the original:
 * every event starts a line with its time stamp, a multi-line one ({@code /help}'s answer)
 * continues on lines indented under it, and no escape sequence or bell is ever written.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PipedClientTest {

  private static final Pattern STAMPED = Pattern.compile("^\\[\\d{2}:\\d{2}:\\d{2}\\] \\S.*");
  private static final Pattern CONTINUED = Pattern.compile("^ {11}.*\\S.*");

  @TempDir Path tmp;

  /** A client on real pipes: what it writes, as text. */
  private static final class Piped implements AutoCloseable {
    final PipedOutputStream typing = new PipedOutputStream();
    final ByteArrayOutputStream written = new ByteArrayOutputStream();
    final ChatClient client;

    Piped(Path tmp, InetSocketAddress address, String name) throws IOException {
      PipedInputStream in = new PipedInputStream(typing, 1 << 16);
      PrintStream out = new PrintStream(new SyncOut(written), true, StandardCharsets.UTF_8);
      client =
          ChatClient.start(
              Servers.clientConfig(),
              Servers.clientSettings(Files.createDirectories(tmp.resolve(name))),
              address,
              name,
              new PipedConsole(in, out));
    }

    void type(String line) throws IOException {
      typing.write((line + "\n").getBytes(StandardCharsets.UTF_8));
      typing.flush();
    }

    String output() {
      synchronized (written) {
        return written.toString(StandardCharsets.UTF_8);
      }
    }

    void await(String regex) throws InterruptedException {
      Pattern p = Pattern.compile(regex, Pattern.MULTILINE);
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (!p.matcher(output()).find()) {
        if (System.nanoTime() > deadline) {
          fail("no output matching /" + regex + "/; wrote:\n" + output());
        }
        Thread.sleep(10);
      }
    }

    @Override
    public void close() throws Exception {
      typing.close(); // end of input: /quit
      assertEquals(0, client.exitCode().toCompletableFuture().get(15, TimeUnit.SECONDS));
    }
  }

  /** An OutputStream whose writes hold the buffer's lock, so that reading it meanwhile is safe. */
  private static final class SyncOut extends java.io.OutputStream {
    private final ByteArrayOutputStream target;

    SyncOut(ByteArrayOutputStream target) {
      this.target = target;
    }

    @Override
    public void write(int b) {
      synchronized (target) {
        target.write(b);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) {
      synchronized (target) {
        target.write(b, off, len);
      }
    }
  }

  private static void assertOneLinePerEvent(String output) {
    assertFalse(output.contains("\u001b") || output.contains("\u0007"), () -> "an escape or a bell in piped output:\n" + output);
    List<String> lines = output.lines().toList();
    assertFalse(lines.isEmpty());
    for (String line : lines) {
      assertTrue(
          STAMPED.matcher(line).matches() || CONTINUED.matcher(line).matches(),
          () -> "a line that is neither an event nor the continuation of one: '" + line + "' in\n" + output);
    }
  }

  @Test
  void onOurServerEveryLineIsAnEventOrPartOfOne() throws Exception {
    Path spool = Files.createDirectories(tmp.resolve("spool"));
    String output;
    try (ChatServer server = Servers.start(spool)) {
      InetSocketAddress address = new InetSocketAddress("127.0.0.1", server.address().getPort());
      try (Piped robot = new Piped(tmp, address, "robot");
          Piped bob = new Piped(tmp, address, "bob")) {
        robot.await("You are in #lobby");
        bob.await("You are in #lobby");
        robot.await("bob joined (the chat|#lobby)\\.$");
        robot.type("/help");
        robot.await("\\[Server\\] Commands:$");
        robot.await("^ {11}/msg <nick> <text>");
        bob.type("hello robot");
        robot.await("^\\[\\d\\d:\\d\\d:\\d\\d\\] bob: hello robot$");
        robot.type("/me waves");
        robot.await("\\* robot waves$");
        bob.type("/msg robot psst");
        robot.await("\\[PM\\] bob: psst$");
        robot.type("/msg bob hi");
        robot.await("\\[PM to bob\\] robot: hi$");
        robot.type("/topic tests");
        robot.await("robot set the topic of #lobby: tests$");
        bob.type("/nick robert");
        robot.await("bob is now known as robert\\.$");
        robot.type("/join #dev");
        robot.await("You are in #dev\\.");
        bob.type("still in the lobby");
        robot.await("\\[#lobby\\] robert: still in the lobby$");
        robot.type("/join bad!room");
        robot.await("Invalid room name: '!' \\(U\\+0021\\)");
        robot.type("/dance");
        robot.await("\\[Server Error\\]: Unknown command\\. Type /help\\.$");
        output = robot.output();
      }
      assertOneLinePerEvent(output);
    }
  }

  @Test
  void onTheOriginalServerEveryLineIsAnEventOrPartOfOne() throws Exception {
    SeedImplementation implementation = SeedImplementation.forTests().get(0);
    try (SeedServer seed = SeedServer.start(implementation, Files.createDirectories(tmp.resolve("seed")));
        RawPeer bob = RawPeer.joined(seed.address(), "bob")) {
      String output;
      try (Piped robot = new Piped(tmp, seed.address(), "robot")) {
        robot.await("Welcome!");
        bob.expect(RawPeer.JOIN, "robot joined the chat.");
        robot.type("/help");
        robot.await("\\] Commands:$");
        robot.await("^ {11}  /users");
        robot.type("/users");
        robot.await("\\[Server\\] Online users: bob, robot$");
        robot.type("hello bob");
        bob.expect(RawPeer.TEXT, "robot::hello bob");
        robot.await("\\] robot: hello bob$");
        bob.send(RawPeer.TEXT, "hi robot");
        robot.await("\\] bob: hi robot$");
        robot.type("/dance");
        robot.await("\\[Server Error\\]: Unknown command\\. Type /help\\.$");
        output = robot.output();
      }
      assertOneLinePerEvent(output);
    }
  }
}
