package pekkochat.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.io.Inet;
import org.apache.pekko.io.TcpSO;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Tcp;
import pekkochat.Failures;
import pekkochat.config.ServerSettings;

/**
 * The server's root actor: opens the spool, spawns the {@link ChatRoom}, binds the TCP port and
 * ties the binding to {@link CoordinatedShutdown} (unbind first, then tell users and close their
 * connections). A failed bind is logged and stops the system; {@code started} carries the outcome
 * to whoever launched the server.
 */
final class Guardian {

  sealed interface Command {}

  private record Bound(Tcp.ServerBinding binding) implements Command {}

  private record BindFailed(Throwable cause) implements Command {}

  private Guardian() {}

  static Behavior<Command> create(ServerSettings settings, CompletableFuture<InetSocketAddress> started) {
    return Behaviors.setup(
        context -> {
          Spool spool;
          try {
            spool =
                Spool.open(
                    settings.spoolDirectory(),
                    settings.spoolMaxSize(),
                    settings.spoolMinFreeSpace(),
                    context.getSystem().dispatchers().lookup(DispatcherSelector.blocking()));
          } catch (IOException e) {
            started.completeExceptionally(
                new IOException("cannot use spool directory " + settings.spoolDirectory() + ": " + e, e));
            return Behaviors.stopped();
          }
          ActorRef<ChatRoom.Command> room = context.spawn(ChatRoom.create(settings, spool), "room");
          var binding =
              Tcp.get(context.getSystem())
                  .bind(settings.host(), settings.port(), settings.backlog(), socketOptions(settings), false, Optional.empty())
                  .to(Sink.foreach(connection -> room.tell(new ChatRoom.Connected(connection))))
                  .run(context.getSystem());
          context.pipeToSelf(binding, (bound, failure) -> failure == null ? new Bound(bound) : new BindFailed(failure));
          return Behaviors.receive(Command.class)
              .onMessage(Bound.class, bound -> onBound(context, bound.binding(), room, settings, started))
              .onMessage(BindFailed.class, failed -> onBindFailed(context, failed.cause(), settings, started))
              .build();
        });
  }

  private static Behavior<Command> onBound(
      ActorContext<Command> context,
      Tcp.ServerBinding binding,
      ActorRef<ChatRoom.Command> room,
      ServerSettings settings,
      CompletableFuture<InetSocketAddress> started) {
    ActorSystem<?> system = context.getSystem();
    context.getLog().info("pekko-chat server listening on {}", binding.localAddress());
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
    shutdown.addTask(
        CoordinatedShutdown.PhaseServiceUnbind(),
        "unbind-chat",
        () -> binding.unbind().thenApply(unbound -> Done.getInstance()));
    Duration askTimeout = settings.shutdownGrace().plusSeconds(1);
    shutdown.addTask(
        CoordinatedShutdown.PhaseServiceRequestsDone(),
        "close-chat-connections",
        () -> AskPattern.ask(room, ChatRoom.Shutdown::new, askTimeout, system.scheduler()));
    started.complete(binding.localAddress());
    return Behaviors.empty();
  }

  private static Behavior<Command> onBindFailed(
      ActorContext<Command> context,
      Throwable cause,
      ServerSettings settings,
      CompletableFuture<InetSocketAddress> started) {
    String where = settings.host() + ":" + settings.port();
    context.getLog().error("Cannot listen on {}: {}", where, Failures.rootMessage(cause));
    started.completeExceptionally(new IOException("cannot listen on " + where + ": " + Failures.rootMessage(cause), cause));
    return Behaviors.stopped();
  }


  /** Options for the listening socket and, through afterConnect, for every accepted one. */
  private static List<Inet.SocketOption> socketOptions(ServerSettings settings) {
    List<Inet.SocketOption> options = new ArrayList<>();
    // Lets a restarted server bind the port at once, while the last run's connections linger in
    // TIME_WAIT (the JDK sets this on Linux anyway; this makes it explicit and portable).
    options.add(TcpSO.reuseAddress(true));
    if (settings.policy().keepalive().enabled()) {
      options.add(new TcpKeepalive(settings.policy().keepalive()));
    }
    return options;
  }
}
