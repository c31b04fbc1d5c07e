package pekkochat.client;

import com.typesafe.config.Config;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import pekkochat.config.ClientSettings;
import pekkochat.tls.ClientTls;
import pekkochat.tls.TlsSetupException;

/** A running client: its actor system and the exit code it will end with. */
public final class ChatClient {

  private final ActorSystem<Client.Command> system;
  private final CompletableFuture<Integer> exitCode;

  private final java.util.concurrent.atomic.AtomicBoolean transferring;

  private ChatClient(
      ActorSystem<Client.Command> system, CompletableFuture<Integer> exitCode, java.util.concurrent.atomic.AtomicBoolean transferring) {
    this.system = system;
    this.exitCode = exitCode;
    this.transferring = transferring;
  }

  /**
   * Connects to {@code server} as {@code username}, reading and writing through {@code console};
   * with TLS if {@code settings} say so.
   *
   * @throws IllegalArgumentException when TLS is on and its trust store cannot be used
   */
  public static ChatClient start(
      Config config, ClientSettings settings, InetSocketAddress server, String username, Console console) {
    Optional<ClientTls> tls;
    try {
      tls = settings.tls().enabled() ? Optional.of(ClientTls.load(settings.tls())) : Optional.empty();
    } catch (TlsSetupException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
    return start(config, settings, tls, server, username, console);
  }

  /** As above, with TLS set up already ({@code tls} empty: plain TCP). */
  public static ChatClient start(
      Config config,
      ClientSettings settings,
      Optional<ClientTls> tls,
      InetSocketAddress server,
      String username,
      Console console) {
    return start(config, settings, tls, server, username, console, Optional.empty());
  }

  /**
   * As above; with {@code loginPassword}, {@code /login USERNAME PASSWORD} is sent right after the
   * welcome (run-client --login), before anything the user types. It is never printed or logged.
   */
  public static ChatClient start(
      Config config,
      ClientSettings settings,
      Optional<ClientTls> tls,
      InetSocketAddress server,
      String username,
      Console console,
      Optional<String> loginPassword) {
    CompletableFuture<Integer> exitCode = new CompletableFuture<>();
    java.util.concurrent.atomic.AtomicBoolean transferring = new java.util.concurrent.atomic.AtomicBoolean();
    ActorSystem<Client.Command> system =
        ActorSystem.create(
            Client.create(settings, tls, server, username, console, exitCode, transferring, loginPassword), "pekko-chat-client", systemConfig(config));
    return new ChatClient(system, exitCode, transferring);
  }

  /** The client's actor system's config: {@code pekko-chat.client.actor-system} over {@code config}. */
  static Config systemConfig(Config config) {
    String lean = "pekko-chat.client.actor-system";
    return config.hasPath(lean) ? config.getConfig(lean).withFallback(config) : config;
  }

  /** Completes when the client has stopped and its actor system is terminated. */
  public CompletionStage<Integer> exitCode() {
    return exitCode.thenCombine(system.getWhenTerminated(), (code, terminated) -> code);
  }

  public ActorSystem<?> system() {
    return system;
  }

  /**
   * Whether a file is being sent or received (an offer waiting for {@code /accept} does not
   * count): Ctrl-C should then ask, and {@link #cancelTransfers} rather than quit.
   */
  public boolean transferring() {
    return transferring.get();
  }

  /** Stops every file transfer in progress, both ways (as {@code /cancel} does; for Ctrl-C). */
  public void cancelTransfers() {
    system.tell(Client.CancelTransfers.INSTANCE);
  }

  /** Stops the client at once (the connection is closed without /quit). */
  public void stop() {
    system.terminate();
  }
}
