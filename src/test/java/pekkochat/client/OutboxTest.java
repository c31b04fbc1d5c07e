package pekkochat.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import pekkochat.protocol.Event;
import pekkochat.protocol.Frames;
import pekkochat.protocol.Outbound;

class OutboxTest {

  private static String text(Outbound frame) {
    return ((Outbound.Frame) frame).encoded().drop(5).utf8String();
  }

  private static Event event(Event.Kind kind, String room, long seq, String from) {
    return new Event(kind, room, seq, 0, from, "", "x");
  }

  @Test
  void aRoomLineIsAPostWithAnIdOfThisClientUntilItsStoredArrives() {
    Outbox outbox = new Outbox("abc", 10);
    assertEquals("/post abc:1 #dev hello", text(outbox.post("#dev", "hello")));
    assertEquals("/post abc:2 #dev /me waves", text(outbox.post("#dev", "/ME  waves")));
    assertEquals(Outbox.Stored.QUIET, outbox.stored("abc:1"));
    assertEquals(Outbox.Stored.NOT_OURS, outbox.stored("abc:1"), "once");
    assertEquals(Outbox.Stored.NOT_OURS, outbox.stored("typed-by-hand"));
  }

  @Test
  void aRefusalNamingOneOfOurPostsEndsItAndIsShownWithTheLineInsteadOfTheId() {
    Outbox outbox = new Outbox("abc", 10);
    outbox.post("#dev", "hello there");
    outbox.post("#dev", "second");
    assertEquals(java.util.Optional.of("Your line \"hello there\" in #dev was not sent: #dev is busy storing 9 others; try again in a moment."),
        outbox.refused("Your line (post abc:1) was not sent: #dev is busy storing 9 others; try again in a moment."));
    assertEquals(java.util.Optional.empty(), outbox.refused("Your line (post abc:1) was not sent: again"), "once");
    assertEquals(java.util.Optional.empty(), outbox.refused("Your line (post zzz:1) was not sent: not ours"));
    assertEquals(java.util.Optional.empty(), outbox.refused("Your line was not sent: no id"));
    outbox.lost();
    List<String> again = outbox.resend().stream().map(OutboxTest::text).toList();
    assertEquals(List.of("/post abc:2 #dev second"), again, "a refused line is not sent again");
  }

  @Test
  void theResumeLineCountsLivePrivateEventsOfTheConnectionAndKeepsTheTokenUntilRefused() {
    Outbox outbox = new Outbox("abc", 10);
    assertEquals(null, outbox.resumeLine(), "no token yet");
    outbox.seen(new Event(Event.Kind.RESUME, "", 0, 0, "", "", "tokenAAAAAAAAAAAAAAAAA"));
    outbox.seen(new Event(Event.Kind.PRIVATE, "", 0, 0, "bob", "alice", "hi"));
    outbox.seen(new Event(Event.Kind.PRIVATE_ACTION, "", 0, 0, "alice", "bob", "waves"));
    outbox.seen(new Event(Event.Kind.HISTORY, "@bob", 0, 0, "", "2", "begin"));
    outbox.seen(new Event(Event.Kind.PRIVATE, "", 7, 0, "bob", "alice", "from history"));
    outbox.seen(new Event(Event.Kind.HISTORY, "@bob", 0, 0, "", "", "end"));
    outbox.seen(new Event(Event.Kind.HISTORY, "#dev", 0, 0, "", "1", "begin"));
    outbox.seen(new Event(Event.Kind.PRIVATE, "", 0, 0, "bob", "alice", "live, during a room's replay"));
    outbox.seen(new Event(Event.Kind.HISTORY, "#dev", 0, 0, "", "", "end"));
    assertEquals("/resume tokenAAAAAAAAAAAAAAAAA 3", outbox.resumeLine());
    assertEquals("/resume tokenAAAAAAAAAAAAAAAAA 3", outbox.resumeLine(), "kept for an attempt cut off before the server read it");
    outbox.seen(new Event(Event.Kind.RESUME, "", 0, 0, "", "", "tokenBBBBBBBBBBBBBBBBB"));
    assertEquals("/resume tokenBBBBBBBBBBBBBBBBB 0", outbox.resumeLine(), "the new connection's, counted afresh");
    outbox.resumeRefused();
    assertEquals(null, outbox.resumeLine());
  }

  @Test
  void afterALossTheLinesNotAcknowledgedGoFirstWithTheirIdsThenWhatWasTypedMeanwhile() {
    Outbox outbox = new Outbox("abc", 10);
    outbox.post("#dev", "one");
    outbox.post("#dev", "two");
    outbox.stored("abc:1");
    outbox.lost();
    assertTrue(outbox.offline());
    assertTrue(outbox.queue(outbox.post("#lobby", "three")));
    assertTrue(outbox.queue(Frames.text("/msg bob hi")));
    assertEquals(3, outbox.pending());
    List<String> resent = outbox.resend().stream().map(OutboxTest::text).toList();
    assertEquals(List.of("/post abc:2 #dev two", "/post abc:3 #lobby three", "/msg bob hi"), resent);
    assertFalse(outbox.offline());
    assertEquals(2, outbox.pending(), "posts stay until STORED; the rest is sent");
    assertEquals(Outbox.Stored.PENDING, outbox.stored("abc:3"));
    assertEquals(Outbox.Stored.PENDING, outbox.stored("abc:2"));
    assertEquals(0, outbox.pending());
  }

  @Test
  void beyondItsBoundALineTypedWhileDisconnectedIsRefusedAndForgotten() {
    Outbox outbox = new Outbox("abc", 1);
    outbox.lost();
    assertTrue(outbox.queue(outbox.post("#dev", "kept")));
    assertFalse(outbox.queue(outbox.post("#dev", "refused")));
    assertEquals(1, outbox.pending());
    assertEquals(List.of("/post abc:1 #dev kept"), outbox.resend().stream().map(OutboxTest::text).toList());
  }

  @Test
  void theLastSeqSeenIsTheRoomsEventsNotItsMarkersNorAcknowledgements() {
    Outbox outbox = new Outbox("abc", 10);
    outbox.seen(event(Event.Kind.MESSAGE, "#Dev", 41, "bob"));
    outbox.seen(event(Event.Kind.JOINED, "#dev", 43, "carol"));
    outbox.seen(event(Event.Kind.MESSAGE, "#dev", 12, "bob")); // history, older
    outbox.seen(new Event(Event.Kind.STORED, "#dev", 99, 0, "", "abc:1", ""));
    outbox.seen(event(Event.Kind.ENTERED, "#dev", 500, ""));
    assertEquals(43, outbox.lastSeq("#DEV"));
    assertEquals(0, outbox.lastSeq("#lobby"));
  }

  @Test
  void onResumeTheUsersOwnReplayedLinesAreHiddenUntilTheReplayEnds() {
    Outbox outbox = new Outbox("abc", 10);
    outbox.resuming(List.of("#dev"));
    assertTrue(outbox.hidesOnResume(event(Event.Kind.MESSAGE, "#dev", 5, "Alice"), "alice"));
    assertFalse(outbox.hidesOnResume(event(Event.Kind.MESSAGE, "#dev", 6, "bob"), "alice"));
    assertFalse(outbox.hidesOnResume(event(Event.Kind.MESSAGE, "#lobby", 6, "alice"), "alice"));
    assertFalse(outbox.hidesOnResume(new Event(Event.Kind.HISTORY, "#dev", 0, 0, "", "", "end"), "alice"));
    assertFalse(outbox.hidesOnResume(event(Event.Kind.MESSAGE, "#dev", 7, "alice"), "alice"));
  }
}
