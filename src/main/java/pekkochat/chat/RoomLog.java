package pekkochat.chat;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import org.apache.pekko.stream.javadsl.Sink;
import pekkochat.history.HistorySettings;

/**
 * A room's durable history: an event-sourced child of its {@link Room}, which owns the members
 * and decides what happens; this actor only makes it last. The journal's sequence number of an
 * event is its {@code seq}, the id a client sees: events reach {@link Append} unnumbered and are
 * numbered here, as they are stored.
 *
 * <p>One {@link Append} is one atomic write of many events (the room gathers what arrives while a
 * write is in flight into the next one: group commit), answered with {@link Room.Stored} once the
 * store has it. A write that fails stops this actor (Pekko Persistence cannot know whether the
 * store kept it); the room then starts a new one, whose recovery tells it the truth ({@link
 * Room.LogRecovered}, with the last stored {@code seq}).
 *
 * <p>Snapshots every {@code snapshot-every} events bound recovery; older events beyond {@code
 * max-events-per-room} are deleted with the snapshots that no longer need them. The last {@code
 * keep-in-memory} lines are kept in memory (by the room), so replay on join rarely reads the
 * store; {@link Read} pages further back from the journal. After a restart the lines from before
 * the last snapshot are read back in the background ({@link #backfill}).
 */
final class RoomLog extends EventSourcedBehavior<RoomLog.Command, RoomEvent, RoomLog.State> {

  sealed interface Command {}

  /** Store {@code events} (numbered here, in order); answered with {@link Room.Stored}. */
  record Append(List<RoomEvent> events) implements Command {}

  /**
   * Lines (see {@link RoomEvent#isLine}) with {@code seq} below {@code beforeSeq}, the last {@code
   * limit} of them, read from the journal; answered with {@link ToUser.History}.
   */
  record Read(long beforeSeq, int limit, ActorRef<ToUser> replyTo) implements Command {}

  private record Backfilled(List<RoomEvent> older) implements Command {}

  /**
   * What recovery rebuilds, and what a snapshot holds: the last {@code seq}, the topic, and the
   * room's name as it was spelled when the room was created ({@code #dev}, though later joins say
   * {@code #DEV}): the {@code room} of the first event it was given. A snapshot written before the
   * name was kept has none ({@code ""}); the first event replayed after it then gives it.
   */
  record State(@JsonProperty("lastSeq") long lastSeq, @JsonProperty("topic") String topic, @JsonProperty("name") String name)
      implements CborSerializable {
    @JsonCreator
    State {
      topic = topic == null ? "" : topic;
      name = name == null ? "" : name;
    }
  }

  /** The persistence id of room {@code name}: its key, so {@code #Dev} and {@code #dev} are one. */
  static PersistenceId persistenceId(String name) {
    return PersistenceId.of("room", RoomNames.key(name), "|");
  }

  static Behavior<Command> create(String name, HistorySettings settings, ActorRef<Room.Command> room) {
    return Behaviors.setup(context -> new RoomLog(context, name, settings, room));
  }

  private final ActorContext<Command> context;
  /** The room's name: as the room was spawned, then as it is stored, once recovered. */
  private String name;
  private final HistorySettings settings;
  private final ActorRef<Room.Command> room;
  /**
   * The lines replayed in recovery, the newest {@code keep-in-memory}, for the room to start
   * with. Derived from events like the state, but not part of it: snapshots stay small, and the
   * lines from before one are read back from the journal ({@link #backfill}).
   */
  private final ArrayDeque<RoomEvent> recovered = new ArrayDeque<>();
  private boolean recovering = true;

  private RoomLog(ActorContext<Command> context, String name, HistorySettings settings, ActorRef<Room.Command> room) {
    super(persistenceId(name));
    this.context = context;
    this.name = name;
    this.settings = settings;
    this.room = room;
  }

  @Override
  public State emptyState() {
    return new State(0, "", "");
  }

  @Override
  public CommandHandler<Command, RoomEvent, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Append.class, this::onAppend)
        .onCommand(Read.class, this::onRead)
        .onCommand(Backfilled.class, this::onBackfilled)
        .build();
  }

  private Effect<RoomEvent, State> onAppend(State state, Append append) {
    List<RoomEvent> numbered = new ArrayList<>(append.events().size());
    long seq = state.lastSeq();
    for (RoomEvent e : append.events()) {
      numbered.add(e.withSeq(++seq));
    }
    return Effect().persist(numbered).thenRun(after -> room.tell(new Room.Stored(numbered)));
  }

  private Effect<RoomEvent, State> onRead(State state, Read read) {
    int limit = Math.max(1, Math.min(read.limit(), settings.maxPage()));
    long before = Math.min(read.beforeSeq(), state.lastSeq() + 1);
    // One line more than asked for tells whether older ones exist.
    readLines(before, limit + 1)
        .whenComplete((lines, failure) -> {
          if (failure != null) {
            read.replyTo().tell(new ToUser.Refused("The history of " + name + " could not be read: " + failure.getMessage()));
          } else {
            // Retention deletes a little after each snapshot: what it will delete is not shown.
            long oldestKept = settings.maxEventsPerRoom() > 0 ? state.lastSeq() - settings.maxEventsPerRoom() : 0;
            long oldestTime = settings.oldestShown();
            List<RoomEvent> kept = lines.stream().filter(e -> e.seq() > oldestKept && e.time() >= oldestTime).toList();
            boolean more = kept.size() > limit;
            read.replyTo().tell(new ToUser.History(name, more ? kept.subList(1, kept.size()) : kept, more));
          }
        });
    return Effect().none();
  }

  private Effect<RoomEvent, State> onBackfilled(State state, Backfilled backfilled) {
    room.tell(new Room.LogBackfilled(backfilled.older()));
    return Effect().none();
  }

  /**
   * The last {@code limit} lines below {@code before}: read in windows going back (history holds
   * joins and leaves too, which pages skip), at most a few windows per request.
   */
  private java.util.concurrent.CompletionStage<List<RoomEvent>> readLines(long before, int limit) {
    JdbcReadJournal journal =
        PersistenceQuery.get(context.getSystem()).getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
    // Most events of a busy room are lines: a window a little larger than asked for nearly always
    // holds them, and each further one is four times larger.
    long window = limit + 64L;
    return readWindow(journal, before, limit, window, new ArrayList<>(), 0);
  }

  private java.util.concurrent.CompletionStage<List<RoomEvent>> readWindow(
      JdbcReadJournal journal, long before, int limit, long window, List<RoomEvent> newerFound, int round) {
    long to = before - 1;
    if (to < 1) {
      return java.util.concurrent.CompletableFuture.completedFuture(newerFound);
    }
    long from = Math.max(1, to - window + 1);
    return journal
        .currentEventsByPersistenceId(persistenceId(name).id(), from, to)
        .map(envelope -> envelope.event())
        .filter(e -> e instanceof RoomEvent re && re.isLine())
        .map(e -> (RoomEvent) e)
        .runWith(Sink.seq(), context.getSystem())
        .thenCompose(found -> {
          List<RoomEvent> all = new ArrayList<>(found);
          all.addAll(newerFound);
          if (all.size() >= limit || from == 1 || round >= 8) {
            return java.util.concurrent.CompletableFuture.completedFuture(
                List.copyOf(all.subList(Math.max(0, all.size() - limit), all.size())));
          }
          return readWindow(journal, from, limit, window * 4, all, round + 1);
        });
  }

  @Override
  public EventHandler<State, RoomEvent> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent((State state, RoomEvent event) -> apply(state, event));
  }

  private State apply(State state, RoomEvent event) {
    if (recovering && event.isLine()) {
      recovered.addLast(event);
      if (recovered.size() > settings.keepInMemory()) {
        recovered.removeFirst();
      }
    }
    String named = state.name().isEmpty() && event.room() != null ? event.room() : state.name();
    return new State(event.seq(), event instanceof RoomEvent.TopicChanged t ? t.topic() : state.topic(), named);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.class, (state, completed) -> backfill(state))
        .build();
  }

  /**
   * After recovery: tells the room at once, with the lines replayed since the snapshot; the lines
   * from before it follow ({@link Room.LogBackfilled}), read back from the journal meanwhile, so
   * that a room with a long history serves its first new line without waiting for them.
   */
  private void backfill(State state) {
    recovering = false;
    if (!state.name().isEmpty() && RoomNames.key(state.name()).equals(RoomNames.key(name))) {
      name = state.name();
    }
    long oldestRecovered = recovered.isEmpty() ? state.lastSeq() + 1 : recovered.peekFirst().seq();
    int missing = settings.keepInMemory() - recovered.size();
    boolean older = missing > 0 && oldestRecovered > 1;
    room.tell(new Room.LogRecovered(state.lastSeq(), state.topic(), name, List.copyOf(recovered), older));
    recovered.clear();
    if (older) {
      context.pipeToSelf(readLines(oldestRecovered, missing), (lines, failure) -> new Backfilled(failure == null ? lines : List.of()));
    }
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    int every = settings.snapshotEvery();
    if (settings.maxEventsPerRoom() <= 0) {
      return RetentionCriteria.snapshotEvery(every, 2);
    }
    int keep = (int) Math.max(1, Math.min(1000, (settings.maxEventsPerRoom() + every - 1) / every));
    return RetentionCriteria.snapshotEvery(every, keep).withDeleteEventsOnSnapshot();
  }
}
