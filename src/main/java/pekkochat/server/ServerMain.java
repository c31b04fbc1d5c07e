package pekkochat.server;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import pekkochat.config.ConfigLoader;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code run-server [--host H] [--port P] [--config FILE] [--tls --key-store FILE]}: starts the
 * server and runs until stopped.
 */
@Command(
    name = "run-server",
    mixinStandardHelpOptions = true,
    description = "Starts the pekko-chat server. Stop it with Ctrl-C or SIGTERM (users are told).")
public final class ServerMain implements Callable<Integer> {

  @Option(names = "--host", paramLabel = "HOST", description = "Interface to listen on (default 0.0.0.0).")
  String host;

  @Option(names = {"-p", "--port"}, paramLabel = "PORT", description = "TCP port (default 12000; 0 picks a free one).")
  Integer port;

  @Option(names = "--config", paramLabel = "FILE", description = "HOCON file overriding reference.conf.")
  Path configFile;

  @Option(names = "--tls", description = "Listen with TLS (needs a key store; see --key-store).")
  boolean tls;

  @Option(
      names = "--key-store",
      paramLabel = "FILE",
      description = "PKCS12 file with the server's key and certificate; implies --tls.")
  Path keyStore;

  @Option(
      names = "--key-store-password",
      paramLabel = "PASSWORD",
      description = "Its password. Other local users can see command lines: prefer the environment"
          + " variable PEKKO_CHAT_KEY_STORE_PASSWORD or the config file.")
  String keyStorePassword;

  @Option(
      names = "--data-dir",
      paramLabel = "DIR",
      description = "Where the history store (H2) keeps its files (default: data/ of the project).")
  Path dataDir;

  @Option(names = "--no-history", description = "Keep no history: rooms forget everything, as the original server.")
  boolean noHistory;

  /** Logback reading conf/logback.xml: 100-150 ms, done while picocli reads the command line. */
  private static final FutureTask<Void> LOGGING = new FutureTask<>(() -> LoggerFactory.getLogger(ServerMain.class), null);

  public static void main(String[] args) {
    Thread t = new Thread(LOGGING, "logging-setup");
    t.setDaemon(true);
    t.start();
    System.exit(new CommandLine(new ServerMain()).execute(args));
  }

  /**
   * Logging must be up before the actor system logs from its own threads (else SLF4J replays
   * those early calls with a warning on the console).
   */
  private static void awaitLogging() {
    if (!LOGGING.isDone()) {
      LOGGING.run(); // not started by main (a test calling call()): set up here; a no-op if running
    }
    try {
      LOGGING.get();
    } catch (ExecutionException e) {
      // logback reports its own configuration problems
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public Integer call() {
    Map<String, Object> flags = new HashMap<>();
    if (host != null) {
      flags.put("pekko-chat.server.host", host);
    }
    if (port != null) {
      flags.put("pekko-chat.server.port", port);
    }
    if (tls || keyStore != null) {
      flags.put("pekko-chat.server.tls.enabled", true);
    }
    if (keyStore != null) {
      flags.put("pekko-chat.server.tls.key-store", keyStore.toString());
    }
    if (keyStorePassword != null) {
      flags.put("pekko-chat.server.tls.key-store-password", keyStorePassword);
    }
    if (dataDir != null) {
      flags.put("pekko-chat.history.data-directory", dataDir.toString());
    }
    if (noHistory) {
      flags.put("pekko-chat.history.enabled", false);
    }
    Config config;
    try {
      config = ConfigLoader.load(configFile, flags);
    } catch (ConfigException | IllegalArgumentException e) {
      System.err.println("run-server: bad configuration: " + e.getMessage());
      return 2;
    }
    awaitLogging();
    ChatServer server;
    try {
      server = ChatServer.start(config);
    } catch (ChatServer.StartFailed e) {
      System.err.println("run-server: " + e.getMessage());
      return 1;
    }
    server.system().getWhenTerminated().toCompletableFuture().join();
    // A part of the server died (logged): non-zero, so that a service manager restarts it.
    return org.apache.pekko.actor.CoordinatedShutdown.get(server.system()).getShutdownReason()
            .filter(reason -> reason instanceof Guardian.ComponentDied)
            .isPresent() ? 3 : 0;
  }
}
