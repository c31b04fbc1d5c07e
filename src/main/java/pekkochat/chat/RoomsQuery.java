package pekkochat.chat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Answers one {@code /rooms}: asks every room to describe itself, gathers the answers, and replies
 * when all have answered, a room has stopped meanwhile, or the timeout is over (then marked
 * incomplete). A short-lived child per request, so the registry never waits.
 */
final class RoomsQuery extends AbstractBehavior<RoomsQuery.Command> {

  sealed interface Command {}

  private record Described(ToUser.RoomInfo info) implements Command {}

  private record RoomStopped(String room) implements Command {}

  private enum TimedOut implements Command {
    INSTANCE
  }

  static Behavior<Command> create(Map<String, ActorRef<Room.Command>> rooms, ActorRef<ToUser> replyTo, Duration timeout) {
    return Behaviors.setup(
        context -> Behaviors.withTimers(timers -> new RoomsQuery(context, timers, rooms, replyTo, timeout)));
  }

  private final ActorRef<ToUser> replyTo;
  private final Set<String> waiting = new HashSet<>();
  private final List<ToUser.RoomInfo> answers = new ArrayList<>();

  private RoomsQuery(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      Map<String, ActorRef<Room.Command>> rooms,
      ActorRef<ToUser> replyTo,
      Duration timeout) {
    super(context);
    this.replyTo = replyTo;
    timers.startSingleTimer(TimedOut.INSTANCE, timeout);
    // One adapter for every answer (adapters are per message class): a room's answer names it.
    ActorRef<ToUser.RoomInfo> adapter = context.messageAdapter(ToUser.RoomInfo.class, Described::new);
    rooms.forEach(
        (name, room) -> {
          // By key: a room recovered from the store answers with its stored spelling, which may
          // not be the registry's (that of the join that started it).
          waiting.add(RoomNames.key(name));
          context.watchWith(room, new RoomStopped(RoomNames.key(name)));
          room.tell(new Room.Describe(adapter));
        });
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Described.class, d -> {
          if (waiting.remove(RoomNames.key(d.info().name()))) {
            answers.add(d.info());
          }
          return replyIfDone();
        })
        .onMessage(RoomStopped.class, s -> {
          waiting.remove(s.room());
          return replyIfDone();
        })
        .onMessageEquals(TimedOut.INSTANCE, () -> reply(false))
        .build();
  }

  private Behavior<Command> replyIfDone() {
    return waiting.isEmpty() ? reply(true) : this;
  }

  private Behavior<Command> reply(boolean complete) {
    answers.sort(Comparator.comparing((ToUser.RoomInfo r) -> -r.members()).thenComparing(ToUser.RoomInfo::name, String.CASE_INSENSITIVE_ORDER));
    replyTo.tell(new ToUser.RoomList(answers, complete));
    return Behaviors.stopped();
  }
}
