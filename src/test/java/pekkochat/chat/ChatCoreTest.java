package pekkochat.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The chat core on its own: no sockets, no bytes, test probes as users. Every message between
 * the probes and the core, and inside it, is serialized and deserialized on the way
 * ({@code serialize-messages = on}), so a message that could not cross a node fails here.
 */
class ChatCoreTest {

  private static final Config CONFIG =
      ConfigFactory.parseString(
              """
              pekko.actor.serialize-messages = on
              pekko.actor.serialize-creators = off
              pekko.actor.no-serialization-verification-needed-class-prefix = ["org.apache.pekko."]
              pekko-chat.server.broadcast-flush-interval-per-user = 0s
              """)
          .withFallback(ConfigFactory.load());

  private static final ActorTestKit testKit = ActorTestKit.create("chat-core-test", CONFIG);

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private ChatSettings settings;
  private ActorRef<Rooms.Command> rooms;
  private ActorRef<Users.Command> users;

  @BeforeEach
  void core() {
    settings = ChatSettings.fromConfig(CONFIG);
    rooms = testKit.spawn(Rooms.create(settings));
    users = testKit.spawn(Users.create());
  }

  /** A probe that claims a nick and enters a room; returns the room's reply. */
  private ToUser.JoinedRoom join(TestProbe<ToUser> user, String nick, String room) {
    rooms.tell(new Rooms.JoinRoom(room, nick, "", user.getRef()));
    return user.expectMessageClass(ToUser.JoinedRoom.class);
  }

  /** The room events a probe receives until it has seen {@code count}, skipping those up to {@code after}. */
  private static List<RoomEvent> events(TestProbe<ToUser> user, long after, int count) {
    List<RoomEvent> seen = new ArrayList<>();
    while (seen.size() < count) {
      ToUser.RoomEvents batch = user.expectMessageClass(ToUser.RoomEvents.class, Duration.ofSeconds(5));
      batch.events().stream().filter(e -> e.seq() > after).forEach(seen::add);
    }
    return seen;
  }

  @Test
  void everyEventOfARoomHasTheNextSequenceNumberAndMembersSeeTheSameOrder() {
    TestProbe<ToUser> alice = testKit.createTestProbe();
    TestProbe<ToUser> bob = testKit.createTestProbe();
    ToUser.JoinedRoom a = join(alice, "alice", "#dev");
    ToUser.JoinedRoom b = join(bob, "bob", "dev");
    assertEquals("#dev", b.room(), "dev and #dev are one room");
    assertEquals(a.seq() + 1, b.seq());
    assertEquals(2, b.members());
    b.ref().tell(new Room.Post(bob.getRef(), "hi", false));
    a.ref().tell(new Room.Post(alice.getRef(), "waves", true));

    List<RoomEvent> seenByAlice = events(alice, a.seq(), 3);
    List<RoomEvent> seenByBob = events(bob, b.seq(), 2);
    assertEquals(new RoomEvent.UserJoined("#dev", b.seq(), seenByAlice.get(0).time(), "bob"), seenByAlice.get(0));
    assertEquals(seenByAlice.subList(1, 3), seenByBob, "both see the lines in one order");
    RoomEvent.Posted hi = (RoomEvent.Posted) seenByBob.get(0);
    RoomEvent.Posted waves = (RoomEvent.Posted) seenByBob.get(1);
    assertEquals("bob", hi.from());
    assertEquals("hi", hi.text());
    assertTrue(waves.action());
    assertEquals(hi.seq() + 1, waves.seq());
  }

  @Test
  void roomNamesAreOneRoomRegardlessOfCase() {
    TestProbe<ToUser> alice = testKit.createTestProbe();
    TestProbe<ToUser> bob = testKit.createTestProbe();
    ToUser.JoinedRoom a = join(alice, "alice", "#Dev");
    ToUser.JoinedRoom b = join(bob, "bob", "#DEV");
    assertEquals(a.ref(), b.ref());
    assertEquals("#Dev", b.room(), "the room keeps the name it was created with");
  }

  @Test
  void anInvalidRoomNameIsRefused() {
    TestProbe<ToUser> alice = testKit.createTestProbe();
    rooms.tell(new Rooms.JoinRoom("#no spaces", "alice", "", alice.getRef()));
    ToUser.Refused refused = alice.expectMessageClass(ToUser.Refused.class);
    assertTrue(refused.reason().startsWith("Invalid room name"), refused.reason());
  }

  @Test
  void aMemberThatStopsLeavesEveryRoomOnce() {
    TestProbe<ToUser> alice = testKit.createTestProbe();
    TestProbe<ToUser> bob = testKit.createTestProbe();
    ToUser.JoinedRoom a = join(alice, "alice", "#lobby");
    join(bob, "bob", "#lobby");
    events(alice, a.seq(), 1); // bob joined
    bob.stop();
    RoomEvent left = events(alice, a.seq() + 1, 1).get(0);
    assertTrue(left instanceof RoomEvent.UserLeft l && l.nick().equals("bob") && l.reason() == RoomEvent.LeaveReason.DISCONNECTED, left.toString());
    alice.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void partTellsTheOthersAndAnEmptyRoomGoesAway() {
    TestProbe<ToUser> alice = testKit.createTestProbe();
    ToUser.JoinedRoom a = join(alice, "alice", "#tmp");
    TestProbe<Object> watcher = testKit.createTestProbe();
    a.ref().tell(new Room.Part(alice.getRef()));
    // What the room had not yet flushed reaches the one who parts first.
    alice.fishForMessage(Duration.ofSeconds(5), m -> m.equals(new ToUser.PartedRoom("#tmp"))
        ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
        : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore());
    watcher.expectTerminated(a.ref(), Duration.ofSeconds(5));
    // The name is free for a new room.
    ToUser.JoinedRoom again = join(alice, "alice", "#tmp");
    assertFalse(again.ref().equals(a.ref()));
  }

  @Test
  void topicIsSetShownAndAnnounced() {
    TestProbe<ToUser> alice = testKit.createTestProbe();
    ToUser.JoinedRoom a = join(alice, "alice", "#t");
    a.ref().tell(new Room.SetTopic(alice.getRef(), "release day"));
    RoomEvent set = events(alice, a.seq(), 1).get(0);
    assertTrue(set instanceof RoomEvent.TopicChanged t && t.topic().equals("release day") && t.by().equals("alice"), set.toString());
    a.ref().tell(new Room.GetTopic(alice.getRef()));
    alice.expectMessage(new ToUser.Topic("#t", "release day"));
  }

  @Test
  void nicksAreUniqueByConfusableKeyAndPrivateMessagesReachTheirTarget() {
    TestProbe<ToUser> alice = testKit.createTestProbe();
    TestProbe<ToUser> mallory = testKit.createTestProbe();
    TestProbe<ToUser> bob = testKit.createTestProbe();
    users.tell(new Users.Claim("alice", alice.getRef()));
    alice.expectMessage(new ToUser.NickGranted("alice", 0));
    users.tell(new Users.Claim("\u0430lice", mallory.getRef())); // Cyrillic a
    assertEquals(Users.TAKEN, mallory.expectMessageClass(ToUser.NickRefused.class).reason());
    users.tell(new Users.Claim("ALICE", mallory.getRef()));
    assertEquals(Users.TAKEN, mallory.expectMessageClass(ToUser.NickRefused.class).reason());
    users.tell(new Users.Claim("bob", bob.getRef()));
    bob.expectMessageClass(ToUser.NickGranted.class);

    users.tell(new Users.SendPrivate(bob.getRef(), "Alice", "psst", false));
    ToUser.PrivateMessage pm = alice.expectMessageClass(ToUser.PrivateMessage.class);
    assertEquals("bob", pm.from());
    assertEquals("alice", pm.to());
    assertEquals("psst", pm.text());
    assertEquals(pm, bob.expectMessageClass(ToUser.PrivateSent.class).message());

    users.tell(new Users.SendPrivate(bob.getRef(), "carol", "hello?", false));
    assertEquals("No such user online: carol.", bob.expectMessageClass(ToUser.Refused.class).reason());
  }

  @Test
  void anAwayUserIsReportedToWhoeverWritesToIt() {
    TestProbe<ToUser> alice = testKit.createTestProbe();
    TestProbe<ToUser> bob = testKit.createTestProbe();
    users.tell(new Users.Claim("alice", alice.getRef()));
    alice.expectMessageClass(ToUser.NickGranted.class);
    users.tell(new Users.Claim("bob", bob.getRef()));
    bob.expectMessageClass(ToUser.NickGranted.class);
    users.tell(new Users.SetAway(alice.getRef(), "lunch"));
    users.tell(new Users.SendPrivate(bob.getRef(), "alice", "there?", false));
    alice.expectMessageClass(ToUser.PrivateMessage.class);
    bob.expectMessageClass(ToUser.PrivateSent.class);
    assertEquals(new ToUser.IsAway("alice", "lunch"), bob.expectMessageClass(ToUser.IsAway.class));
  }

  @Test
  void aRenameIsGrantedWithAnIdAndAnnouncedInEveryRoom() {
    TestProbe<ToUser> alice = testKit.createTestProbe();
    TestProbe<ToUser> bob = testKit.createTestProbe();
    users.tell(new Users.Claim("alice", alice.getRef()));
    alice.expectMessageClass(ToUser.NickGranted.class);
    users.tell(new Users.Claim("bob", bob.getRef()));
    bob.expectMessageClass(ToUser.NickGranted.class);
    users.tell(new Users.Rename(alice.getRef(), "BOB"));
    assertEquals("The name BOB is taken.", alice.expectMessageClass(ToUser.NickRefused.class).reason());
    users.tell(new Users.Rename(alice.getRef(), "alicia"));
    ToUser.NickGranted granted = alice.expectMessageClass(ToUser.NickGranted.class);
    assertTrue(granted.changeId() > 0);

    ToUser.JoinedRoom a = join(alice, "alice", "#one");
    ToUser.JoinedRoom b = join(bob, "bob", "#one");
    events(alice, a.seq(), 1);
    a.ref().tell(new Room.Rename(alice.getRef(), "alicia", granted.changeId()));
    RoomEvent renamed = events(bob, b.seq(), 1).get(0);
    assertEquals(new RoomEvent.NickChanged("#one", b.seq() + 1, renamed.time(), a.seq(), "alice", "alicia", granted.changeId()), renamed);
    a.ref().tell(new Room.ListMembers(bob.getRef()));
    ToUser.Members members = bob.expectMessageClass(ToUser.Members.class);
    assertEquals(List.of("alicia", "bob"), members.members().stream().map(ToUser.MemberInfo::nick).toList());
  }

  @Test
  void roomsAreListedWithTheirMembersAndTopics() {
    TestProbe<ToUser> alice = testKit.createTestProbe();
    TestProbe<ToUser> bob = testKit.createTestProbe();
    join(alice, "alice", "#big");
    ToUser.JoinedRoom b = join(bob, "bob", "#big");
    b.ref().tell(new Room.SetTopic(bob.getRef(), "hello"));
    rooms.tell(new Rooms.ListRooms(alice.getRef()));
    ToUser.RoomList list = alice.fishForMessage(Duration.ofSeconds(5), m -> m instanceof ToUser.RoomList
        ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
        : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore()).stream()
        .map(ToUser.RoomList.class::cast).findFirst().orElseThrow();
    assertTrue(list.complete());
    assertEquals(new ToUser.RoomInfo("#big", 2, "hello"), list.rooms().get(0), "the biggest first");
    assertTrue(list.rooms().stream().anyMatch(r -> r.name().equals("#lobby")), "the default room always exists");
  }
}
