package pekkochat.client;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import pekkochat.config.ClientSettings;
import pekkochat.config.ConfigLoader;
import pekkochat.tls.ClientTls;
import pekkochat.tls.TlsSetupException;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code run-client HOST [-p PORT] -u USERNAME [--config FILE] [--tls [--trust-store FILE]]}: the
 * seed client's command line, plus TLS.
 */
@Command(
    name = "run-client",
    mixinStandardHelpOptions = true,
    description = "Connects to a pekko-chat (or original) chat server. Type /help once connected.")
public final class ClientMain implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "HOST", description = "Server host name or address.")
  String host;

  @Option(names = {"-p", "--port"}, paramLabel = "PORT", description = "Server port (default 12000).")
  Integer port;

  @Option(names = {"-u", "--username"}, required = true, paramLabel = "USERNAME", description = "Your name in the chat.")
  String username;

  @Option(names = "--config", paramLabel = "FILE", description = "HOCON file overriding reference.conf.")
  Path configFile;

  @Option(
      names = "--tls",
      description = "Connect with TLS; the server's certificate is checked against the system's"
          + " certificate authorities unless --trust-store is given.")
  boolean tls;

  @Option(
      names = "--trust-store",
      paramLabel = "FILE",
      description = "PKCS12 file of the certificates to trust (scripts/gen-dev-cert writes one); implies --tls.")
  Path trustStore;

  @Option(
      names = "--no-color",
      description = "No colours on the terminal (as the NO_COLOR environment variable; piped output never has any).")
  boolean noColor;

  @Option(
      names = "--trust-store-password",
      paramLabel = "PASSWORD",
      description = "Its password, if it has one (or the environment variable PEKKO_CHAT_TRUST_STORE_PASSWORD).")
  String trustStorePassword;

  public static void main(String[] args) {
    // The client logs to a file, never onto the user's screen (scripts/run-client passes its own).
    if (System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "pekkochat-client-logback.xml");
    }
    // Initialise logging before the actor system logs from its own threads (else SLF4J
    // replays those early calls with a warning on the console).
    LoggerFactory.getLogger(ClientMain.class);
    System.exit(new CommandLine(new ClientMain()).execute(args));
  }

  @Override
  public Integer call() {
    Map<String, Object> flags = new HashMap<>();
    if (port != null) {
      flags.put("pekko-chat.client.port", port);
    }
    if (tls || trustStore != null) {
      flags.put("pekko-chat.client.tls.enabled", true);
    }
    if (trustStore != null) {
      flags.put("pekko-chat.client.tls.trust-store", trustStore.toString());
    }
    if (noColor) {
      flags.put("pekko-chat.client.screen.color", false);
    }
    if (trustStorePassword != null) {
      flags.put("pekko-chat.client.tls.trust-store-password", trustStorePassword);
    }
    Config config;
    ClientSettings settings;
    Optional<ClientTls> clientTls;
    try {
      config = ConfigLoader.load(configFile, flags);
      settings = ClientSettings.fromConfig(config);
      clientTls = settings.tls().enabled() ? Optional.of(ClientTls.load(settings.tls())) : Optional.empty();
    } catch (ConfigException | IllegalArgumentException e) {
      System.err.println("run-client: bad configuration: " + e.getMessage());
      return 2;
    } catch (TlsSetupException e) {
      System.err.println("run-client: " + e.getMessage());
      return 2;
    }
    InetSocketAddress server = new InetSocketAddress(host, settings.port());
    if (server.isUnresolved()) {
      System.err.println("Cannot connect to " + host + ":" + settings.port() + ": unknown host.");
      return 1;
    }
    Console console;
    try {
      console = System.console() != null ? TerminalConsole.open() : new PipedConsole(System.in, System.out);
    } catch (IOException e) {
      console = new PipedConsole(System.in, System.out);
    }
    try (Console c = console) {
      ChatClient client = ChatClient.start(config, settings, clientTls, server, username, c);
      return client.exitCode().toCompletableFuture().join();
    }
  }
}
