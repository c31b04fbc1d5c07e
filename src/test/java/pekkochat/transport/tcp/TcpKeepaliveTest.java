package pekkochat.transport.tcp;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import jdk.net.ExtendedSocketOptions;
import org.junit.jupiter.api.Test;
import pekkochat.config.ConnectionPolicy;

class TcpKeepaliveTest {

  private final TcpKeepalive option =
      new TcpKeepalive(new ConnectionPolicy.Keepalive(true, Duration.ofSeconds(42), Duration.ofSeconds(7), 3));

  @Test
  void setsKeepaliveAndItsTimingOnARealSocket() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        Socket client = new Socket()) {
      client.connect(new InetSocketAddress(server.getInetAddress(), server.getLocalPort()));
      try (Socket accepted = server.accept()) {
        option.afterConnect(accepted);
        assertTrue(accepted.getKeepAlive());
        if (accepted.supportedOptions().contains(ExtendedSocketOptions.TCP_KEEPIDLE)) {
          assertEquals(42, accepted.getOption(ExtendedSocketOptions.TCP_KEEPIDLE));
          assertEquals(7, accepted.getOption(ExtendedSocketOptions.TCP_KEEPINTERVAL));
          assertEquals(3, accepted.getOption(ExtendedSocketOptions.TCP_KEEPCOUNT));
        }
      }
    }
  }

  @Test
  void aSocketAlreadyClosedIsNotAnError() throws Exception {
    Socket closed = new Socket();
    closed.close();
    assertDoesNotThrow(() -> option.afterConnect(closed));
  }
}
