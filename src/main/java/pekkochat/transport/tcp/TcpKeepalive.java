package pekkochat.transport.tcp;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketOption;
import java.util.concurrent.atomic.AtomicBoolean;
import jdk.net.ExtendedSocketOptions;
import org.apache.pekko.io.Inet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import pekkochat.config.ConnectionPolicy;

/**
 * Turns on TCP keepalive for every accepted connection, with the probe timing of {@link
 * ConnectionPolicy.Keepalive}: Pekko's TCP layer applies a bind option's {@code afterConnect} to
 * each accepted socket. Where the platform cannot set the timing (it is Linux and macOS only), the
 * system's timing is used and that is logged once.
 */
final class TcpKeepalive extends Inet.AbstractSocketOptionV2 {

  private static final Logger log = LoggerFactory.getLogger(TcpKeepalive.class);
  private static final AtomicBoolean warned = new AtomicBoolean();

  private final ConnectionPolicy.Keepalive settings;

  TcpKeepalive(ConnectionPolicy.Keepalive settings) {
    this.settings = settings;
  }

  @Override
  public void afterConnect(Socket socket) {
    try {
      socket.setKeepAlive(true);
      set(socket, ExtendedSocketOptions.TCP_KEEPIDLE, seconds(settings.idle().toSeconds()));
      set(socket, ExtendedSocketOptions.TCP_KEEPINTERVAL, seconds(settings.interval().toSeconds()));
      set(socket, ExtendedSocketOptions.TCP_KEEPCOUNT, settings.count());
    } catch (IOException e) {
      // The peer may already have reset the connection: the session sees that for itself. Not
      // thrown: this runs in Pekko's connection actor, and a peer must not be able to make the
      // server log a failure with a stack trace by connecting and resetting at once.
      log.debug("Could not set TCP keepalive on {}: {}", socket.getRemoteSocketAddress(), e.toString());
    }
  }

  private static int seconds(long s) {
    return (int) Math.max(1, Math.min(s, 32767)); // the kernel's range for these options
  }

  private static void set(Socket socket, SocketOption<Integer> option, int value) throws IOException {
    if (socket.supportedOptions().contains(option)) {
      socket.setOption(option, value);
    } else if (warned.compareAndSet(false, true)) {
      log.warn("This platform cannot set {}; TCP keepalive uses the system's timing", option.name());
    }
  }
}
