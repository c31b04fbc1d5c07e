package pekkochat.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Date;
import java.util.List;
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
import org.apache.pekko.persistence.jdbc.testkit.javadsl.SchemaUtils;
import pekkochat.Failures;
import pekkochat.account.AccountSettings;
import pekkochat.account.Accounts;
import pekkochat.chat.ChatCore;
import pekkochat.chat.ChatSettings;
import pekkochat.chat.Room;
import pekkochat.chat.PrivateMessages;
import pekkochat.chat.PrivateSettings;
import pekkochat.chat.RoomEvent;
import pekkochat.chat.Rooms;
import pekkochat.chat.Users;
import pekkochat.config.ServerSettings;
import pekkochat.files.FileService;
import pekkochat.files.Spool;
import pekkochat.history.HistorySettings;
import pekkochat.history.HistoryStore;
import pekkochat.history.StoreUsage;
import pekkochat.transport.tcp.Listener;
import pekkochat.transport.tcp.TcpBinding;
import pekkochat.tls.ServerTls;
import pekkochat.tls.TlsSetupException;

/**
 * The server's root actor: loads the TLS key store (if TLS is on), opens the spool, spawns the
 * chat core ({@link Rooms}, {@link Users}) and the TCP {@link Listener}, binds the TCP port and ties the binding to {@link CoordinatedShutdown} (unbind
 * first, then tell users and close their connections). A failed bind is logged and stops the
 * system; an unusable key store or spool stops it before binding. {@code started} carries the
 * outcome to whoever launched the server.
 */
final class Guardian {

  sealed interface Command {}

  /** What a started server is: where it listens, and its file service (for tests and stats). */
  record Started(InetSocketAddress address, Spool spool) {}

  private record Bound(Tcp.ServerBinding binding) implements Command {}

  private record BindFailed(Throwable cause) implements Command {}

  /** The history store's tables exist (or history is off). */
  private enum StoreReady implements Command {
    INSTANCE
  }

  private record StoreFailed(Throwable cause) implements Command {}

  /** The default room has recovered its history: time to bind. */
  private enum DefaultRoomReady implements Command {
    INSTANCE
  }

  /** A child that must live as long as the server stopped. */
  private record Died(String what) implements Command {}

  private Guardian() {}

  static Behavior<Command> create(ServerSettings settings, CompletableFuture<Started> started) {
    return Behaviors.setup(
        context -> {
          Optional<ServerTls> tls;
          try {
            tls = settings.tls().enabled() ? Optional.of(ServerTls.load(settings.tls())) : Optional.empty();
          } catch (TlsSetupException e) {
            started.completeExceptionally(new IOException(e.getMessage(), e));
            return Behaviors.stopped();
          }
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
          HistorySettings history = HistorySettings.fromConfig(context.getSystem().settings().config());
          if (!history.enabled()) {
            return serve(context, settings, tls, spool, history, started);
          }
          // Meanwhile, the serializer of stored events gets ready (Jackson takes a few hundred ms
          // the first time), so that the first join is not the one that pays for it.
          warmUpEventSerialization(context.getSystem());
          // The store's tables first (created when missing), then rooms that may recover from it.
          context.pipeToSelf(
              SchemaUtils.createIfNotExists(context.getSystem()),
              (done, failure) -> failure == null ? StoreReady.INSTANCE : new StoreFailed(failure));
          return Behaviors.receive(Command.class)
              .onMessageEquals(StoreReady.INSTANCE, () -> serve(context, settings, tls, spool, history, started))
              .onMessage(StoreFailed.class, failed -> {
                started.completeExceptionally(new IOException(HistoryStore.openFailure(history, failed.cause()), failed.cause()));
                return Behaviors.stopped();
              })
              .build();
        });
  }

  private static void warmUpEventSerialization(ActorSystem<?> system) {
    system.dispatchers().lookup(DispatcherSelector.blocking()).execute(() -> {
      try {
        var serialization = org.apache.pekko.serialization.SerializationExtension.get(system);
        for (Object event : List.of(
            new RoomEvent.UserJoined("#warm-up", 1, 0, "nobody"),
            new RoomEvent.Posted("#warm-up", 2, 0, "nobody", 1, "warm-up", false))) {
          var serializer = serialization.findSerializerFor(event);
          byte[] bytes = serializer.toBinary(event);
          serialization.deserialize(bytes, serializer.identifier(),
              org.apache.pekko.serialization.Serializers.manifestFor(serializer, event)).get();
        }
      } catch (Exception e) {
        // a warm-up only: the real writes say what is wrong, if anything is
      }
    });
  }

  /** Spawns the chat core and the listener, and binds the port. */
  private static Behavior<Command> serve(
      ActorContext<Command> context,
      ServerSettings settings,
      Optional<ServerTls> tls,
      Spool spool,
      HistorySettings history,
      CompletableFuture<Started> started) {
    ChatSettings chat = ChatSettings.fromConfig(context.getSystem().settings().config());
    var config = context.getSystem().settings().config();
    var accounts = context.spawn(Accounts.create(AccountSettings.fromConfig(config)), "accounts");
    PrivateSettings privateSettings = PrivateSettings.fromConfig(config);
    // With history off private messages are stored nowhere, as on the original server.
    StoreUsage usage = StoreUsage.start(context.getSystem(), history);
    ActorRef<PrivateMessages.Command> privates =
        privateSettings.enabled() ? context.spawn(PrivateMessages.create(privateSettings, accounts, usage), "private-messages") : null;
    pekkochat.history.AgeRetention.startPrivate(context.getSystem(), history, privateSettings.maxAge());
    ChatCore core =
        new ChatCore(
            context.spawn(Rooms.create(chat, history, usage), "rooms"),
            context.spawn(Users.create(privates), "users"),
            context.spawn(FileService.create(spool), "files"),
            accounts,
            privates,
            chat);
    ActorRef<Listener.Command> room = context.spawn(Listener.create(settings, core, spool), "listener");
    // Nothing of the core or the listener may die silently, leaving the binding accepting
    // into dead letters: if one stops, the server stops cleanly and says why (run-server
    // exits non-zero, and a service manager restarts it with its state intact).
    context.watchWith(core.rooms(), new Died("the rooms registry"));
    context.watchWith(core.users(), new Died("the nick registry"));
    context.watchWith(core.files(), new Died("the file service"));
    context.watchWith(core.accounts(), new Died("the accounts registry"));
    if (privates != null) {
      context.watchWith(privates, new Died("the private messages registry"));
    }
    context.watchWith(room, new Died("the connection listener"));
    // Users are let in once the default room has its history back: the store is warm then, and
    // the first user's welcome waits for nothing but its own join.
    core.rooms().tell(new Rooms.AwaitDefaultRoom(context.messageAdapter(Room.Recovered.class, r -> DefaultRoomReady.INSTANCE)));
    return Behaviors.receive(Command.class)
        .onMessageEquals(DefaultRoomReady.INSTANCE, () -> bind(context, settings, tls, spool, room, started))
        .onMessage(Died.class, died -> {
          started.completeExceptionally(new IOException(died.what() + " stopped while the server was starting"));
          return Behaviors.stopped();
        })
        .build();
  }

  private static Behavior<Command> bind(
      ActorContext<Command> context,
      ServerSettings settings,
      Optional<ServerTls> tls,
      Spool spool,
      ActorRef<Listener.Command> room,
      CompletableFuture<Started> started) {
    // The binding only hands connections over: nothing that goes wrong with one reaches it.
    var binding =
        TcpBinding.connections(Tcp.get(context.getSystem()), settings, tls)
            .to(Sink.foreach(connection -> room.tell(new Listener.Connected(connection))))
            .run(context.getSystem());
    context.pipeToSelf(binding, (bound, failure) -> failure == null ? new Bound(bound) : new BindFailed(failure));
    return Behaviors.receive(Command.class)
        .onMessage(Bound.class, bound -> onBound(context, bound.binding(), room, settings, tls, spool, started))
        .onMessage(BindFailed.class, failed -> onBindFailed(context, failed.cause(), settings, started))
        .build();
  }

  private static Behavior<Command> onBound(
      ActorContext<Command> context,
      Tcp.ServerBinding binding,
      ActorRef<Listener.Command> room,
      ServerSettings settings,
      Optional<ServerTls> tls,
      Spool spool,
      CompletableFuture<Started> started) {
    ActorSystem<?> system = context.getSystem();
    if (tls.isPresent()) {
      X509Certificate cert = tls.get().certificate();
      context.getLog().info(
          "pekko-chat server listening on {} with TLS (certificate {}, valid until {})",
          binding.localAddress(), cert.getSubjectX500Principal().getName(), cert.getNotAfter().toInstant());
      if (cert.getNotAfter().before(new Date())) {
        context.getLog().warn("The TLS certificate expired on {}: clients will refuse it", cert.getNotAfter().toInstant());
      }
    } else {
      context.getLog().info("pekko-chat server listening on {}", binding.localAddress());
    }
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
    shutdown.addTask(
        CoordinatedShutdown.PhaseServiceUnbind(),
        "unbind-chat",
        () -> binding.unbind().thenApply(unbound -> Done.getInstance()));
    Duration askTimeout = settings.shutdownGrace().plusSeconds(1);
    shutdown.addTask(
        CoordinatedShutdown.PhaseServiceRequestsDone(),
        "close-chat-connections",
        () -> AskPattern.ask(room, Listener.Shutdown::new, askTimeout, system.scheduler()));
    started.complete(new Started(binding.localAddress(), spool));
    return Behaviors.receive(Command.class)
        .onMessage(Died.class, died -> {
          context.getLog().error("Stopping the server: {} stopped unexpectedly", died.what());
          CoordinatedShutdown.get(system).run(ComponentDied.INSTANCE);
          return Behaviors.same();
        })
        .build();
  }

  /** The shutdown reason when a part of the server died: {@code run-server} then exits with 3. */
  static final class ComponentDied implements CoordinatedShutdown.Reason {
    static final ComponentDied INSTANCE = new ComponentDied();

    private ComponentDied() {}
  }

  private static Behavior<Command> onBindFailed(
      ActorContext<Command> context,
      Throwable cause,
      ServerSettings settings,
      CompletableFuture<Started> started) {
    String where = settings.host() + ":" + settings.port();
    context.getLog().error("Cannot listen on {}: {}", where, Failures.rootMessage(cause));
    started.completeExceptionally(new IOException("cannot listen on " + where + ": " + Failures.rootMessage(cause), cause));
    return Behaviors.stopped();
  }
}
