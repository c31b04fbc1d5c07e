package pekkochat.chat;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * One private conversation's durable log: an event-sourced entity per pair of nick keys
 * (persistence id {@code pm|<key>|<key>}, the two keys sorted, so alice to bob and bob to alice
 * are one conversation). Its events are the {@link PrivateLine}s both sent, numbered by the
 * journal as they are stored: the {@code #id} of {@code /history @nick}. It needs nothing but its
 * id, and {@link PrivateMessages} only routes to it and passivates it, as Cluster Sharding would.
 *
 * <p>Retention, as rooms have it: beyond {@code max-lines-per-conversation} lines the older ones
 * are deleted with the snapshots that no longer need them, at each snapshot; lines older than
 * {@code max-age} are deleted by {@link pekkochat.history.AgeRetention}, every one of them, since
 * a line is numbered from the journal's own sequence number ({@link #lastSequenceNumber}), which
 * a deleted line does not change while this actor runs and which recovery reads back from what
 * is left, or from the snapshot. Neither kind of line is ever shown, even before it is deleted.
 */
final class PrivateLog extends EventSourcedBehavior<PrivateLog.Command, PrivateLine, PrivateLog.State> {

  sealed interface Command {}

  /** Store {@code line} (numbered here); answered with {@link Stored} once the store has it. */
  record Append(PrivateLine line, ActorRef<Stored> replyTo) implements Command {}

  /** {@code line} is stored, as number {@code line.seq()} of its conversation. */
  record Stored(PrivateLine line) {}

  /**
   * The last {@code limit} lines below {@code beforeSeq}, for the party whose peer is {@code peer};
   * answered with {@link ToUser.PrivateHistory}.
   */
  record Read(String peer, long beforeSeq, int limit, long notBefore, ActorRef<ToUser> replyTo) implements Command {}

  /** From the registry: stop now. */
  enum Stop implements Command {
    INSTANCE
  }

  private enum Idle implements Command {
    INSTANCE
  }

  /** The number of the last stored line. */
  record State(@JsonProperty("lastSeq") long lastSeq) implements CborSerializable {
    @JsonCreator
    State {}
  }

  /** The conversation of nick keys {@code a} and {@code b}, in either order. */
  static PersistenceId persistenceId(String a, String b) {
    return a.compareTo(b) <= 0 ? PersistenceId.ofUniqueId("pm|" + a + "|" + b) : PersistenceId.ofUniqueId("pm|" + b + "|" + a);
  }

  static Behavior<Command> create(PersistenceId id, PrivateSettings settings, ActorRef<PrivateMessages.Command> registry) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> new PrivateLog(context, timers, id, settings, registry)));
  }

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final PrivateSettings settings;
  private final ActorRef<PrivateMessages.Command> registry;

  private PrivateLog(ActorContext<Command> context, TimerScheduler<Command> timers, PersistenceId id, PrivateSettings settings,
      ActorRef<PrivateMessages.Command> registry) {
    super(id);
    this.context = context;
    this.timers = timers;
    this.settings = settings;
    this.registry = registry;
    idleFromNow();
  }

  private void idleFromNow() {
    timers.startSingleTimer(Idle.INSTANCE, settings.passivateAfter());
  }

  @Override
  public State emptyState() {
    return new State(0);
  }

  @Override
  public CommandHandler<Command, PrivateLine, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Append.class, this::onAppend)
        .onCommand(Read.class, this::onRead)
        .onCommand(Idle.class, (state, idle) -> {
          registry.tell(new PrivateMessages.Passivate(persistenceId().id()));
          return Effect().none();
        })
        .onCommand(Stop.class, (state, stop) -> Effect().stop())
        .build();
  }

  private Effect<PrivateLine, State> onAppend(State state, Append append) {
    idleFromNow();
    // The journal's number, not the state's: the two are one unless retention by age deleted
    // every line after the last snapshot (then the state, replayed from what is left, is behind).
    PrivateLine numbered = append.line().withSeq(lastSequenceNumber(context) + 1);
    return Effect().persist(numbered).thenRun(after -> append.replyTo().tell(new Stored(numbered)));
  }

  /**
   * Every event is a line, so a page is one range of sequence numbers, above those retention by
   * count deletes (a little after each snapshot); lines past {@code max-age} are left out too.
   */
  private Effect<PrivateLine, State> onRead(State state, Read read) {
    idleFromNow();
    int limit = Math.max(1, Math.min(read.limit(), settings.maxPage()));
    long last = lastSequenceNumber(context);
    long oldestKept = settings.maxLinesPerConversation() > 0 ? Math.max(1, last - settings.maxLinesPerConversation() + 1) : 1;
    long to = Math.min(read.beforeSeq() - 1, last);
    long from = Math.max(oldestKept, to - limit + 1);
    boolean askedBefore = read.beforeSeq() != Long.MAX_VALUE;
    if (to < from) {
      read.replyTo().tell(new ToUser.PrivateHistory(read.peer(), List.of(), askedBefore && last > 0));
      return Effect().none();
    }
    // Lines from before notBefore (the asker's nick was registered) are left out as those past
    // max-age are: both are a time, and lines are stored in time order.
    long oldestTime = Math.max(settings.oldestShown(), read.notBefore());
    JdbcReadJournal journal =
        PersistenceQuery.get(context.getSystem()).getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
    journal
        .currentEventsByPersistenceId(persistenceId().id(), from, to)
        .map(envelope -> envelope.event())
        .filter(e -> e instanceof PrivateLine)
        .map(e -> (PrivateLine) e)
        .runWith(Sink.seq(), context.getSystem())
        .whenComplete((lines, failure) -> {
          if (failure != null) {
            read.replyTo().tell(new ToUser.Refused(
                "Your conversation with " + read.peer() + " could not be read: " + failure.getMessage()));
            return;
          }
          List<PrivateLine> shown = lines.stream().filter(line -> line.time() >= oldestTime).toList();
          // A line past max-age in this page: every older one is past it too.
          boolean more = shown.isEmpty() ? askedBefore && last > 0 : from > oldestKept && shown.size() == lines.size();
          read.replyTo().tell(new ToUser.PrivateHistory(read.peer(), shown, more));
        });
    return Effect().none();
  }

  @Override
  public EventHandler<State, PrivateLine> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent((State state, PrivateLine line) -> new State(line.seq()));
  }

  /** As a room's: snapshots bound recovery; with a limit, the lines beyond it go with them. */
  @Override
  public RetentionCriteria retentionCriteria() {
    int every = settings.snapshotEvery();
    if (settings.maxLinesPerConversation() <= 0) {
      return RetentionCriteria.snapshotEvery(every, 2);
    }
    int keep = (int) Math.max(1, Math.min(1000, (settings.maxLinesPerConversation() + every - 1) / every));
    return RetentionCriteria.snapshotEvery(every, keep).withDeleteEventsOnSnapshot();
  }
}
