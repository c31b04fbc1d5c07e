package pekkochat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static pekkochat.testing.FrameStreams.frame;
import static pekkochat.testing.FrameStreams.utf8;

import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.pekko.util.ByteString;
import pekkochat.protocol.FrameType;
import pekkochat.protocol.MessageDecoder;
import pekkochat.protocol.ProtocolLimits;
import pekkochat.server.ChatServer;
import pekkochat.testing.ErrorLog;
import pekkochat.testing.FrameStreams;
import pekkochat.testing.FrameStreams.Chunking;
import pekkochat.testing.FrameStreams.Mutation;
import pekkochat.testing.FuzzTries;
import pekkochat.testing.RawPeer;
import pekkochat.testing.Servers;

/**
 * Property-based fuzzing of a live server over loopback TCP. One server serves every try. In each
 * try two bystanders join and an attacker connection writes a random or mutated frame stream
 * (garbage before JOIN, oversize headers, invalid UTF-8, unknown types, truncated frames, files)
 * in random pieces, then closes, resets, half-closes or stays open. Afterwards:
 *
 * <ul>
 *   <li>the server is alive, logged no error, and its sessions end with their connections;
 *   <li>the bystanders still exchange a line within {@link #LATENCY}, even while the attacker
 *       stays connected in the middle of a file it is sending them;
 *   <li>they received only well-formed frames, and from the attacker only what the protocol
 *       delivers from any user: its JOIN and LEAVE announcements, lines and files it really sent;
 *   <li>a fresh user joins, gets the welcome and is alone in {@code /users}; no spool file is left.
 * </ul>
 */
@AddLifecycleHook(FuzzTries.class)
class SessionFuzzTest {

  /**
   * How long a bystander may wait for the other's line: generous for a loopback round trip on a
   * busy 2-core machine, and well above {@link #RELAY_LEAD_TIME}, the longest a stalled upload
   * may hold recipients.
   */
  private static final Duration LATENCY = Duration.ofSeconds(2);

  private static final Duration RELAY_LEAD_TIME = Duration.ofMillis(250);

  /** How long a session may take to end once its connection has. */
  private static final Duration SESSION_END = Duration.ofSeconds(5);

  /** Small limits, so that random streams cross them; the server is configured to match. */
  private static final ProtocolLimits LIMITS = new ProtocolLimits(1024, 16 * 1024, 128);

  private static final Pattern SESSION = Pattern.compile("session-\\d+");

  private static Path spool;
  private static ChatServer server;
  private static ScheduledExecutorService watchdog;
  private static ErrorLog errors;
  private static int round;

  @BeforeContainer
  static void startServer() throws Exception {
    spool = Files.createTempDirectory("session-fuzz-spool");
    errors = ErrorLog.capture();
    server =
        Servers.start(
            spool,
            Map.of(
                "pekko-chat.protocol.max-message-size", LIMITS.maxMessageBytes(),
                "pekko-chat.protocol.max-file-size", LIMITS.maxFileBytes(),
                "pekko-chat.protocol.max-file-header-size", LIMITS.maxFileHeaderBytes(),
                "pekko-chat.server.relay-lead-time", RELAY_LEAD_TIME.toMillis() + "ms",
                "pekko-chat.server.close-timeout", "2s"));
    watchdog = Executors.newSingleThreadScheduledExecutor();
  }

  @AfterContainer
  static void stopServer() throws IOException {
    watchdog.shutdownNow();
    server.close();
    errors.close();
    try (Stream<Path> files = Files.walk(spool)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  // ---------------------------------------------------------------- the attack

  /** How the attacker's connection ends. */
  enum Ending {
    /** A plain close, possibly with unread data (which makes it a reset). */
    CLOSE,
    /** A TCP reset. */
    RESET,
    /** Closes its sending side and reads everything the server still says until it closes. */
    HALF_CLOSE,
    /** Stays connected while the bystanders talk, then closes. */
    STAY_OPEN
  }

  record Attack(String how, ByteString bytes, Chunking writes, Ending ending) {
    @Override
    public String toString() {
      return ending + ", " + writes + ": " + how + " => " + FrameStreams.describe(bytes);
    }
  }

  @Provide
  Arbitrary<Attack> attack() {
    Arbitrary<ByteString> beforeJoin =
        Arbitraries.frequencyOf(
            Tuple.of(4, Arbitraries.just(ByteString.emptyByteString())),
            Tuple.of(1, FrameStreams.randomFrames(LIMITS).map(FrameStreams.FuzzStream::bytes)),
            Tuple.of(1, clientFrame().list().ofMaxSize(3).map(FrameStreams::concat)));
    Arbitrary<ByteString> join =
        Arbitraries.frequencyOf(
            Tuple.of(5, attackerName().map(n -> frame(FrameType.JOIN.code(), utf8(n)))),
            Tuple.of(1, Arbitraries.just(ByteString.emptyByteString())));
    Arbitrary<ByteString> afterJoin = clientFrame().list().ofMaxSize(8).map(FrameStreams::concat);
    // The stream may end inside a frame: the session then waits for bytes that never come.
    Arbitrary<ByteString> unfinished =
        Arbitraries.frequencyOf(
            Tuple.of(2, Arbitraries.just(ByteString.emptyByteString())),
            Tuple.of(1, truncated(clientFrame())),
            Tuple.of(1, truncated(fileFrame())));
    Arbitrary<List<Mutation>> mutations =
        Arbitraries.frequencyOf(
            Tuple.of(1, Arbitraries.just(List.<Mutation>of())),
            Tuple.of(1, FrameStreams.mutation(LIMITS).list().ofMinSize(1).ofMaxSize(3)));
    Arbitrary<Chunking> writes =
        Arbitraries.integers().between(1, 4096).list().ofMinSize(1).ofMaxSize(6).map(Chunking::new);
    Arbitrary<ByteString> clean =
        Combinators.combine(beforeJoin, join, afterJoin, unfinished)
            .as((a, b, c, d) -> a.concat(b).concat(c).concat(d));
    return Combinators.combine(clean, mutations, writes, Arbitraries.of(Ending.class))
        .as(
            (bytes, ms, chunking, ending) -> {
              ByteString mutated = bytes;
              for (Mutation m : ms) {
                mutated = m.apply(mutated);
              }
              return new Attack(ms.isEmpty() ? "unmutated" : ms.toString(), mutated, chunking, ending);
            });
  }

  /** What a client might send: valid frames and invalid ones. */
  private static Arbitrary<ByteString> clientFrame() {
    Arbitrary<ByteString> line =
        FrameStreams.text(60).filter(s -> utf8(s).size() <= LIMITS.maxMessageBytes()).map(s -> text(s));
    Arbitrary<ByteString> command =
        Arbitraries.of("/users", "/help", "/quit", "/nope", " /users ", "/", "/send x").map(s -> text(s));
    Arbitrary<ByteString> file = fileFrame();
    Arbitrary<ByteString> otherType =
        Arbitraries.of(FrameType.JOIN, FrameType.LEAVE, FrameType.ERROR, FrameType.COMMAND)
            .flatMap(t -> FrameStreams.smallFrame(t, LIMITS))
            .map(FrameStreams.ValidFrame::wire);
    Arbitrary<ByteString> badName =
        Arbitraries.of("", "  ", "a::b", "m:", ":", "\u0007bell", "x".repeat(40), "\u200bzero")
            .map(n -> frame(FrameType.JOIN.code(), utf8(n)));
    Arbitrary<ByteString> unknownType =
        Combinators.combine(Arbitraries.integers().between(7, 255), Arbitraries.bytes().array(byte[].class).ofMaxSize(50))
            .as((code, payload) -> frame(code, ByteString.fromArray(payload)));
    Arbitrary<ByteString> invalidUtf8 =
        Arbitraries.of(FrameType.TEXT, FrameType.JOIN)
            .map(t -> frame(t.code(), utf8("bad ").concat(ByteString.fromArray(new byte[] {(byte) 0xc3, 0x28}))));
    // A FILE frame cut short: the frames that follow become its content.
    Arbitrary<ByteString> truncatedFile = truncated(file);
    Arbitrary<ByteString> oversize =
        FrameStreams.interestingLength(LIMITS).map(len -> FrameStreams.header(len, FrameType.TEXT.code()));
    return Arbitraries.frequencyOf(
        Tuple.of(5, line),
        Tuple.of(2, command),
        Tuple.of(3, file),
        Tuple.of(2, truncatedFile),
        Tuple.of(1, otherType),
        Tuple.of(1, badName),
        Tuple.of(1, unknownType),
        Tuple.of(1, invalidUtf8),
        Tuple.of(1, oversize));
  }

  private static Arbitrary<ByteString> fileFrame() {
    return FrameStreams.fileFrame(MessageDecoder.Origin.CLIENT, LIMITS).map(FrameStreams.ValidFrame::wire);
  }

  /** A frame cut somewhere after its header. */
  private static Arbitrary<ByteString> truncated(Arbitrary<ByteString> frame) {
    return Combinators.combine(frame, Arbitraries.integers().between(0, 1 << 16))
        .as((wire, cut) -> wire.take(FrameStreams.HEADER + cut % (wire.size() - FrameStreams.HEADER + 1)));
  }

  private static Arbitrary<String> attackerName() {
    return Arbitraries.frequencyOf(
        Tuple.of(4, Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(12).map(s -> "m" + s)),
        Tuple.of(1, FrameStreams.text(12)));
  }

  private static ByteString text(String line) {
    return frame(FrameType.TEXT.code(), utf8(line));
  }

  // ---------------------------------------------------------------- the property

  @Property(tries = 30, shrinking = ShrinkingMode.BOUNDED)
  void aHostileConnectionAffectsNobodyElse(@ForAll("attack") Attack attack) throws Exception {
    int k = ++round;
    InetSocketAddress address = server.address();
    awaitSessions(0);
    errors.drain();

    try (Bystander alice = Bystander.join(address, "bystander-a" + k);
        Bystander bob = Bystander.join(address, "bystander-b" + k)) {
      alice.expect(RawPeer.JOIN, bob.name + " joined the chat.");

      RawPeer mallory = RawPeer.connect(address);
      try {
        // Its session exists before it sends anything, so that its end can be awaited below.
        awaitSessions(3);
        write(mallory, attack);
        switch (attack.ending()) {
          case CLOSE -> mallory.close();
          case RESET -> mallory.abort();
          case HALF_CLOSE -> {
            mallory.halfClose();
            readUntilClosed(mallory);
          }
          case STAY_OPEN -> {
            talk(alice, bob, "while the attacker is connected " + k);
            mallory.close();
          }
        }
      } finally {
        mallory.close();
      }
      awaitSessions(2);

      // The attacker's session has ended, so everything it caused has been sent before this.
      talk(alice, bob, "after the attack " + k);
      alice.assertOnlyDeliverable(attack.bytes());
      bob.assertOnlyDeliverable(attack.bytes());
    }
    awaitSessions(0);

    assertEquals(List.of(), errors.drain(), "errors logged by the server");
    assertFalse(server.system().getWhenTerminated().toCompletableFuture().isDone(), "the server stopped");
    try (Bystander fresh = Bystander.join(address, "fresh" + k)) {
      fresh.peer.send(RawPeer.TEXT, "/users");
      fresh.expect(RawPeer.TEXT, "[Server] Online users: " + fresh.name);
    }
    Servers.assertSpoolEmptySoon(spool);
  }

  // ---------------------------------------------------------------- steps

  /** Writes the attack in its pieces; a server that closed the connection ends the writing. */
  private void write(RawPeer mallory, Attack attack) throws IOException {
    // A write that blocks (it should not: the server reads everything or closes) must not hang
    // the build: the watchdog resets the connection, and the test fails.
    ScheduledFuture<?> guard =
        watchdog.schedule(
            () -> {
              try {
                mallory.abort();
              } catch (IOException ignored) {
                // already closed
              }
            },
            10,
            TimeUnit.SECONDS);
    long start = System.nanoTime();
    try {
      for (ByteString piece : attack.writes().split(attack.bytes())) {
        mallory.sendRaw(piece.toArray());
      }
    } catch (IOException closedByServer) {
      // expected after a fatal error or /quit
    } finally {
      guard.cancel(false);
    }
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "writing the attack blocked");
  }

  /** Reads what the server says to the attacker until it closes: well-formed frames only. */
  private static void readUntilClosed(RawPeer mallory) throws IOException {
    long deadline = System.nanoTime() + SESSION_END.toNanos();
    try {
      while (true) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          fail("the server did not close the half-closed connection within " + SESSION_END);
        }
        assertWellFormed(mallory.read(Duration.ofNanos(left)));
      }
    } catch (EOFException | SocketException closed) {
      // closed by the server, as it should be
    } catch (SocketTimeoutException e) {
      fail("the server did not close the half-closed connection within " + SESSION_END);
    }
  }

  /** Each bystander says a line; the other must get it within {@link #LATENCY}. */
  private static void talk(Bystander alice, Bystander bob, String token) throws IOException {
    alice.peer.send(RawPeer.TEXT, "ping " + token);
    bob.awaitLine(alice.name, "ping " + token);
    bob.peer.send(RawPeer.TEXT, "pong " + token);
    alice.awaitLine(bob.name, "pong " + token);
  }

  /**
   * Waits until the server has exactly {@code expected} sessions (children of the room). A
   * session is removed only after the room has been told of its end, so once it is gone from the
   * tree, its LEAVE is queued before anything the room is asked to do afterwards.
   */
  private static void awaitSessions(int expected) throws InterruptedException {
    long deadline = System.nanoTime() + SESSION_END.toNanos();
    while (true) {
      String tree = server.system().printTree();
      int count = 0;
      for (Matcher m = SESSION.matcher(tree); m.find(); ) {
        count++;
      }
      if (count == expected) {
        return;
      }
      if (System.nanoTime() > deadline) {
        fail(count + " sessions instead of " + expected + " after " + SESSION_END + ":\n" + tree);
      }
      Thread.sleep(10);
    }
  }

  // ---------------------------------------------------------------- what bystanders may receive

  /** A joined user that collects everything it receives. */
  private static final class Bystander implements AutoCloseable {
    final String name;
    final RawPeer peer;
    final List<RawPeer.Frame> received = new ArrayList<>();

    private Bystander(String name, RawPeer peer) {
      this.name = name;
      this.peer = peer;
    }

    static Bystander join(InetSocketAddress address, String name) throws IOException {
      Bystander b = new Bystander(name, RawPeer.connect(address));
      b.peer.send(RawPeer.JOIN, name);
      b.expect(RawPeer.TEXT, "Welcome! Type /help for commands.");
      return b;
    }

    void expect(int type, String payload) throws IOException {
      RawPeer.Frame f = peer.read(LATENCY);
      assertWellFormed(f);
      assertEquals(type, f.type(), () -> name + " got " + f);
      assertEquals(payload, f.text(), () -> name + " got " + f);
    }

    /** Reads until {@code from}'s {@code line} arrives, keeping what came before it. */
    void awaitLine(String from, String line) throws IOException {
      long deadline = System.nanoTime() + LATENCY.toNanos();
      String wanted = from + "::" + line;
      while (true) {
        long left = deadline - System.nanoTime();
        RawPeer.Frame f;
        try {
          f = peer.read(Duration.ofNanos(Math.max(left, 1_000_000)));
        } catch (SocketTimeoutException e) {
          throw new AssertionError(name + " did not get \"" + wanted + "\" within " + LATENCY + "; got " + received);
        }
        assertWellFormed(f);
        if (f.type() == RawPeer.TEXT && f.text().equals(wanted)) {
          assertTrue(System.nanoTime() <= deadline, () -> name + " got \"" + wanted + "\" only after " + LATENCY);
          return;
        }
        received.add(f);
      }
    }

    /**
     * Everything else it received comes from the attacker, and is what the protocol delivers
     * from any user: one JOIN announcement for the one name it joined under, first; lines it sent
     * as TEXT frames (never a command), as {@code name::line}; files it sent, as {@code
     * name::file::bytes} (completed with zeros, then followed by a notice, if the upload was cut
     * off); and one LEAVE, last. Never an ERROR, a COMMAND or a reply meant for the attacker.
     */
    /**
     * The lines an original client may be shown of the attacker's TEXT frames: a text of several
     * lines is relayed one frame per line, and terminal controls in it as U+FFFD (docs/PROTOCOL.md).
     * Frames are walked as the server reads them, as far as their lengths can be trusted.
     */
    static java.util.Set<String> linesOfTexts(ByteString attack) {
      java.util.Set<String> lines = new java.util.HashSet<>();
      int at = 0;
      while (attack.size() - at >= 5) {
        long length = attack.slice(at, at + 4).asByteBuffer().getInt() & 0xFFFF_FFFFL;
        int type = attack.apply(at + 4) & 0xFF;
        if (length == 0 || (type != FrameType.FILE.code() && length - 1 > LIMITS.maxMessageBytes())) {
          break;
        }
        long end = at + 4 + length;
        if (type == FrameType.TEXT.code() && end <= attack.size()) {
          String text = attack.slice(at + 5, (int) end).decodeString(java.nio.charset.StandardCharsets.UTF_8);
          for (String l : text.split("\\r\\n|\\n|\\r", -1)) {
            StringBuilder shown = new StringBuilder();
            for (char c : l.toCharArray()) {
              boolean control = c < 0x20 && c != '\t' || c >= 0x7F && c <= 0x9F || c >= 0x202A && c <= 0x202E || c >= 0x2066 && c <= 0x2069;
              shown.append(control ? '\uFFFD' : c);
            }
            lines.add(shown.toString());
          }
        }
        if (end > attack.size()) {
          break;
        }
        at = (int) end;
      }
      return lines;
    }

    void assertOnlyDeliverable(ByteString attack) {
      String attacker = null;
      boolean left = false;
      int padded = 0;
      int notices = 0;
      for (RawPeer.Frame f : received) {
        String what = name + " got " + f;
        if (f.type() == RawPeer.JOIN) {
          assertNull(attacker, what + " after the attacker had joined");
          assertTrue(f.text().endsWith(" joined the chat."), what);
          attacker = f.text().substring(0, f.text().length() - " joined the chat.".length());
          assertTrue(contains(attack, utf8(attacker)), what + ": a name the attacker never sent");
          continue;
        }
        assertNotNull(attacker, what + " although the attacker never joined");
        assertFalse(left, what + " after the attacker left");
        switch (f.type()) {
          case RawPeer.LEAVE -> {
            assertEquals(attacker + " left the chat.", f.text(), what);
            left = true;
          }
          case RawPeer.TEXT -> {
            if (f.text().startsWith("[Server] Incomplete file: " + attacker + "::")) {
              notices++;
            } else {
              assertTrue(f.text().startsWith(attacker + "::"), what);
              String line = f.text().substring(attacker.length() + 2);
              assertFalse(line.startsWith("/"), what + ": a command was relayed");
              assertTrue(
                  contains(attack, frame(FrameType.TEXT.code(), utf8(line))) || linesOfTexts(attack).contains(line),
                  what + ": a line the attacker never sent");
            }
          }
          case RawPeer.FILE -> {
            ByteString payload = ByteString.fromArray(f.payload());
            int first = payload.indexOfSlice(utf8("::"), 0);
            int second = payload.indexOfSlice(utf8("::"), first + 2);
            assertEquals(attacker, payload.take(first).utf8String(), what);
            ByteString content = payload.drop(second + 2);
            assertTrue(contains(attack, withoutTrailingZeros(content)), what + ": content the attacker never sent");
            if (!contains(attack, content)) {
              padded++;
            }
          }
          default -> fail(what + ": not something another user's actions produce");
        }
      }
      if (attacker != null) {
        assertTrue(left, name + " never got the attacker's LEAVE: " + received);
      }
      assertTrue(notices >= padded, name + " got a file completed with zeros without a notice: " + received);
    }

    @Override
    public void close() throws IOException {
      peer.close();
    }
  }

  /** A frame as the protocol defines it: a known type, UTF-8 text, a FILE with its two fields. */
  private static void assertWellFormed(RawPeer.Frame f) {
    assertTrue(f.type() >= RawPeer.TEXT && f.type() <= RawPeer.COMMAND, () -> "unknown frame type in " + f);
    if (f.type() != RawPeer.FILE) {
      assertUtf8(ByteString.fromArray(f.payload()), f);
      return;
    }
    ByteString payload = ByteString.fromArray(f.payload());
    int first = payload.indexOfSlice(utf8("::"), 0);
    assertTrue(first >= 0, () -> "FILE without a sender: " + f);
    int second = payload.indexOfSlice(utf8("::"), first + 2);
    assertTrue(second >= 0, () -> "FILE without a name: " + f);
    assertUtf8(payload.take(second), f);
  }

  private static void assertUtf8(ByteString bytes, RawPeer.Frame f) {
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toArray()));
    } catch (CharacterCodingException e) {
      fail("not UTF-8: " + f);
    }
  }

  private static boolean contains(ByteString haystack, ByteString needle) {
    return needle.isEmpty() || haystack.indexOfSlice(needle, 0) >= 0;
  }

  private static ByteString withoutTrailingZeros(ByteString bytes) {
    int end = bytes.size();
    while (end > 0 && bytes.apply(end - 1) == 0) {
      end--;
    }
    return bytes.take(end);
  }
}
