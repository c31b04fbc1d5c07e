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
  record Read(String peer, long beforeSeq, int limit, ActorRef<ToUser> replyTo) implements Command {}

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
    PrivateLine numbered = append.line().withSeq(state.lastSeq() + 1);
    return Effect().persist(numbered).thenRun(after -> append.replyTo().tell(new Stored(numbered)));
  }

  /** Every event is a line, so a page is one range of sequence numbers. */
  private Effect<PrivateLine, State> onRead(State state, Read read) {
    idleFromNow();
    int limit = Math.max(1, Math.min(read.limit(), settings.maxPage()));
    long to = Math.min(read.beforeSeq() - 1, state.lastSeq());
    long from = Math.max(1, to - limit + 1);
    if (to < 1) {
      read.replyTo().tell(new ToUser.PrivateHistory(read.peer(), List.of(), state.lastSeq() > 0 && read.beforeSeq() <= 1));
      return Effect().none();
    }
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
          } else {
            read.replyTo().tell(new ToUser.PrivateHistory(read.peer(), lines, from > 1));
          }
        });
    return Effect().none();
  }

  @Override
  public EventHandler<State, PrivateLine> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent((State state, PrivateLine line) -> new State(line.seq()));
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    // The state is a number: a snapshot bounds recovery, and no line is ever deleted for it.
    return RetentionCriteria.snapshotEvery(1000, 2);
  }
}
