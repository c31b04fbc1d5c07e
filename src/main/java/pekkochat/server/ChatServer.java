package pekkochat.server;

import com.typesafe.config.Config;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import pekkochat.chat.RoomNames;
import pekkochat.config.ServerSettings;
import pekkochat.files.Spool;
import pekkochat.history.HistorySettings;
import pekkochat.history.HistoryStore;

/**
 * A running chat server: its actor system and the address it listens on. Used by {@link
 * ServerMain}, the tests and the benchmark tool.
 */
public final class ChatServer implements AutoCloseable {

  private final ActorSystem<?> system;
  private final InetSocketAddress address;
  private final Spool spool;

  private ChatServer(ActorSystem<?> system, Guardian.Started started) {
    this.system = system;
    this.address = started.address();
    this.spool = started.spool();
  }

  /**
   * Starts a server with {@code config} (which must include {@code reference.conf}) and waits until
   * it listens. Fails with a one-line reason if it cannot (port taken, spool unusable).
   */
  public static ChatServer start(Config config) throws StartFailed {
    return start(ServerSettings.fromConfig(config), config);
  }

  public static ChatServer start(ServerSettings settings, Config config) throws StartFailed {
    // The name rules load ICU's Unicode data (about half a second) the first time they run,
    // which is at start-up (the default room's name): let that overlap the actor system's start.
    Thread icu = new Thread(() -> RoomNames.key(RoomNames.normalize("#warm-up")), "icu-warm-up");
    icu.setDaemon(true);
    icu.start();
    HistorySettings history = HistorySettings.fromConfig(config);
    try {
      HistoryStore.prepare(history);
    } catch (IOException e) {
      throw new StartFailed(e.getMessage(), e);
    }
    CompletableFuture<Guardian.Started> started = new CompletableFuture<>();
    // The embedded store opens (its classes load, its file is read) while the actor system
    // starts; the connection is held until the server has started, so the pool finds it open.
    CompletableFuture<java.sql.Connection> store = HistoryStore.openEarly(history);
    started.whenComplete((s, failure) -> HistoryStore.closeQuietly(store));
    ActorSystem<Guardian.Command> system =
        ActorSystem.create(
            Guardian.create(settings, started),
            "pekko-chat-server",
            HistoryStore.persistenceConfig(history).withFallback(systemConfig(config)));
    try {
      return new ChatServer(system, started.get(30, TimeUnit.SECONDS));
    } catch (ExecutionException e) {
      system.terminate();
      throw new StartFailed(e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException | InterruptedException e) {
      system.terminate();
      throw new StartFailed("server did not start within 30 s", e);
    }
  }

  public InetSocketAddress address() {
    return address;
  }

  /** The file service: what is in transit, and its quota. */
  public Spool spool() {
    return spool;
  }

  public ActorSystem<?> system() {
    return system;
  }

  /** Graceful stop, as on SIGTERM: unbind, tell users, close connections, terminate. */
  @Override
  public void close() {
    CoordinatedShutdown.get(system).run(CoordinatedShutdown.unknownReason());
    try {
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("server did not stop in time", e);
    }
  }

  /** The server could not start; the message is a one-line reason for the user. */
  public static final class StartFailed extends Exception {
    public StartFailed(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** The actor system's config: {@code pekko-chat.server.actor-system} over {@code config}. */
  static Config systemConfig(Config config) {
    String overlay = "pekko-chat.server.actor-system";
    return config.hasPath(overlay) ? config.getConfig(overlay).withFallback(config) : config;
  }
}
