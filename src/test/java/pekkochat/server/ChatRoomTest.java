package pekkochat.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pekkochat.config.ServerSettings;
import pekkochat.protocol.FrameType;
import pekkochat.protocol.Frames;
import pekkochat.testing.Servers;

/**
 * The room's registry and fan-out, with test probes standing in for sessions and real bounded
 * queues standing in for their connections.
 */
class ChatRoomTest {

  private static final ActorTestKit testKit = ActorTestKit.create();

  @TempDir Path spoolDir;
  private ServerSettings settings;
  private Spool spool;
  private ActorRef<ChatRoom.Command> room;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void createRoom() throws IOException {
    settings =
        ServerSettings.fromConfig(
                Servers.config(Map.of("pekko-chat.server.outbound-queue-size", 4, "pekko-chat.server.shutdown-grace", "1s")))
            .withSpoolDirectory(spoolDir);
    spool = Spool.open(spoolDir);
    room = testKit.spawn(ChatRoom.create(settings, spool));
  }

  /** A stand-in session: a probe for what the room tells it, a queue for what it would send. */
  private final class User {
    final TestProbe<Session.Command> probe = testKit.createTestProbe();
    final LinkedBlockingQueue<ByteString> wire = new LinkedBlockingQueue<>();
    /** Queue elements that reached {@link #wire}: each may hold several frames. */
    final java.util.concurrent.atomic.AtomicInteger elements = new java.util.concurrent.atomic.AtomicInteger();
    final BoundedSourceQueue<pekkochat.protocol.Outbound> queue;
    /** Whether what the room offers reaches {@link #wire} (false for a user that never reads). */
    final boolean wireConnected;

    /** A user whose connection reads everything at once. */
    User() {
      wireConnected = true;
      queue =
          Source.<pekkochat.protocol.Outbound>queue(settings.outboundQueueSize() + 1)
              .flatMapConcat(pekkochat.protocol.Outbound::bytes)
              .to(Sink.foreach(this::split))
              .run(testKit.system());
    }

    /** A user whose connection never reads. */
    User(boolean stalled) {
      wireConnected = false;
      queue =
          Source.<pekkochat.protocol.Outbound>queue(settings.outboundQueueSize() + 1)
              .to(Sink.asPublisher(org.apache.pekko.stream.javadsl.AsPublisher.WITHOUT_FANOUT))
              .run(testKit.system());
    }

    /** One element may hold several frames (the room batches broadcasts): one entry each. */
    private void split(ByteString bytes) {
      elements.incrementAndGet();
      while (!bytes.isEmpty()) {
        int length = bytes.iterator().getInt(java.nio.ByteOrder.BIG_ENDIAN);
        wire.add(bytes.take(4 + length));
        bytes = bytes.drop(4 + length);
      }
    }

    User join(String name) {
      room.tell(new ChatRoom.Register(name, probe.ref(), queue));
      assertEquals(new Session.Registered(name), probe.receiveMessage());
      if (wireConnected) {
        try {
          assertEquals("TEXT Welcome! Type /help for commands.", next());
        } catch (InterruptedException e) {
          throw new AssertionError(e);
        }
      }
      return this;
    }

    /** The next frame written to this user, as (type, text). */
    String next() throws InterruptedException {
      ByteString frame = wire.poll(3, TimeUnit.SECONDS);
      assertTrue(frame != null, "expected a frame");
      return FrameType.ofCode(frame.apply(4)).orElseThrow() + " " + frame.drop(5).decodeString(StandardCharsets.UTF_8);
    }

    /** The next {@code n} frames written to this user. */
    List<String> next(int n) throws InterruptedException {
      List<String> frames = new java.util.ArrayList<>();
      for (int i = 0; i < n; i++) {
        frames.add(next());
      }
      return frames;
    }

    void expectNothing() throws InterruptedException {
      assertNull(wire.poll(200, TimeUnit.MILLISECONDS));
    }
  }

  @Test
  void joinIsAnnouncedToOthersAndLinesGoToEveryoneButTheSender() throws Exception {
    User alice = new User().join("alice");
    User bob = new User().join("bob");
    assertEquals("JOIN bob joined the chat.", alice.next());

    room.tell(new ChatRoom.Post(alice.probe.ref(), "hi"));
    assertEquals("TEXT alice::hi", bob.next());
    alice.expectNothing();
  }

  @Test
  void namesAreUniqueRegardlessOfCase() {
    new User().join("Alice");
    User other = new User();
    room.tell(new ChatRoom.Register("alice", other.probe.ref(), other.queue));
    assertEquals(new Session.Rejected("Username already taken."), other.probe.receiveMessage());
  }

  @Test
  void usersAreListedInJoinOrder() {
    User alice = new User().join("alice");
    new User().join("bob");
    new User().join("carol");
    room.tell(new ChatRoom.ListUsers(alice.probe.ref()));
    assertEquals(new Session.UserList(List.of("alice", "bob", "carol")), alice.probe.receiveMessage());
  }

  @Test
  void noticesAndLinesHandledTogetherKeepTheirOrder() throws Exception {
    User alice = new User().join("alice");
    User bob = new User();
    User carol = new User();
    // Told back to back, so the room is likely to gather them into one flush: order must hold.
    room.tell(new ChatRoom.Register("bob", bob.probe.ref(), bob.queue));
    room.tell(new ChatRoom.Post(bob.probe.ref(), "hi"));
    room.tell(new ChatRoom.Register("carol", carol.probe.ref(), carol.queue));
    assertEquals("JOIN bob joined the chat.", alice.next());
    assertEquals("TEXT bob::hi", alice.next());
    assertEquals("JOIN carol joined the chat.", alice.next());
    assertEquals("TEXT Welcome! Type /help for commands.", carol.next());
    carol.expectNothing();
  }

  @Test
  void linesSoonAfterAFlushWaitAndGoOutTogether() throws Exception {
    // 2 s per user reached: after a flush to one user, the next waits 2 s.
    room =
        testKit.spawn(
            ChatRoom.create(
                ServerSettings.fromConfig(
                        Servers.config(Map.of("pekko-chat.server.broadcast-flush-interval-per-user", "2s")))
                    .withSpoolDirectory(spoolDir),
                spool));
    User alice = new User().join("alice");
    User bob = new User().join("bob");
    // The first broadcast after a quiet spell goes out at once, on its own.
    assertEquals("JOIN bob joined the chat.", alice.next());
    assertEquals(2, alice.elements.get()); // the welcome, then the notice

    long posted = System.nanoTime();
    room.tell(new ChatRoom.Post(bob.probe.ref(), "one"));
    room.tell(new ChatRoom.Post(bob.probe.ref(), "two"));
    // Nothing else comes, so the timer flushes them: together, and not before the interval.
    ByteString first = alice.wire.poll(10, TimeUnit.SECONDS);
    assertTrue(first != null, "the gathered lines never came");
    assertTrue(System.nanoTime() - posted >= TimeUnit.MILLISECONDS.toNanos(1000), "flushed too soon");
    assertEquals("TEXT bob::one", FrameType.ofCode(first.apply(4)).orElseThrow() + " " + first.drop(5).decodeString(StandardCharsets.UTF_8));
    assertEquals("TEXT bob::two", alice.next());
    assertEquals(3, alice.elements.get());
  }

  @Test
  void aFlushGivesEachUserWhatWasBroadcastSinceItJoinedButNotItsOwnLines() throws Exception {
    // 500 ms per user reached, so what follows is very likely gathered into one flush, in which
    // senders and a newcomer get their own slices of the room's log. (Should the machine be slow
    // and split it, every user must still get exactly the same frames.)
    room =
        testKit.spawn(
            ChatRoom.create(
                ServerSettings.fromConfig(
                        Servers.config(Map.of("pekko-chat.server.broadcast-flush-interval-per-user", "500ms")))
                    .withSpoolDirectory(spoolDir),
                spool));
    User alice = new User().join("alice");
    User bob = new User().join("bob");
    User carol = new User().join("carol");
    assertEquals("JOIN bob joined the chat.", alice.next());
    assertEquals("JOIN carol joined the chat.", alice.next());
    assertEquals("JOIN carol joined the chat.", bob.next());

    User dave = new User();
    room.tell(new ChatRoom.Post(alice.probe.ref(), "a1"));
    room.tell(new ChatRoom.Register("dave", dave.probe.ref(), dave.queue));
    room.tell(new ChatRoom.Post(bob.probe.ref(), "b1"));
    room.tell(new ChatRoom.Post(dave.probe.ref(), "d1"));
    room.tell(new ChatRoom.Post(alice.probe.ref(), "a2"));

    assertEquals(List.of("JOIN dave joined the chat.", "TEXT bob::b1", "TEXT dave::d1"), alice.next(3));
    assertEquals(
        List.of("TEXT alice::a1", "JOIN dave joined the chat.", "TEXT dave::d1", "TEXT alice::a2"), bob.next(4));
    assertEquals(
        List.of("TEXT alice::a1", "JOIN dave joined the chat.", "TEXT bob::b1", "TEXT dave::d1", "TEXT alice::a2"),
        carol.next(5));
    assertEquals(
        List.of("TEXT Welcome! Type /help for commands.", "TEXT bob::b1", "TEXT alice::a2"), dave.next(3));
    for (User u : List.of(alice, bob, carol, dave)) {
      u.expectNothing();
    }
  }

  @Test
  void aSessionThatEndsIsAnnouncedExactlyOnceAndFreesItsName() throws Exception {
    User alice = new User().join("alice");
    User bob = new User().join("bob");
    assertEquals("JOIN bob joined the chat.", alice.next());

    bob.probe.stop();
    assertEquals("LEAVE bob left the chat.", alice.next());
    alice.expectNothing();

    // Lines from a session that has gone are not relayed, and the name can be taken again.
    room.tell(new ChatRoom.Post(bob.probe.ref(), "ghost"));
    alice.expectNothing();
    new User().join("bob");
    assertEquals("JOIN bob joined the chat.", alice.next());
  }

  @Test
  void aFullQueueCutsOffOnlyThatUser() throws Exception {
    User alice = new User().join("alice");
    User bob = new User().join("bob");
    User stalled = new User(true).join("stalled");
    assertEquals("JOIN bob joined the chat.", alice.next());
    assertEquals("JOIN stalled joined the chat.", alice.next());
    assertEquals("JOIN stalled joined the chat.", bob.next());

    // Paced on bob's reads: bob's queue never holds more than one line, the stalled one fills.
    for (int i = 0; i < 20; i++) {
      room.tell(new ChatRoom.Post(alice.probe.ref(), "line " + i));
      assertEquals("TEXT alice::line " + i, bob.next());
    }
    // Told once; the room has stopped offering it anything.
    assertEquals(Session.Overflowed.INSTANCE, stalled.probe.receiveMessage());
    stalled.probe.expectNoMessage(Duration.ofMillis(200));
    // One slot is still free for the session's own farewell ERROR.
    assertTrue(stalled.queue.offer(Frames.error("bye")).isEnqueued());
  }

  @Test
  void aFileIsStreamedFromTheSpoolToEachRecipientAndThenDeleted() throws Exception {
    User alice = new User().join("alice");
    User bob = new User().join("bob");
    assertEquals("JOIN bob joined the chat.", alice.next());
    SpoolFile file = completeSpoolFile("file body");
    Path spooled = file.path();

    room.tell(new ChatRoom.ShareFile(alice.probe.ref(), "notes.txt", file));
    StringBuilder received = new StringBuilder();
    ByteString first = bob.wire.poll(3, TimeUnit.SECONDS);
    received.append(first.drop(5).decodeString(StandardCharsets.UTF_8));
    while (received.length() < "alice::notes.txt::file body".length()) {
      received.append(bob.wire.poll(3, TimeUnit.SECONDS).decodeString(StandardCharsets.UTF_8));
    }
    assertEquals(FrameType.FILE.code(), first.apply(4));
    assertEquals("alice::notes.txt::file body", received.toString());
    alice.expectNothing();
    awaitDeleted(spooled);
  }

  @Test
  void aFileNobodyCanReceiveIsDeletedAtOnce() throws Exception {
    User alice = new User().join("alice");
    SpoolFile file = completeSpoolFile("x");
    room.tell(new ChatRoom.ShareFile(alice.probe.ref(), "x.txt", file));
    awaitDeleted(file.path());
    assertEquals(0, spool.reserved(), "the reservation is returned");
  }

  @Test
  void shutdownClosesEverySessionAndAnswersWhenTheyAreGone() {
    User alice = new User().join("alice");
    User bob = new User().join("bob");
    TestProbe<Done> done = testKit.createTestProbe();
    room.tell(new ChatRoom.Shutdown(done.ref()));

    assertInstanceOf(Session.Close.class, alice.probe.receiveMessage());
    assertInstanceOf(Session.Close.class, bob.probe.receiveMessage());
    done.expectNoMessage(Duration.ofMillis(100));
    alice.probe.stop();
    bob.probe.stop();
    assertEquals(Done.getInstance(), done.receiveMessage(Duration.ofSeconds(1)));

    // Nobody may join a room that is shutting down.
    User late = new User();
    room.tell(new ChatRoom.Register("late", late.probe.ref(), late.queue));
    assertInstanceOf(Session.Rejected.class, late.probe.receiveMessage());
  }

  @Test
  void shutdownAnswersAfterTheGracePeriodEvenIfASessionLingers() {
    User alice = new User().join("alice");
    TestProbe<Done> done = testKit.createTestProbe();
    room.tell(new ChatRoom.Shutdown(done.ref()));
    assertInstanceOf(Session.Close.class, alice.probe.receiveMessage());
    assertEquals(Done.getInstance(), done.receiveMessage(Duration.ofSeconds(3)));
  }

  /** A spool file whose upload has completed, as a session leaves it. */
  private SpoolFile completeSpoolFile(String content) throws IOException {
    SpoolFile file = spool.reserve(content.length()).file();
    Files.writeString(file.path(), content);
    file.commitTo(content.length());
    file.complete();
    file.releaseWriter();
    return file;
  }

  private static void awaitDeleted(Path file) throws InterruptedException {
    for (int i = 0; i < 100 && Files.exists(file); i++) {
      Thread.sleep(30);
    }
    assertFalse(Files.exists(file), "spool file should be deleted");
  }
}
