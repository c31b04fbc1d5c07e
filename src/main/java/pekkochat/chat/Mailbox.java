package pekkochat.chat;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * The private messages kept for one registered nick while it is offline: an event-sourced entity
 * per nick key (persistence id {@code mailbox|<key>}). A message is kept once it is stored in its
 * conversation ({@link PrivateLog}) and then here ({@link Kept}); at the nick's next login all it
 * holds is marked {@link Delivered} and, once that is stored, handed to the session, so a restart
 * never delivers one twice. At most {@code max-kept-per-recipient} wait; beyond that the sender is
 * refused. One message is written at a time: what arrives meanwhile waits (stashed), so messages
 * are kept, and delivered, in the order they were sent.
 */
final class Mailbox extends EventSourcedBehavior<Mailbox.Command, Mailbox.Event, Mailbox.State> {

  sealed interface Command {}

  /** Keep {@code line} (unnumbered) for this nick, from the user behind {@code sender}. */
  record Keep(PrivateLine line, ActorRef<ToUser> sender) implements Command {}

  /** This nick logged in on the session behind {@code inbox}: it gets what is kept. */
  record Deliver(ActorRef<ToUser> inbox) implements Command {}

  /** From the registry: stop now. */
  enum Stop implements Command {
    INSTANCE
  }

  private record Written(PrivateLog.Stored stored, Throwable failure, ActorRef<ToUser> sender) implements Command {}

  private record Gone(ActorRef<ToUser> inbox) implements Command {}

  /** The session behind {@code inbox} is no longer logged in to this nick: it gets nothing more. */
  record LoggedOut(ActorRef<ToUser> inbox) implements Command {}

  private enum Idle implements Command {
    INSTANCE
  }

  /** What is stored. */
  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Kept.class, name = "kept"),
    @JsonSubTypes.Type(value = Delivered.class, name = "delivered")
  })
  sealed interface Event extends CborSerializable {}

  /** {@code line} (stored in its conversation already) waits for this nick. */
  record Kept(@JsonProperty("line") PrivateLine line) implements Event {
    @JsonCreator
    Kept {}
  }

  /** The oldest {@code count} messages kept were handed to this nick's session. */
  record Delivered(@JsonProperty("count") int count) implements Event {
    @JsonCreator
    Delivered {}
  }

  /** The messages waiting, oldest first. */
  record State(@JsonProperty("kept") List<PrivateLine> kept) implements CborSerializable {
    @JsonCreator
    State {
      kept = kept == null ? List.of() : List.copyOf(kept);
    }
  }

  static PersistenceId persistenceId(String key) {
    return PersistenceId.of("mailbox", key, "|");
  }

  static Behavior<Command> create(String key, PrivateSettings settings, ActorRef<PrivateMessages.Command> registry) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> new Mailbox(context, timers, key, settings, registry)));
  }

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final PrivateSettings settings;
  private final ActorRef<PrivateMessages.Command> registry;
  /** The session of this nick's latest login, while it lasts: it gets a message at once. Not stored. */
  private ActorRef<ToUser> online;
  /** A message is being written: commands wait. */
  private boolean busy;

  private Mailbox(ActorContext<Command> context, TimerScheduler<Command> timers, String key, PrivateSettings settings,
      ActorRef<PrivateMessages.Command> registry) {
    super(persistenceId(key));
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
    return new State(List.of());
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Keep.class, this::onKeep)
        .onCommand(Written.class, this::onWritten)
        .onCommand(Deliver.class, this::onDeliver)
        .onCommand(Gone.class, (state, gone) -> {
          if (gone.inbox().equals(online)) {
            online = null;
          }
          return Effect().none();
        })
        .onCommand(LoggedOut.class, (state, out) -> {
          if (out.inbox().equals(online)) {
            online = null;
          }
          return Effect().none();
        })
        .onCommand(Idle.class, (state, idle) -> {
          registry.tell(new PrivateMessages.Passivate(persistenceId().id()));
          return Effect().none();
        })
        .onCommand(Stop.class, (state, stop) -> Effect().stop())
        .build();
  }

  private Effect<Event, State> onKeep(State state, Keep keep) {
    idleFromNow();
    if (busy) {
      return Effect().stash();
    }
    String to = keep.line().to();
    if (state.kept().size() >= settings.maxKeptPerRecipient()) {
      keep.sender().tell(new ToUser.Refused(to + " is offline and has " + state.kept().size()
          + " private messages waiting, the most kept for anyone: yours was not kept."));
      return Effect().none();
    }
    busy = true;
    context.ask(PrivateLog.Stored.class, registry, settings.writeTimeout(),
        ref -> new PrivateMessages.Append(keep.line(), ref),
        (stored, failure) -> new Written(stored, failure, keep.sender()));
    return Effect().none();
  }

  private Effect<Event, State> onWritten(State state, Written written) {
    busy = false;
    if (written.failure() != null) {
      context.getLog().warn("A private message could not be stored: {}", written.failure().toString());
      written.sender().tell(new ToUser.Refused(PrivateMessages.notStored(written.failure())));
      return Effect().unstashAll();
    }
    PrivateLine line = written.stored().line();
    if (online == null) {
      return Effect().persist(new Kept(line))
          .thenRun(after -> written.sender().tell(new ToUser.PrivateKept(line.message())))
          .thenUnstashAll();
    }
    // Logged in since the message was sent: it goes along at once, with whatever else waited.
    ActorRef<ToUser> inbox = online;
    List<Event> events = List.of(new Kept(line), new Delivered(state.kept().size() + 1));
    List<PrivateLine> all = new ArrayList<>(state.kept());
    all.add(line);
    return Effect().persist(events)
        .thenRun(after -> {
          inbox.tell(new ToUser.KeptMessages(all.stream().map(PrivateLine::message).toList()));
          written.sender().tell(new ToUser.PrivateSent(line.message()));
        })
        .thenUnstashAll();
  }

  private Effect<Event, State> onDeliver(State state, Deliver deliver) {
    idleFromNow();
    if (busy) {
      return Effect().stash();
    }
    if (!deliver.inbox().equals(online)) {
      online = deliver.inbox();
      context.watchWith(online, new Gone(online));
    }
    if (state.kept().isEmpty()) {
      return Effect().none();
    }
    List<PrivateLine> kept = state.kept();
    return Effect().persist(new Delivered(kept.size()))
        .thenRun(after -> deliver.inbox().tell(new ToUser.KeptMessages(kept.stream().map(PrivateLine::message).toList())));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(Kept.class, (state, kept) -> {
          List<PrivateLine> all = new ArrayList<>(state.kept());
          all.add(kept.line());
          return new State(all);
        })
        .onEvent(Delivered.class, (state, delivered) ->
            new State(state.kept().subList(Math.min(delivered.count(), state.kept().size()), state.kept().size())))
        .build();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    // The state holds every message still kept, so events before a snapshot are not needed.
    return RetentionCriteria.snapshotEvery(100, 2).withDeleteEventsOnSnapshot();
  }
}
