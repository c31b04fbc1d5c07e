package pekkochat.transport.tcp;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import pekkochat.chat.ChatCore;
import pekkochat.config.ServerSettings;
import pekkochat.files.Spool;
import pekkochat.protocol.Frames;
import pekkochat.protocol.Message;
import pekkochat.protocol.MessageDecoder;
import pekkochat.protocol.WireProtocol;
import pekkochat.session.Session;

/**
 * Takes the connections the binding accepts: counts them in total and per remote address, refuses
 * one over a limit with a single ERROR (and no session at all), spawns and watches a {@link
 * Session} for each other, and runs the shutdown: a notice to every connection, then {@code Done}
 * when all sessions have ended or the grace period is over.
 *
 * <p>Besides the number of connections at once, the rate of new ones from one address is limited
 * ({@code new-connections-per-address}): join and leave notices reach every member of a room, and
 * without it one address could make a room's members read 500 of them in a tenth of a second.
 */
public final class Listener extends AbstractBehavior<Listener.Command> {

  /** What the listener handles. */
  public sealed interface Command {}

  /** The binding accepted a connection. */
  public record Connected(Tcp.IncomingConnection connection) implements Command {}

  /** Tell everyone the server is stopping, close every connection, then reply. */
  public record Shutdown(ActorRef<Done> replyTo) implements Command {}

  private record SessionEnded(ActorRef<Session.Command> session) implements Command {}

  private enum ShutdownDeadline implements Command {
    INSTANCE
  }

  private enum FlushRefusalLog implements Command {
    INSTANCE
  }

  static final String SHUTDOWN_NOTICE = "[Server] The server is shutting down. Goodbye.";

  public static Behavior<Command> create(ServerSettings settings, ChatCore core, Spool spool) {
    return Behaviors.setup(
        context -> Behaviors.withTimers(timers -> new Listener(context, timers, settings, core, spool)));
  }

  private final TimerScheduler<Command> timers;
  private final ServerSettings settings;
  private final ChatCore core;
  private final Spool spool;
  /** The remote address of each connection with a session, for the connection limits. */
  private final Map<ActorRef<Session.Command>, InetAddress> addresses = new HashMap<>();
  private final Map<InetAddress, Integer> connectionsPerAddress = new HashMap<>();
  private final ConnectionRate rate;
  private final RefusalLog refusals;
  private final List<ActorRef<Done>> shutdownWaiters = new ArrayList<>();
  private long sessionCounter;
  private boolean shuttingDown;

  private Listener(
      ActorContext<Command> context, TimerScheduler<Command> timers, ServerSettings settings, ChatCore core, Spool spool) {
    super(context);
    this.timers = timers;
    this.settings = settings;
    this.core = core;
    this.spool = spool;
    this.rate = new ConnectionRate(settings.policy().newConnectionsPerAddressBurst(), settings.policy().newConnectionsPerAddressRate());
    this.refusals = new RefusalLog(REFUSAL_LOG_INTERVAL, context.getLog());
    timers.startTimerWithFixedDelay(FlushRefusalLog.INSTANCE, REFUSAL_LOG_INTERVAL);
  }

  /** How often refusals are summed up in the log: one line per address and interval. */
  static final Duration REFUSAL_LOG_INTERVAL = Duration.ofSeconds(5);

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Connected.class, this::onConnected)
        .onMessage(SessionEnded.class, this::onSessionEnded)
        .onMessage(Shutdown.class, this::onShutdown)
        .onMessageEquals(ShutdownDeadline.INSTANCE, this::onShutdownDeadline)
        .onMessageEquals(FlushRefusalLog.INSTANCE, () -> {
          refusals.flush(System.nanoTime());
          return this;
        })
        .onSignal(org.apache.pekko.actor.typed.PostStop.class, s -> {
          refusals.flushAll(System.nanoTime());
          return this;
        })
        .build();
  }

  private Behavior<Command> onConnected(Connected connected) {
    Tcp.IncomingConnection connection = connected.connection();
    if (shuttingDown) {
      connection.handleWith(Flow.fromSinkAndSource(Sink.cancelled(), Source.empty()), getContext().getSystem());
      return this;
    }
    InetAddress address = connection.remoteAddress().getAddress();
    String refusal = connectionRefusal(address);
    if (refusal != null) {
      refusals.refused(address, refusal, System.nanoTime());
      refuse(connection, refusal);
      return this;
    }
    ActorRef<Session.Command> session =
        getContext()
            .spawn(
                Session.create(new TcpTransport(connection, settings, core.settings().defaultRoom(), spool, getContext().getSystem()), core, spool, settings),
                "session-" + (++sessionCounter));
    getContext().watchWith(session, new SessionEnded(session));
    addresses.put(session, address);
    connectionsPerAddress.merge(address, 1, Integer::sum);
    return this;
  }

  /** Why a new connection from {@code address} is over a limit, or null if it is not. */
  private String connectionRefusal(InetAddress address) {
    var policy = settings.policy();
    if (addresses.size() >= policy.maxConnections()) {
      return "Server full: " + policy.maxConnections() + " connections at most. Try again later.";
    }
    if (connectionsPerAddress.getOrDefault(address, 0) >= policy.maxConnectionsPerAddress()) {
      return "Too many connections from your address: " + policy.maxConnectionsPerAddress() + " at most.";
    }
    if (!rate.tryAcquire(address, System.nanoTime())) {
      return "Too many new connections from your address: wait a few seconds.";
    }
    return null;
  }

  /**
   * Answers a connection over a limit with one ERROR and closes it, without a session: the
   * coupled flow ends the connection once the ERROR is written, and nothing it sends is read.
   */
  private void refuse(Tcp.IncomingConnection connection, String reason) {
    try {
      connection.handleWith(
          WireProtocol.around(
              MessageDecoder.Origin.CLIENT,
              settings.limits(),
              Flow.fromSinkAndSourceCoupled(Sink.<Message>ignore(), Source.single(Frames.error(reason)))),
          getContext().getSystem());
    } catch (RuntimeException e) {
      getContext().getLog().warn("Could not refuse connection from {}: {}", connection.remoteAddress(), e.toString());
    }
  }

  private Behavior<Command> onSessionEnded(SessionEnded ended) {
    InetAddress address = addresses.remove(ended.session());
    if (address != null) {
      connectionsPerAddress.computeIfPresent(address, (a, n) -> n == 1 ? null : n - 1);
    }
    if (shuttingDown && addresses.isEmpty()) {
      return finishShutdown();
    }
    return this;
  }

  private Behavior<Command> onShutdown(Shutdown shutdown) {
    shutdownWaiters.add(shutdown.replyTo());
    if (!shuttingDown) {
      shuttingDown = true;
      getContext().getLog().info("Shutting down: closing {} connection(s)", addresses.size());
      addresses.keySet().forEach(s -> s.tell(new Session.Close(SHUTDOWN_NOTICE)));
      timers.startSingleTimer(ShutdownDeadline.INSTANCE, settings.shutdownGrace());
    }
    return addresses.isEmpty() ? finishShutdown() : this;
  }

  private Behavior<Command> onShutdownDeadline() {
    getContext().getLog().info("Shutdown grace over; {} connection(s) still closing", addresses.size());
    return finishShutdown();
  }

  private Behavior<Command> finishShutdown() {
    shutdownWaiters.forEach(w -> w.tell(Done.getInstance()));
    shutdownWaiters.clear();
    timers.cancel(ShutdownDeadline.INSTANCE);
    return this;
  }
}
