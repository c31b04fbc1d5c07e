package pekkochat.transport.tcp;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.io.Inet;
import org.apache.pekko.io.TcpSO;
import org.apache.pekko.stream.TLSClosing;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import pekkochat.config.ServerSettings;
import pekkochat.tls.ServerTls;

/** The server's TCP binding: plain or with TLS under it, with the options every socket gets. */
public final class TcpBinding {

  private TcpBinding() {}

  /**
   * The accepted connections: plain TCP, or with TLS under it, in which case each connection's
   * flow already carries plaintext and everything above it (framing, sessions) is the same. The
   * TLS engine is made when the session materializes the connection, so it cannot fail the
   * binding. {@code eagerClose}: when a session completes its outbound side (ERROR, /quit_ack,
   * shutdown), TLS sends close_notify and the connection closes, as it does without TLS.
   */
  public static Source<Tcp.IncomingConnection, CompletionStage<Tcp.ServerBinding>> connections(
      Tcp tcp, ServerSettings settings, Optional<ServerTls> tls) {
    if (tls.isEmpty()) {
      return tcp.bind(settings.host(), settings.port(), settings.backlog(), socketOptions(settings), false, Optional.empty());
    }
    ServerTls serverTls = tls.get();
    return tcp.bindWithTls(
        settings.host(),
        settings.port(),
        serverTls::newEngine,
        settings.backlog(),
        socketOptions(settings),
        Optional.empty(),
        session -> Optional.empty(),
        TLSClosing.eagerClose());
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
