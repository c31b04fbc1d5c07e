package pekkochat.chat;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import pekkochat.history.HistorySettings;
import pekkochat.history.StoreUsage;

/**
 * The registry of rooms: finds a room by name (regardless of case and look-alike letters, see
 * {@link RoomNames#key}), creates it on first join, and lets an empty room go. The default room
 * always exists. A later version makes rooms Cluster Sharding entities; this actor is the one
 * place that would change.
 *
 * <p>An empty room does not stop by itself, since a join may already be on its way to it: it
 * tells the registry how many joins it has seen, and the registry, which forwards every join,
 * stops it only if no join has been forwarded since.
 */
public final class Rooms extends AbstractBehavior<Rooms.Command> {

  /** What the registry handles. */
  public sealed interface Command extends CborSerializable {}

  /** Join {@code room} (created if need be); the room answers {@code inbox}. */
  public record JoinRoom(
      @JsonProperty("room") String room,
      @JsonProperty("nick") String nick,
      @JsonProperty("away") String away,
      @JsonProperty("inbox") ActorRef<ToUser> inbox)
      implements Command {
    @JsonCreator
    public JoinRoom {}
  }

  /** Answered by the default room once it has recovered its history (the server binds after that). */
  public record AwaitDefaultRoom(@JsonProperty("replyTo") ActorRef<Room.Recovered> replyTo) implements Command {
    @JsonCreator
    public AwaitDefaultRoom {}
  }

  /** {@code /rooms}: answered with {@link ToUser.RoomList}. */
  public record ListRooms(@JsonProperty("replyTo") ActorRef<ToUser> replyTo) implements Command {
    @JsonCreator
    public ListRooms {}
  }

  /** From a room: it has no members, after {@code joinsSeen} joins. */
  record RoomIdle(
      @JsonProperty("name") String name,
      @JsonProperty("ref") ActorRef<Room.Command> ref,
      @JsonProperty("joinsSeen") long joinsSeen)
      implements Command {
    @JsonCreator
    RoomIdle {}
  }

  private record RoomStopped(String key, ActorRef<Room.Command> ref) implements Command {}

  private static final class Entry {
    final String name;
    final ActorRef<Room.Command> ref;
    long joinsForwarded;

    Entry(String name, ActorRef<Room.Command> ref) {
      this.name = name;
      this.ref = ref;
    }
  }

  public static Behavior<Command> create(ChatSettings settings) {
    return create(settings, HistorySettings.off());
  }

  public static Behavior<Command> create(ChatSettings settings, HistorySettings history) {
    return Behaviors.setup(context -> new Rooms(context, settings, history, StoreUsage.start(context.getSystem(), history)));
  }

  /**
   * As {@link #create(ChatSettings, HistorySettings)}, measuring the store with {@code usage}
   * (shared); retention by age is started here, once per server.
   */
  public static Behavior<Command> create(ChatSettings settings, HistorySettings history, StoreUsage usage) {
    return Behaviors.setup(context -> {
      pekkochat.history.AgeRetention.start(context.getSystem(), history);
      return new Rooms(context, settings, history, usage);
    });
  }

  private final ChatSettings settings;
  private final HistorySettings history;
  private final StoreUsage usage;
  /**
   * Rooms let go that have not stopped yet (a stored room finishes its last write first), with
   * the joins that came for them meanwhile: a new room of the same name starts only once the old
   * one is gone, so a room's history never has two writers.
   */
  private final Map<ActorRef<Room.Command>, java.util.List<JoinRoom>> stopping = new HashMap<>();
  private final Map<String, ActorRef<Room.Command>> stoppingByKey = new HashMap<>();
  private final Map<String, Entry> rooms = new HashMap<>();
  private long roomCounter;
  private long queryCounter;

  private Rooms(ActorContext<Command> context, ChatSettings settings, HistorySettings history, StoreUsage usage) {
    super(context);
    this.settings = settings;
    this.history = history;
    this.usage = usage;
    spawnRoom(settings.defaultRoom(), true);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(JoinRoom.class, this::onJoinRoom)
        .onMessage(ListRooms.class, this::onListRooms)
        .onMessage(AwaitDefaultRoom.class, await -> {
          rooms.get(RoomNames.key(settings.defaultRoom())).ref.tell(new Room.AwaitRecovered(await.replyTo()));
          return this;
        })
        .onMessage(RoomIdle.class, this::onRoomIdle)
        .onMessage(RoomStopped.class, this::onRoomStopped)
        .build();
  }

  private Behavior<Command> onJoinRoom(JoinRoom join) {
    String room = RoomNames.normalize(join.room());
    var problem = RoomNames.problem(room);
    if (problem.isPresent()) {
      join.inbox().tell(new ToUser.Refused(problem.get()));
      return this;
    }
    String key = RoomNames.key(room);
    Entry entry = rooms.get(key);
    ActorRef<Room.Command> old = entry == null ? stoppingByKey.get(key) : null;
    if (old != null) {
      stopping.get(old).add(join);
      return this;
    }
    if (entry == null) {
      if (rooms.size() >= settings.maxRooms()) {
        join.inbox().tell(new ToUser.Refused("Cannot create " + room + ": the server has " + settings.maxRooms() + " rooms, the most it allows."));
        return this;
      }
      entry = spawnRoom(room, false);
    }
    entry.joinsForwarded++;
    entry.ref.tell(new Room.Join(join.nick(), join.away(), join.inbox()));
    return this;
  }

  private Entry spawnRoom(String name, boolean permanent) {
    String key = RoomNames.key(name);
    // A room that fails stops (typed's default): restarting it empty would leave its members'
    // sessions posting into a room that no longer knows them. Each member's session watches the
    // rooms it is in and is told; the registry forgets the room, and re-creates the default one.
    ActorRef<Room.Command> ref =
        getContext().spawn(Room.create(name, permanent, settings, history, usage, getContext().getSelf()), "room-" + (++roomCounter));
    getContext().watchWith(ref, new RoomStopped(key, ref));
    Entry entry = new Entry(name, ref);
    rooms.put(key, entry);
    return entry;
  }

  private Behavior<Command> onListRooms(ListRooms list) {
    Map<String, ActorRef<Room.Command>> refs = new HashMap<>();
    rooms.values().forEach(e -> refs.put(e.name, e.ref));
    getContext()
        .spawn(RoomsQuery.create(refs, list.replyTo(), settings.roomsQueryTimeout()), "rooms-query-" + (++queryCounter));
    return this;
  }

  private Behavior<Command> onRoomIdle(RoomIdle idle) {
    String key = RoomNames.key(idle.name());
    Entry entry = rooms.get(key);
    if (entry != null && entry.ref.equals(idle.ref()) && entry.joinsForwarded == idle.joinsSeen()) {
      rooms.remove(key);
      stopping.put(entry.ref, new java.util.ArrayList<>());
      stoppingByKey.put(key, entry.ref);
      entry.ref.tell(new Room.Passivate(idle.joinsSeen()));
    }
    return this;
  }

  private Behavior<Command> onRoomStopped(RoomStopped stopped) {
    java.util.List<JoinRoom> waiting = stopping.remove(stopped.ref());
    if (waiting != null) {
      stoppingByKey.remove(stopped.key(), stopped.ref());
      waiting.forEach(join -> onJoinRoom(join)); // a new room, recovered from the same history
      return this;
    }
    Entry entry = rooms.get(stopped.key());
    if (entry != null && entry.ref.equals(stopped.ref())) {
      rooms.remove(stopped.key());
      if (stopped.key().equals(RoomNames.key(settings.defaultRoom()))) {
        spawnRoom(settings.defaultRoom(), true);
      }
    }
    return this;
  }
}
