package pekkochat.client;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The client's command line, {@code run-client HOST [-p PORT] -u USERNAME [--config FILE] [--tls]
 * [--trust-store FILE] [--trust-store-password PASSWORD] [--no-color] [--login]}, parsed by hand: picocli (which the
 * server and scripts/bench use) took 60-100 ms of the client's start, its classes being too old
 * for a class-data archive. Options take their value as the next argument or after {@code =}
 * ({@code --port=12000}, and {@code -p12000} for the short ones); {@code --} ends the options.
 *
 * @param port empty: the configured one (12000 by default)
 * @param login {@code --login}: log in to the account of USERNAME right after joining
 * @param help {@code -h}/{@code --help}: print {@link #USAGE} and do nothing else
 */
public record ClientArgs(
    String host,
    Optional<Integer> port,
    String username,
    Optional<Path> configFile,
    boolean tls,
    Optional<Path> trustStore,
    Optional<String> trustStorePassword,
    boolean noColor,
    boolean login,
    boolean help) {

  public static final String USAGE =
      """
      Usage: run-client HOST [-p PORT] -u USERNAME [--config FILE] [--tls]
                        [--trust-store FILE] [--trust-store-password PASSWORD] [--no-color]
                        [--login]
      Connects to a pekko-chat (or original) chat server. Type /help once connected.
        HOST                      Server host name or address.
        -p, --port PORT           Server port (default 12000).
        -u, --username USERNAME   Your name in the chat.
            --config FILE         HOCON file overriding reference.conf.
            --tls                 Connect with TLS; the server's certificate is checked
                                    against the system's certificate authorities unless
                                    --trust-store is given.
            --trust-store FILE    PKCS12 file of the certificates to trust
                                    (scripts/gen-dev-cert writes one); implies --tls.
            --trust-store-password PASSWORD
                                  Its password, if it has one (or the environment
                                    variable PEKKO_CHAT_TRUST_STORE_PASSWORD).
            --no-color            No colours on the terminal (as the NO_COLOR
                                    environment variable; piped output never has any).
            --login               Log in to the account of USERNAME once joined: the
                                    password is asked on the terminal (not shown), or
                                    read from the environment variable PEKKOCHAT_PASSWORD.
        -h, --help                Show this help message and exit.
      """;

  /** A command line that cannot be used; the message says why in one line. */
  public static final class Invalid extends Exception {
    private static final long serialVersionUID = 1L;

    Invalid(String message) {
      super(message);
    }
  }

  public static ClientArgs parse(String... args) throws Invalid {
    String host = null;
    Integer port = null;
    String username = null;
    Path config = null;
    boolean tls = false;
    boolean noColor = false;
    boolean login = false;
    Path trustStore = null;
    String password = null;
    boolean options = true;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (options && arg.equals("--")) {
        options = false;
        continue;
      }
      if (options && arg.startsWith("-") && arg.length() > 1) {
        String name = arg;
        String value = null;
        int eq = arg.indexOf('=');
        if (arg.startsWith("--") && eq > 0) {
          name = arg.substring(0, eq);
          value = arg.substring(eq + 1);
        } else if (!arg.startsWith("--") && arg.length() > 2) {
          name = arg.substring(0, 2);
          value = arg.substring(2).startsWith("=") ? arg.substring(3) : arg.substring(2);
        }
        switch (name) {
          case "-h", "--help" -> {
            if (value != null) {
              throw new Invalid("Unknown option: '" + shown(arg) + "'");
            }
            return new ClientArgs(host, Optional.empty(), username, Optional.empty(), false, Optional.empty(), Optional.empty(), false, false, true);
          }
          case "--tls" -> {
            if (value != null) {
              throw new Invalid("--tls takes no value");
            }
            tls = true;
          }
          case "--login" -> {
            if (value != null) {
              throw new Invalid("--login takes no value");
            }
            login = true;
          }
          case "--no-color" -> {
            if (value != null) {
              throw new Invalid("--no-color takes no value");
            }
            noColor = true;
          }
          case "-p", "--port", "-u", "--username", "--config", "--trust-store", "--trust-store-password" -> {
            if (value == null) {
              if (i + 1 >= args.length) {
                throw new Invalid("Missing value for " + name);
              }
              value = args[++i];
            }
            switch (name) {
              case "-p", "--port" -> port = port(value);
              case "-u", "--username" -> username = value;
              case "--config" -> config = Path.of(value);
              case "--trust-store" -> trustStore = Path.of(value);
              default -> password = value;
            }
          }
          default -> throw new Invalid("Unknown option: '" + shown(arg) + "'");
        }
      } else if (host == null) {
        host = arg;
      } else {
        throw new Invalid("Unexpected argument: '" + shown(arg) + "' (the host is '" + shown(host) + "')");
      }
    }
    if (host == null || host.isBlank()) {
      throw new Invalid("Missing the server's HOST");
    }
    if (username == null) {
      throw new Invalid("Missing -u USERNAME");
    }
    return new ClientArgs(
        host, Optional.ofNullable(port), username, Optional.ofNullable(config), tls, Optional.ofNullable(trustStore),
        Optional.ofNullable(password), noColor, login, false);
  }

  private static int port(String value) throws Invalid {
    try {
      int p = Integer.parseInt(value.strip());
      if (p >= 1 && p <= 65535) {
        return p;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new Invalid("Invalid port '" + shown(value) + "': a number from 1 to 65535");
  }

  private static String shown(String s) {
    return Display.inline(s);
  }
}
