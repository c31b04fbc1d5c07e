package pekkochat.client;

import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Locale;
import pekkochat.Failures;

/**
 * Why the server could not be reached, in one line that names the address and says what to check:
 * {@code Cannot connect to 127.0.0.1:12001: connection refused. Is the server running on
 * 127.0.0.1:12001?}
 *
 * <p>Pekko's TCP stage reports a failed connect as a {@code StreamTcpException} whose message
 * embeds the JDK's exception ({@code ... failed because of java.net.ConnectException: Connection
 * refused}) and whose cause is that exception; both are looked at, the cause chain first.
 */
public final class ConnectFailures {

  /** What went wrong, as far as the user can do something about it. */
  public enum Kind {
    /** Nothing listens on that port (or a firewall rejects it actively). */
    REFUSED,
    /** The host name does not resolve. */
    UNKNOWN_HOST,
    /** No answer within the connect timeout (host down, packets dropped, server overloaded). */
    TIMED_OUT,
    /** No route to the host or its network. */
    UNREACHABLE,
    OTHER
  }

  private ConnectFailures() {}

  /** The line to show when connecting to {@code server} failed with {@code cause}. */
  public static String describe(InetSocketAddress server, Throwable cause, Duration connectTimeout) {
    String where = where(server);
    return switch (classify(cause)) {
      case REFUSED -> "Cannot connect to " + where + ": connection refused. Is the server running on " + where + "?";
      case UNKNOWN_HOST -> unknownHost(server.getHostString(), server.getPort());
      case TIMED_OUT -> "Cannot connect to " + where + ": no answer within " + seconds(connectTimeout)
          + ". Is the server running on " + where + ", and can this machine reach it (firewall, VPN)?";
      case UNREACHABLE -> "Cannot connect to " + where + ": no route to the host. Is the address right and the network up?";
      case OTHER -> "Cannot connect to " + where + ": " + Display.inline(Failures.rootMessage(cause)) + ".";
    };
  }

  /** The line for a host name that does not resolve (checked before anything is started). */
  public static String unknownHost(String host, int port) {
    return "Cannot connect to " + where(host, port) + ": unknown host '" + Display.inline(host)
        + "'. Check the name, or give an IP address.";
  }

  /** The kind of failure: by the exception types in the cause chain, else by their messages. */
  public static Kind classify(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof UnknownHostException) {
        return Kind.UNKNOWN_HOST;
      }
      if (t instanceof SocketTimeoutException) {
        return Kind.TIMED_OUT;
      }
      if (t instanceof NoRouteToHostException) {
        return Kind.UNREACHABLE;
      }
    }
    for (Throwable t = cause; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String m = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
      if (m.contains("unknownhostexception")) {
        return Kind.UNKNOWN_HOST;
      }
      if (m.contains("connection refused")) {
        return Kind.REFUSED;
      }
      // Pekko: "Connect timeout of Some(10 seconds) expired"; the JDK: "Connect timed out".
      if (m.contains("connect timeout") || m.contains("timed out")) {
        return Kind.TIMED_OUT;
      }
      if (m.contains("no route to host") || m.contains("network is unreachable") || m.contains("host is unreachable")) {
        return Kind.UNREACHABLE;
      }
    }
    return Kind.OTHER;
  }

  private static String where(InetSocketAddress address) {
    return where(address.getHostString(), address.getPort());
  }

  private static String where(String host, int port) {
    String shown = Display.inline(host);
    return (shown.indexOf(':') >= 0 ? "[" + shown + "]" : shown) + ":" + port;
  }

  private static String seconds(Duration d) {
    if (d.toMillis() % 1000 == 0) {
      return d.toSeconds() + " s";
    }
    return String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
  }
}
