package pekkochat.client;

import java.net.InetSocketAddress;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.apache.pekko.NotUsed;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.TLSClosing;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.MergeHub;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;
import pekkochat.config.ClientSettings;
import pekkochat.protocol.Message;
import pekkochat.protocol.MessageDecoder;
import pekkochat.protocol.Outbound;
import pekkochat.protocol.WireProtocol;
import pekkochat.tls.ClientTls;
import pekkochat.tls.HandshakeFailures;

/**
 * The client's connection to the server: plain TCP or TLS over TCP, the wire protocol stacked on
 * it, the server's messages into {@code inbound} (an actor sink with backpressure) and a bounded
 * queue for what the client sends. What a failure to connect means, in words for the user, is here
 * too.
 */
final class ServerConnection {

  /** What {@link #open} materialized. */
  record Opened(
      CompletionStage<Tcp.OutgoingConnection> connected, SourceQueueWithComplete<Outbound> outbound, Sink<Outbound, NotUsed> transfers) {}

  private ServerConnection() {}

  /**
   * Connects to {@code server}. With TLS, {@code secured} is told the protocol once the handshake
   * is done (the certificate and host name were checked by then) and {@code refused} is told a
   * refused certificate, which then fails the handshake and ends the connection.
   */
  static Opened open(
      Tcp tcp,
      Materializer materializer,
      ClientSettings settings,
      Optional<ClientTls> tls,
      InetSocketAddress server,
      Sink<Message, NotUsed> inbound,
      Consumer<String> secured,
      Consumer<CertificateException> refused) {
    // What the user types (the queue) is preferred: the DATA frames of chunked uploads (the hub,
    // one producer per file) go out only when no chat frame is waiting.
    Source<Outbound, Pair<SourceQueueWithComplete<Outbound>, Sink<Outbound, NotUsed>>> outbound =
        Source.<Outbound>queue(settings.outboundQueueSize(), OverflowStrategy.backpressure(), 16)
            .mergePreferredMat(MergeHub.of(Outbound.class, 2), false, true, Keep.both());
    Flow<Message, Outbound, Pair<SourceQueueWithComplete<Outbound>, Sink<Outbound, NotUsed>>> application =
        Flow.fromSinkAndSourceCoupledMat(inbound, outbound, Keep.right());
    Pair<CompletionStage<Tcp.OutgoingConnection>, Pair<SourceQueueWithComplete<Outbound>, Sink<Outbound, NotUsed>>> mat =
        transport(tcp, settings, tls, server, secured, refused)
            .joinMat(WireProtocol.around(MessageDecoder.Origin.SERVER, settings.limits(), application), Keep.both())
            .run(materializer);
    return new Opened(mat.first(), mat.second().first(), mat.second().second());
  }

  /** The byte transport: plain TCP, or TLS over TCP, which the rest of the stream cannot tell apart. */
  private static Flow<ByteString, ByteString, CompletionStage<Tcp.OutgoingConnection>> transport(
      Tcp tcp,
      ClientSettings settings,
      Optional<ClientTls> tls,
      InetSocketAddress server,
      Consumer<String> secured,
      Consumer<CertificateException> refused) {
    Optional<Duration> connectTimeout = Optional.of(settings.connectTimeout());
    if (tls.isEmpty()) {
      return tcp.outgoingConnection(server, Optional.empty(), List.of(), false, connectTimeout, Optional.empty());
    }
    ClientTls clientTls = tls.get();
    return tcp.outgoingConnectionWithTls(
        server,
        () -> clientTls.newEngine(server.getHostString(), server.getPort(), refused::accept),
        Optional.empty(),
        List.of(),
        connectTimeout,
        Optional.empty(),
        session -> {
          secured.accept(session.getProtocol());
          return Optional.empty();
        },
        TLSClosing.eagerClose());
  }

  /**
   * Why the connection could not be made, for the user. {@code tcpConnected}: the TCP connection
   * was up when it failed (with TLS, then the handshake failed).
   */
  static String failure(InetSocketAddress server, boolean tls, boolean tcpConnected, Throwable cause, Duration connectTimeout) {
    if (tls && (tcpConnected || HandshakeFailures.isTls(cause))) {
      // Told before the connection ends, a refused certificate comes here first; the end of the
      // connection that follows carries no reason (see ClientTls.newEngine), hence the guess.
      String reason =
          HandshakeFailures.isTls(cause)
              ? HandshakeFailures.reason(cause, server.getHostString())
              : "the server closed the connection during the TLS handshake (is it running without TLS?)";
      return "Could not connect securely to " + describe(server) + ": " + reason;
    }
    return ConnectFailures.describe(server, cause, connectTimeout);
  }

  static String handshakeTimedOut(InetSocketAddress server, Duration timeout) {
    return "Could not connect securely to " + describe(server) + ": no TLS handshake within " + timeout.toSeconds()
        + " s (is it running without TLS?)";
  }

  static String describe(InetSocketAddress address) {
    return address.getHostString() + ":" + address.getPort();
  }
}
