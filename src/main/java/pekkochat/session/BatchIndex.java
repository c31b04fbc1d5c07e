package pekkochat.session;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import pekkochat.chat.RoomEvent;
import pekkochat.chat.ToUser;

/**
 * What every member's session needs to know of a room's batch to find what in it is not for it,
 * worked out once per batch (through {@link ToUser.RoomEvents#derived}) rather than once per
 * member: the batch's range of sequence numbers, which events each member sent (by its id in the
 * room, never by nick: a nick can pass to someone else the moment it changes), and where the
 * nick changes are. A member that joined before the batch and sent nothing in it then skips
 * nothing, at the cost of one map lookup, whatever the batch's size.
 */
final class BatchIndex {

  static final Object KEY = BatchIndex.class;

  final long firstSeq;
  final long lastSeq;
  /** Indexes of the lines and files each member (by its id in the room) sent. */
  final Map<Long, int[]> sentBy;
  /** Indexes of the nick changes. */
  final int[] nickChanges;

  private BatchIndex(long firstSeq, long lastSeq, Map<Long, int[]> sentBy, int[] nickChanges) {
    this.firstSeq = firstSeq;
    this.lastSeq = lastSeq;
    this.sentBy = sentBy;
    this.nickChanges = nickChanges;
  }

  static BatchIndex of(ToUser.RoomEvents batch) {
    List<RoomEvent> events = batch.events();
    Map<Long, List<Integer>> sent = new HashMap<>();
    List<Integer> nickChanges = new ArrayList<>(0);
    for (int i = 0; i < events.size(); i++) {
      RoomEvent e = events.get(i);
      Long from = null;
      if (e instanceof RoomEvent.Posted p) {
        from = p.fromId();
      } else if (e instanceof RoomEvent.FileShared f) {
        from = f.fromId();
      } else if (e instanceof RoomEvent.NickChanged) {
        nickChanges.add(i);
      }
      if (from != null) {
        sent.computeIfAbsent(from, k -> new ArrayList<>()).add(i);
      }
    }
    Map<Long, int[]> sentBy = new HashMap<>(sent.size() * 2);
    sent.forEach((nick, list) -> sentBy.put(nick, list.stream().mapToInt(Integer::intValue).toArray()));
    long first = events.isEmpty() ? 0 : events.get(0).seq();
    long last = events.isEmpty() ? 0 : events.get(events.size() - 1).seq();
    return new BatchIndex(first, last, sentBy, nickChanges.stream().mapToInt(Integer::intValue).toArray());
  }
}
