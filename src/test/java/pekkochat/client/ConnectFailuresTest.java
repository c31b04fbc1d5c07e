package pekkochat.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The one-line connect failures, from real failures: Pekko's TCP stage (as the client uses it)
 * connecting to a closed loopback port, to a name that cannot resolve, and to a listener whose
 * accept queue is full (the kernel then drops the handshake, as a firewall would).
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ConnectFailuresTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static ActorSystem system;

  @BeforeAll
  static void startSystem() {
    system = ActorSystem.create("connect-failures-test");
  }

  @AfterAll
  static void stopSystem() {
    system.terminate();
  }

  /** What Pekko's outgoing connection to {@code address} failed with. */
  private static Throwable connectFailure(InetSocketAddress address, Duration timeout) throws Exception {
    ExecutionException e =
        assertThrows(
            ExecutionException.class,
            () ->
                Tcp.get(system)
                    .outgoingConnection(address, Optional.empty(), List.of(), false, Optional.of(timeout), Optional.empty())
                    .join(Flow.<ByteString>create())
                    .run(system)
                    .toCompletableFuture()
                    .get(20, TimeUnit.SECONDS));
    return e.getCause();
  }

  private static int closedPort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return probe.getLocalPort();
    }
  }

  @Test
  void aClosedPortIsAConnectionRefusedAndAsksWhetherTheServerRuns() throws Exception {
    int port = closedPort();
    InetSocketAddress server = new InetSocketAddress("127.0.0.1", port);
    Throwable cause = connectFailure(server, TIMEOUT);
    assertEquals(ConnectFailures.Kind.REFUSED, ConnectFailures.classify(cause), cause.toString());
    assertEquals(
        "Cannot connect to 127.0.0.1:" + port + ": connection refused. Is the server running on 127.0.0.1:" + port + "?",
        ConnectFailures.describe(server, cause, TIMEOUT));
  }

  @Test
  void aPlainSocketsRefusalReadsTheSame() throws Exception {
    int port = closedPort();
    IOException refused;
    try (Socket s = new Socket()) {
      refused = assertThrows(IOException.class, () -> s.connect(new InetSocketAddress("127.0.0.1", port)));
    }
    assertEquals(ConnectFailures.Kind.REFUSED, ConnectFailures.classify(refused), refused.toString());
  }

  @Test
  void aNameThatDoesNotResolveIsAnUnknownHost() throws Exception {
    InetSocketAddress server = InetSocketAddress.createUnresolved("no-such-host.invalid", 12000);
    Throwable cause = connectFailure(server, TIMEOUT);
    assertEquals(ConnectFailures.Kind.UNKNOWN_HOST, ConnectFailures.classify(cause), cause.toString());
    assertEquals(
        "Cannot connect to no-such-host.invalid:12000: unknown host 'no-such-host.invalid'. Check the name, or give an IP address.",
        ConnectFailures.describe(server, cause, TIMEOUT));

    UnknownHostException direct = assertThrows(UnknownHostException.class, () -> InetAddress.getByName("no-such-host.invalid"));
    assertEquals(ConnectFailures.Kind.UNKNOWN_HOST, ConnectFailures.classify(direct));
    assertEquals(
        ConnectFailures.describe(server, cause, TIMEOUT), ConnectFailures.unknownHost("no-such-host.invalid", 12000));
  }

  @Test
  void noAnswerWithinTheConnectTimeoutSaysHowLongItWaited() throws Exception {
    try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      InetSocketAddress server = new InetSocketAddress("127.0.0.1", full.getLocalPort());
      List<Socket> queued = new ArrayList<>();
      try {
        // Fill the accept queue (never accepted): further handshakes go unanswered.
        boolean dropping = false;
        for (int i = 0; i < 16 && !dropping; i++) {
          Socket s = new Socket();
          queued.add(s);
          try {
            s.connect(server, 300);
          } catch (SocketTimeoutException e) {
            dropping = true;
          }
        }
        Assumptions.assumeTrue(dropping, "this kernel does not drop handshakes to a full accept queue");
        Throwable cause = connectFailure(server, Duration.ofMillis(500));
        assertEquals(ConnectFailures.Kind.TIMED_OUT, ConnectFailures.classify(cause), cause.toString());
        assertEquals(
            "Cannot connect to " + "127.0.0.1:" + server.getPort() + ": no answer within 0.5 s. Is the server running on 127.0.0.1:"
                + server.getPort() + ", and can this machine reach it (firewall, VPN)?",
            ConnectFailures.describe(server, cause, Duration.ofMillis(500)));
      } finally {
        for (Socket s : queued) {
          s.close();
        }
      }
    }
  }

  @Test
  void anythingElseKeepsTheReasonOnOneLineWithoutControlCharacters() {
    InetSocketAddress server = new InetSocketAddress("127.0.0.1", 4000);
    String line = ConnectFailures.describe(server, new IOException("odd\nthing\u001b[2J"), TIMEOUT);
    assertEquals(ConnectFailures.Kind.OTHER, ConnectFailures.classify(new IOException("odd")));
    assertTrue(line.startsWith("Cannot connect to 127.0.0.1:4000: odd"), line);
    assertFalse(line.contains("\n") || line.contains("\u001b"), line);
  }

  @Test
  void aHostileHostNameIsShownInertAndIPv6InBrackets() {
    String line = ConnectFailures.unknownHost("evil\u001b]0;owned\u0007", 1);
    assertFalse(line.contains("\u001b") || line.contains("\u0007"), line);
    InetSocketAddress v6 = new InetSocketAddress("::1", 12000);
    String refused = ConnectFailures.describe(v6, new java.net.ConnectException("Connection refused"), TIMEOUT);
    assertTrue(refused.matches("Cannot connect to \\[[0:]+1\\]:12000: connection refused\\. .*"), refused);
  }
}
