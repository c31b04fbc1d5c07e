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
 * member: the batch's range of sequence numbers, and which events each nick sent. A member that
 * joined before the batch and sent nothing in it then skips nothing, at the cost of one map
 * lookup, whatever the batch's size.
 *
 * <p>A batch with a nick change in it is the exception: which lines are a member's own then
 * depends on where in the batch its nick changed, so the session walks it event by event.
 */
final class BatchIndex {

  static final Object KEY = BatchIndex.class;

  final long firstSeq;
  final long lastSeq;
  /** Indexes of the lines and files each nick sent. */
  final Map<String, int[]> sentBy;
  final boolean hasNickChanges;

  private BatchIndex(long firstSeq, long lastSeq, Map<String, int[]> sentBy, boolean hasNickChanges) {
    this.firstSeq = firstSeq;
    this.lastSeq = lastSeq;
    this.sentBy = sentBy;
    this.hasNickChanges = hasNickChanges;
  }

  static BatchIndex of(ToUser.RoomEvents batch) {
    List<RoomEvent> events = batch.events();
    Map<String, List<Integer>> sent = new HashMap<>();
    boolean nickChanges = false;
    for (int i = 0; i < events.size(); i++) {
      RoomEvent e = events.get(i);
      String from = null;
      if (e instanceof RoomEvent.Posted p) {
        from = p.from();
      } else if (e instanceof RoomEvent.FileShared f) {
        from = f.from();
      } else if (e instanceof RoomEvent.NickChanged) {
        nickChanges = true;
      }
      if (from != null) {
        sent.computeIfAbsent(from, k -> new ArrayList<>()).add(i);
      }
    }
    Map<String, int[]> sentBy = new HashMap<>(sent.size() * 2);
    sent.forEach((nick, list) -> sentBy.put(nick, list.stream().mapToInt(Integer::intValue).toArray()));
    long first = events.isEmpty() ? 0 : events.get(0).seq();
    long last = events.isEmpty() ? 0 : events.get(events.size() - 1).seq();
    return new BatchIndex(first, last, sentBy, nickChanges);
  }
}
