package pekkochat.client;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import pekkochat.config.ClientSettings;
import pekkochat.config.ConfigLoader;
import pekkochat.tls.ClientTls;
import pekkochat.tls.TlsSetupException;

/**
 * {@code run-client HOST [-p PORT] -u USERNAME [--config FILE] [--tls [--trust-store FILE]]}: the
 * seed client's command line, plus TLS ({@link ClientArgs}). Exit codes: 0 after a normal quit,
 * 1 when the server cannot be reached or the connection is lost, 2 for a bad command line or
 * configuration, or a refused name with nobody there to choose another.
 */
public final class ClientMain {

  private ClientMain() {}

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the client as {@link #main} does and returns its exit code instead of exiting. */
  public static int run(String[] args) {
    ClientArgs a;
    try {
      a = ClientArgs.parse(args);
    } catch (ClientArgs.Invalid e) {
      System.err.println("run-client: " + e.getMessage());
      System.err.print(ClientArgs.USAGE);
      return 2;
    }
    if (a.help()) {
      System.out.print(ClientArgs.USAGE);
      return 0;
    }
    // The client logs to a file of its own, never onto the user's screen; and the terminal takes
    // JLine 50-130 ms to set up: both are done on threads of their own while the config loads.
    ClientLog.start(a.username());
    PendingTerminal terminal = System.console() != null ? new PendingTerminal() : null;
    try {
      return run(a, terminal);
    } finally {
      if (terminal != null) {
        terminal.closeIfNotTaken();
      }
    }
  }

  private static int run(ClientArgs a, PendingTerminal terminal) {
    Map<String, Object> flags = new HashMap<>();
    a.port().ifPresent(p -> flags.put("pekko-chat.client.port", p));
    if (a.tls() || a.trustStore().isPresent()) {
      flags.put("pekko-chat.client.tls.enabled", true);
    }
    a.trustStore().ifPresent(t -> flags.put("pekko-chat.client.tls.trust-store", t.toString()));
    a.trustStorePassword().ifPresent(p -> flags.put("pekko-chat.client.tls.trust-store-password", p));
    if (a.noColor()) {
      flags.put("pekko-chat.client.screen.color", false);
    }
    Config config;
    ClientSettings settings;
    Optional<ClientTls> clientTls;
    try {
      config = ConfigLoader.load(a.configFile().orElse(null), flags);
      settings = ClientSettings.fromConfig(config);
      clientTls = settings.tls().enabled() ? Optional.of(ClientTls.load(settings.tls())) : Optional.empty();
    } catch (ConfigException | IllegalArgumentException e) {
      System.err.println("run-client: bad configuration: " + e.getMessage());
      return 2;
    } catch (TlsSetupException e) {
      System.err.println("run-client: " + e.getMessage());
      return 2;
    }
    InetSocketAddress server = new InetSocketAddress(a.host(), settings.port());
    if (server.isUnresolved()) {
      System.err.println(ConnectFailures.unknownHost(a.host(), settings.port()));
      return 1;
    }
    Optional<String> loginPassword = Optional.empty();
    if (a.login()) {
      loginPassword = loginPassword(a.username());
      if (loginPassword.isEmpty()) {
        System.err.println("run-client: --login needs the password: set PEKKOCHAT_PASSWORD, or run it on a terminal to be asked");
        return 2;
      }
    }
    Console console = terminal != null ? terminal.take() : new PipedConsole(System.in, System.out);
    try (Console c = console) {
      ChatClient client = ChatClient.start(config, settings, clientTls, server, a.username(), c, loginPassword);
      return client.exitCode().toCompletableFuture().join();
    }
  }

  /**
   * The password for --login: {@code PEKKOCHAT_PASSWORD} if set (piped use, scripts), otherwise
   * asked on the terminal without echo. Empty when there is neither.
   */
  static Optional<String> loginPassword(String username) {
    String env = System.getenv("PEKKOCHAT_PASSWORD");
    if (env != null && !env.isEmpty()) {
      return Optional.of(env);
    }
    java.io.Console terminal = System.console();
    if (terminal == null) {
      return Optional.empty();
    }
    char[] typed = terminal.readPassword("Password for %s: ", username);
    if (typed == null || typed.length == 0) {
      return Optional.empty();
    }
    String password = new String(typed);
    java.util.Arrays.fill(typed, ' ');
    return Optional.of(password);
  }

  /** The terminal being set up on a thread of its own, until the client takes it. */
  private static final class PendingTerminal {
    private final FutureTask<Console> task = new FutureTask<>(TerminalConsole::open);
    private boolean taken;

    PendingTerminal() {
      Thread t = new Thread(task, "terminal-setup");
      t.setDaemon(true);
      t.start();
    }

    /** The terminal, or plain standard streams if JLine could not set it up. */
    Console take() {
      taken = true;
      try {
        return task.get();
      } catch (ExecutionException e) {
        return new PipedConsole(System.in, System.out);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return new PipedConsole(System.in, System.out);
      }
    }

    /** Restores the terminal when the client ends before it took it (a bad config, say). */
    void closeIfNotTaken() {
      if (!taken) {
        take().close();
      }
    }
  }
}
