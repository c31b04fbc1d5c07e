package pekkochat.transport.tcp;

import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.MergeHub;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import java.util.concurrent.CompletionStage;
import pekkochat.config.ServerSettings;
import pekkochat.files.Spool;
import pekkochat.protocol.Message;
import pekkochat.protocol.MessageDecoder;
import pekkochat.protocol.Outbound;
import pekkochat.protocol.WireProtocol;
import pekkochat.session.Session;

/**
 * One accepted TCP connection, as a {@link Session.Transport}: when the session opens it, the
 * connection's stream is materialized with the seed codec on top (framing and limits in {@link
 * WireProtocol}), inbound messages going to the session's sink and outbound elements coming from a
 * bounded queue that the session's {@link TcpPort} alone offers into.
 */
final class TcpTransport implements Session.Transport {

  private final Tcp.IncomingConnection connection;
  private final ServerSettings settings;
  private final String defaultRoom;
  private final Spool spool;
  private final ActorSystem<?> system;

  TcpTransport(Tcp.IncomingConnection connection, ServerSettings settings, String defaultRoom, Spool spool, ActorSystem<?> system) {
    this.connection = connection;
    this.settings = settings;
    this.defaultRoom = defaultRoom;
    this.spool = spool;
    this.system = system;
  }

  @Override
  public String peer() {
    return connection.remoteAddress().toString();
  }

  @Override
  public Session.Opened open(Sink<Message, NotUsed> inbound, ActorRef<Session.Command> session) {
    // One slot more than the configured size: the port treats the queue as full one element
    // early, which keeps room for the ERROR that tells an overflowing user why it is cut off.
    TcpPort[] port = new TcpPort[1]; // set below, before anything can be offered
    // Chat frames (the queue) are always preferred: the DATA frames of chunked transfers (the
    // hub, one producer per file being sent) go out only when no chat frame is waiting.
    Source<Outbound, Pair<Pair<Pair<BoundedSourceQueue<Outbound>, Sink<Outbound, NotUsed>>, UniqueKillSwitch>, CompletionStage<Done>>> outbound =
        Source.<Outbound>queue(settings.outboundQueueSize() + 1)
            .map(element -> {
              port[0].taken(element);
              return element;
            })
            .mergePreferredMat(MergeHub.of(Outbound.class, 2), false, true, Keep.both())
            .viaMat(KillSwitches.single(), Keep.both())
            .watchTermination(Keep.both());
    // Deliberately not coupled: completing the outbound queue must let its last frames (an
    // ERROR, the shutdown notice, /quit_ack) reach the socket before the connection closes. The
    // session does the coupling itself: it stops when the inbound side ends (the socket closed),
    // and stopping aborts the outbound side, so no socket is ever left half open.
    Flow<Message, Outbound, Pair<Pair<Pair<BoundedSourceQueue<Outbound>, Sink<Outbound, NotUsed>>, UniqueKillSwitch>, CompletionStage<Done>>> application =
        Flow.fromSinkAndSourceMat(inbound, outbound, Keep.right());
    var handles =
        connection.handleWith(
            WireProtocol.around(MessageDecoder.Origin.CLIENT, settings.limits(), application),
            Materializer.matFromSystem(system));
    BoundedSourceQueue<Outbound> queue = handles.first().first().first();
    Sink<Outbound, NotUsed> transfers = handles.first().first().second();
    UniqueKillSwitch killSwitch = handles.first().second();
    CompletionStage<Done> done = handles.second();
    port[0] =
        new TcpPort(queue, settings.outboundQueueSize(), settings.outboundQueueBytes(), spool, session, defaultRoom,
            settings.fileChunkSize(), settings.relayStallTimeout(),
            new TransferSender(transfers, Materializer.matFromSystem(system), settings.fileChunkSize(), settings.relayStallTimeout(),
                settings.transfers().maxPerConnection())) {
          @Override
          public void abort() {
            super.abort();
            killSwitch.abort(new SessionClosed());
          }
        };
    done.whenComplete((d, failure) -> port[0].releaseDeliveries());
    return new Session.Opened(port[0], done);
  }

  /** Why a session's stream was cut; not an error worth a stack trace. */
  static final class SessionClosed extends RuntimeException {
    SessionClosed() {
      super("session closed", null, false, false);
    }
  }
}
