package pekkochat.e2e;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import pekkochat.client.ChatClient;
import pekkochat.server.ChatServer;
import pekkochat.testing.RawPeer;
import pekkochat.testing.Servers;
import pekkochat.testing.TestConsole;

/**
 * Interop with the seed system, as reconstructed in {@code src/test/python/seed}: an original
 * client against our server, our client against an original server, and both servers answering
 * the same raw-protocol script.
 */
@Timeout(value = 45, unit = TimeUnit.SECONDS)
class SeedInteropTest {

  private static final Path SEED = Path.of("src/test/python/seed").toAbsolutePath();
  private static final String STAMP = "^\\[\\d{2}:\\d{2}:\\d{2}\\] ";
  /** How our client ends a "saved to" line: the transfer's time and rate. */
  private static final String SUMMARY = " \\(in [0-9.]+ s, [0-9.]+ MB/s\\)$";
  private static final String WELCOME = STAMP + "\\[Server\\]: Welcome! Type /help for commands\\.$";

  @TempDir Path tmp;

  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final List<ChatClient> clients = new ArrayList<>();
  private final List<TestConsole> consoles = new ArrayList<>();

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
    assertTrue(Files.isRegularFile(SEED.resolve("seed_server.py")), "missing " + SEED.resolve("seed_server.py"));
    assertTrue(Files.isRegularFile(SEED.resolve("seed_client.py")), "missing " + SEED.resolve("seed_client.py"));
  }

  @AfterEach
  void tearDown() throws Exception {
    List<Exception> failures = new ArrayList<>();
    consoles.forEach(TestConsole::endInput);
    clients.forEach(ChatClient::stop);
    for (ChatClient c : clients) {
      try {
        c.system().getWhenTerminated().toCompletableFuture().get(15, TimeUnit.SECONDS);
      } catch (Exception e) {
        failures.add(e);
      }
    }
    // Last opened, first closed: peers and processes before the servers they talk to.
    for (int i = toClose.size() - 1; i >= 0; i--) {
      try {
        toClose.get(i).close();
      } catch (Exception e) {
        failures.add(e);
      }
    }
    if (!failures.isEmpty()) {
      throw failures.get(0);
    }
  }

  // --- helpers ------------------------------------------------------------------------------

  /** A Python fixture process: stdout lines are queued by a reader thread, stdin takes lines. */
  private static final class Seed implements AutoCloseable {
    private static final String EOF = "\u0000<end of output>";

    final String label;
    final Process process;
    private final Writer stdin;
    private final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();
    private final Thread reader;
    private final Path stderr;

    Seed(String label, Path workDir, List<String> command) throws IOException {
      this.label = label;
      this.stderr = workDir.resolve(label + ".stderr.log");
      ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectError(stderr.toFile());
      pb.environment().put("PYTHONUNBUFFERED", "1");
      pb.environment().put("PYTHONIOENCODING", "utf-8");
      process = pb.start();
      stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      reader =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                  }
                } catch (IOException e) {
                  // the process went away
                } finally {
                  lines.add(EOF);
                }
              },
              "seed-" + label + "-stdout");
      reader.setDaemon(true);
      reader.start();
    }

    static Seed server(Path workDir) throws IOException {
      return new Seed(
          "seed-server",
          workDir,
          List.of("python3", "-u", SEED.resolve("seed_server.py").toString(), "--host", "127.0.0.1", "--port", "0"));
    }

    static Seed client(Path workDir, int port, String name) throws IOException {
      return new Seed(
          "seed-client-" + name,
          workDir,
          List.of("python3", "-u", SEED.resolve("seed_client.py").toString(), "127.0.0.1", "-p", String.valueOf(port), "-u", name));
    }

    /** Waits for a stdout line matching {@code regex} (searched), skipping others. */
    String await(String regex) {
      return await(regex, Duration.ofSeconds(10));
    }

    String await(String regex, Duration timeout) {
      Pattern p = Pattern.compile(regex);
      long deadline = System.nanoTime() + timeout.toNanos();
      try {
        while (true) {
          long left = deadline - System.nanoTime();
          String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
          if (line == null || line.equals(EOF)) {
            if (line != null) {
              lines.add(EOF);
            }
            fail(label + ": no line matching /" + regex + "/ within " + timeout
                + (line == null ? "" : " (output ended)") + "; saw: " + seen + "; stderr: " + stderrText());
          }
          seen.add(line);
          if (p.matcher(line).find()) {
            return line;
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }

    void type(String line) throws IOException {
      stdin.write(line + "\n");
      stdin.flush();
    }

    int exitValue(Duration within) throws InterruptedException {
      assertTrue(process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS), label + " did not exit; saw: " + seen);
      return process.exitValue();
    }

    private String stderrText() {
      try {
        return Files.readString(stderr);
      } catch (IOException e) {
        return "(unreadable: " + e + ")";
      }
    }

    @Override
    public void close() throws Exception {
      try {
        stdin.close();
      } catch (IOException e) {
        // already gone
      }
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
      reader.join(5000);
    }
  }

  private Seed startSeedServer() throws IOException {
    Seed s = Seed.server(Files.createDirectories(tmp.resolve("seed-server")));
    toClose.add(s);
    return s;
  }

  private static InetSocketAddress listeningAddress(Seed server) {
    Matcher m = Pattern.compile("^LISTENING (\\d+)$").matcher(server.await("^LISTENING "));
    assertTrue(m.find());
    return new InetSocketAddress("127.0.0.1", Integer.parseInt(m.group(1)));
  }

  private ChatServer startOurServer() throws Exception {
    ChatServer s = Servers.start(Files.createDirectories(tmp.resolve("spool")));
    toClose.add(s);
    return s;
  }

  private ChatClient ourClient(InetSocketAddress address, String name, TestConsole console, Path downloads) {
    consoles.add(console);
    ChatClient c = ChatClient.start(Servers.clientConfig(), Servers.clientSettings(downloads), address, name, console);
    clients.add(c);
    return c;
  }

  private static InetSocketAddress loopback(InetSocketAddress address) {
    return new InetSocketAddress("127.0.0.1", address.getPort());
  }

  /** Random bytes with {@code ::}, NUL, CR/LF and non-UTF-8 bytes spread through them. */
  private static byte[] awkwardBytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    byte[] marks = "::\u0000::\r\n".getBytes(StandardCharsets.ISO_8859_1);
    for (int at = 0; at + marks.length + 2 < n; at += 997) {
      System.arraycopy(marks, 0, b, at, marks.length);
      b[at + marks.length] = (byte) 0xff;
      b[at + marks.length + 1] = (byte) 0xc3;
    }
    b[0] = ':';
    b[1] = ':';
    return b;
  }

  // --- B1. an original client talks to our server -------------------------------------------

  @Test
  void originalClientTalksToOurServer() throws Exception {
    ChatServer server = startOurServer();
    InetSocketAddress address = loopback(server.address());
    Path aliceDownloads = tmp.resolve("alice-downloads");
    TestConsole alice = new TestConsole(false);
    ourClient(address, "alice", alice, aliceDownloads);
    alice.await(WELCOME);

    Path seedDir = Files.createDirectories(tmp.resolve("seed-client"));
    Seed carol = Seed.client(seedDir, address.getPort(), "carol");
    toClose.add(carol);
    carol.await(WELCOME);
    alice.await(STAMP + "carol joined the chat\\.$");

    alice.type("hi carol");
    carol.await(STAMP + "alice: hi carol$");
    carol.type("hi alice, with :: inside");
    alice.await(STAMP + "carol: hi alice, with :: inside$");

    // Our client sends a file whose bytes contain "::" and binary: the original client saves it.
    byte[] fromAlice = awkwardBytes(300_000, 7);
    Path aliceFile = Files.write(Files.createDirectories(tmp.resolve("alice-files")).resolve("blob.bin"), fromAlice);
    alice.type("/send " + aliceFile);
    carol.await(
        STAMP + "Received file blob\\.bin from alice \\(" + fromAlice.length + " bytes\\), saved to received_files/blob\\.bin$",
        Duration.ofSeconds(15));
    assertArrayEquals(fromAlice, Files.readAllBytes(seedDir.resolve("received_files/blob.bin")));

    // The original client sends a file: our client saves it.
    byte[] fromCarol = awkwardBytes(200_000, 8);
    Path carolFile = Files.write(Files.createDirectories(tmp.resolve("carol-files")).resolve("photo.dat"), fromCarol);
    carol.type("/send " + carolFile);
    carol.await("^Sent file photo\\.dat \\(" + fromCarol.length + " bytes\\)$");
    alice.await(
        STAMP + "carol sent photo\\.dat \\(.+\\), saved to " + Pattern.quote(aliceDownloads.resolve("photo.dat").toString()) + SUMMARY,
        Duration.ofSeconds(15));
    assertArrayEquals(fromCarol, Files.readAllBytes(aliceDownloads.resolve("photo.dat")));

    carol.type("/users");
    carol.await(STAMP + "\\[Server\\] Online users: alice, carol$");
    carol.type("/quit");
    alice.await(STAMP + "carol left the chat\\.$");
    assertEquals(0, carol.exitValue(Duration.ofSeconds(10)), "the original client exits after /quit_ack");
  }

  // --- B2. our client talks to an original server -------------------------------------------

  @Test
  void ourClientTalksToAnOriginalServer() throws Exception {
    Seed seedServer = startSeedServer();
    InetSocketAddress address = listeningAddress(seedServer);
    Path bobDownloads = tmp.resolve("bob-downloads");
    TestConsole alice = new TestConsole(false);
    TestConsole bob = new TestConsole(false);
    ChatClient aliceClient = ourClient(address, "alice", alice, tmp.resolve("alice-downloads"));
    alice.await(WELCOME);
    ChatClient bobClient = ourClient(address, "bob", bob, bobDownloads);
    bob.await(WELCOME);
    alice.await(STAMP + "bob joined the chat\\.$");

    alice.type("hello bob");
    bob.await(STAMP + "alice: hello bob$");
    bob.type("hello alice");
    alice.await(STAMP + "bob: hello alice$");

    alice.type("/users");
    alice.await(STAMP + "\\[Server\\] Online users: alice, bob$");
    alice.type("/dance");
    alice.await(STAMP + "\\[Server Error\\]: Unknown command\\. Type /help\\.$");

    byte[] content = awkwardBytes(1024 * 1024 + 3, 9);
    Path file = Files.write(Files.createDirectories(tmp.resolve("alice-files")).resolve("report.pdf"), content);
    alice.type("/send " + file);
    bob.await(
        STAMP + "alice sent report\\.pdf \\(.+\\), saved to " + Pattern.quote(bobDownloads.resolve("report.pdf").toString()) + SUMMARY,
        Duration.ofSeconds(15));
    alice.await(STAMP + "Sent report\\.pdf");
    assertArrayEquals(content, Files.readAllBytes(bobDownloads.resolve("report.pdf")));

    alice.type("/quit");
    bob.await(STAMP + "alice left the chat\\.$");
    // Ending the input only releases the console reader; the exit code was decided by /quit.
    alice.endInput();
    assertEquals(0, aliceClient.exitCode().toCompletableFuture().get(10, TimeUnit.SECONDS));

    bob.endInput();
    assertEquals(0, bobClient.exitCode().toCompletableFuture().get(10, TimeUnit.SECONDS));
  }

  // --- B3. both servers answer a raw script identically -------------------------------------

  /** One frame as the transcript shows it: payload bytes as ISO-8859-1 with escapes. */
  private static String show(RawPeer.Frame f) {
    String[] names = {"?", "TEXT", "FILE", "JOIN", "LEAVE", "ERROR", "COMMAND"};
    StringBuilder b = new StringBuilder(f.type() < names.length ? names[f.type()] : "TYPE" + f.type()).append(' ');
    for (byte x : f.payload()) {
      int c = x & 0xff;
      if (c >= 0x20 && c < 0x7f && c != '\\') {
        b.append((char) c);
      } else {
        b.append(String.format("\\x%02x", c));
      }
    }
    return b.toString();
  }

  private static void read(List<String> transcript, String who, RawPeer peer, int frames) throws IOException {
    for (int i = 0; i < frames; i++) {
      try {
        transcript.add(who + " <- " + show(peer.read()));
      } catch (SocketTimeoutException e) {
        transcript.add(who + " <- (nothing within 10 s)");
      } catch (EOFException | SocketException e) {
        transcript.add(who + " <- (closed)");
        return;
      }
    }
  }

  private static void readUntilClosed(List<String> transcript, String who, RawPeer peer) throws IOException {
    try {
      for (int i = 0; i < 10; i++) {
        transcript.add(who + " <- " + show(peer.read()));
      }
      transcript.add(who + " <- (still open)");
    } catch (SocketTimeoutException e) {
      transcript.add(who + " <- (still open)");
    } catch (EOFException | SocketException e) {
      transcript.add(who + " <- (closed)");
    }
  }

  /** The same conversation, step by step; returns what each connection received, in order. */
  private static List<String> runScript(InetSocketAddress address) throws IOException {
    List<String> t = new ArrayList<>();
    try (RawPeer c1 = RawPeer.connect(address); RawPeer c2 = RawPeer.connect(address)) {
      c1.send(RawPeer.TEXT, "hello before join");
      read(t, "c1", c1, 1);
      c1.sendFile("early.txt", "x".getBytes(StandardCharsets.UTF_8));
      read(t, "c1", c1, 1);
      c1.send(RawPeer.JOIN, "x");
      read(t, "c1", c1, 1);
      c2.send(RawPeer.JOIN, "x");
      read(t, "c2", c2, 1);
      c2.send(RawPeer.JOIN, "y");
      read(t, "c2", c2, 1);
      read(t, "c1", c1, 1);
      c1.send(RawPeer.TEXT, "/users");
      read(t, "c1", c1, 1);
      c1.send(RawPeer.TEXT, "/help");
      read(t, "c1", c1, 1);
      c1.send(RawPeer.TEXT, "/dance");
      read(t, "c1", c1, 1);
      c1.send(RawPeer.TEXT, "hi y :: how are you?");
      read(t, "c2", c2, 1);
      c2.send(RawPeer.TEXT, "hi x");
      read(t, "c1", c1, 1);
      c1.sendFile("f.txt", "a::b\u0000\r\n".getBytes(StandardCharsets.UTF_8));
      read(t, "c2", c2, 1);
      c2.send(RawPeer.TEXT, "/quit");
      readUntilClosed(t, "c2", c2);
      read(t, "c1", c1, 1);
      c1.send(RawPeer.TEXT, "/quit");
      readUntilClosed(t, "c1", c1);
    }
    return t;
  }

  /** What PROTOCOL-SEED.md says the script must produce. */
  private static final List<String> CONTRACT =
      List.of(
          "c1 <- ERROR Invalid JOIN message.",
          "c1 <- ERROR Invalid JOIN message.",
          "c1 <- TEXT Welcome! Type /help for commands.",
          "c2 <- ERROR Username already taken.",
          "c2 <- TEXT Welcome! Type /help for commands.",
          "c1 <- JOIN y joined the chat.",
          "c1 <- TEXT [Server] Online users: x, y",
          "c1 <- TEXT [Server] Commands:\\x0a/users - list online users\\x0a/send <filepath> - send a file to everyone\\x0a/quit - leave the chat",
          "c1 <- ERROR Unknown command. Type /help.",
          "c2 <- TEXT x::hi y :: how are you?",
          "c1 <- TEXT y::hi x",
          "c2 <- FILE x::f.txt::a::b\\x00\\x0d\\x0a",
          "c2 <- COMMAND /quit_ack",
          "c2 <- (closed)",
          "c1 <- LEAVE y left the chat.",
          "c1 <- COMMAND /quit_ack",
          "c1 <- (closed)");

  @Test
  void ourServerAndTheOriginalServerAnswerTheSameScriptIdentically() throws Exception {
    Seed seedServer = startSeedServer();
    List<String> seed = runScript(listeningAddress(seedServer));
    List<String> ours = runScript(startOurServer().address());
    assertAll(
        () -> assertEquals(String.join("\n", seed), String.join("\n", ours), "our server vs the seed server"),
        () -> assertEquals(String.join("\n", CONTRACT), String.join("\n", ours), "our server vs PROTOCOL-SEED.md"),
        () -> assertEquals(String.join("\n", CONTRACT), String.join("\n", seed), "seed fixture vs PROTOCOL-SEED.md"));
  }
}
