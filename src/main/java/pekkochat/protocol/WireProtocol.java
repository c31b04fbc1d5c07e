package pekkochat.protocol;

import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;

/**
 * The protocol stack of one connection, as two layers stacked with {@code codec.atop(framing)}:
 *
 * <pre>
 *            application                                   network
 *   Outbound ──► codec ── ByteString ──► framing ── ByteString ──►
 *   Message  ◄── codec ◄── FramePart ◄── framing ◄── ByteString ──
 * </pre>
 *
 * <p>Framing cuts the byte stream into frames (and enforces the size limits, fatally for a
 * client's frames, by skipping for a server's: see {@link FrameDecoder}); the codec turns
 * frames into typed {@link Message}s and renders {@link Outbound} frames, streaming file bodies.
 */
public final class WireProtocol {

  /** Most bytes joined into one socket write. */
  static final long WRITE_BATCH = 64 * 1024;

  private WireProtocol() {}

  /**
   * Bytes in both directions; inbound cut into {@link FramePart}s with the strict oversize policy
   * of a server reading its clients.
   */
  public static BidiFlow<ByteString, ByteString, ByteString, FramePart, NotUsed> framing(
      ProtocolLimits limits) {
    return framing(FrameDecoder.Oversize.FATAL, limits);
  }

  /**
   * Bytes in both directions; inbound cut into {@link FramePart}s with the oversize policy for
   * frames sent by {@code origin} (see {@link FrameDecoder#forFramesFrom}).
   */
  public static BidiFlow<ByteString, ByteString, ByteString, FramePart, NotUsed> framing(
      MessageDecoder.Origin origin, ProtocolLimits limits) {
    return framing(FrameDecoder.oversizePolicy(origin), limits);
  }

  private static BidiFlow<ByteString, ByteString, ByteString, FramePart, NotUsed> framing(
      FrameDecoder.Oversize oversize, ProtocolLimits limits) {
    Flow<ByteString, FramePart, NotUsed> decode =
        Flow.<ByteString>create()
            .statefulMapConcat(
                () -> {
                  FrameDecoder decoder = new FrameDecoder(limits, oversize);
                  return decoder::feed;
                });
    return BidiFlow.fromFlows(Flow.create(), decode);
  }

  /** Typed messages over frame parts; {@code origin} says whose frames are decoded. */
  public static BidiFlow<Outbound, ByteString, FramePart, Message, NotUsed> codec(
      MessageDecoder.Origin origin, ProtocolLimits limits) {
    // While the socket is busy writing, frames that pile up are joined into one write of up to
    // WRITE_BATCH bytes: one TCP write (and write-ack round trip) per burst rather than per frame,
    // so a healthy reader keeps up with a burst instead of filling its queue.
    // The input buffer of one: a file body is read on another dispatcher (an async boundary),
    // and the default buffer of 16 elements there would hold 16 file chunks per recipient, so a
    // room's memory would grow by megabytes with every user receiving a file.
    Flow<Outbound, ByteString, NotUsed> render =
        Flow.<Outbound>create()
            .flatMapConcat(Outbound::bytes)
            .addAttributes(Attributes.inputBuffer(1, 1))
            .batchWeighted(WRITE_BATCH, bytes -> (long) bytes.size(), bytes -> bytes, ByteString::concat);
    Flow<FramePart, Message, NotUsed> decode =
        Flow.<FramePart>create()
            .statefulMapConcat(
                () -> {
                  MessageDecoder decoder = new MessageDecoder(origin, limits);
                  return decoder::decode;
                });
    return BidiFlow.fromFlows(render, decode);
  }

  /**
   * The full stack: {@code codec.atop(framing)}. A blueprint is immutable (every materialization
   * gets decoders of its own), so it is built once per origin and limits rather than once per
   * connection: a join storm of thousands of connections otherwise spends a good part of its
   * time building the same graph.
   */
  public static BidiFlow<Outbound, ByteString, ByteString, Message, NotUsed> stack(
      MessageDecoder.Origin origin, ProtocolLimits limits) {
    return STACKS.computeIfAbsent(new StackKey(origin, limits), k -> codec(origin, limits).atop(framing(origin, limits)));
  }

  private record StackKey(MessageDecoder.Origin origin, ProtocolLimits limits) {}

  private static final java.util.Map<StackKey, BidiFlow<Outbound, ByteString, ByteString, Message, NotUsed>> STACKS =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * Wraps an application flow into the byte flow a TCP connection is handled with: bytes in are
   * decoded into messages for {@code application}; its outbound frames are rendered to bytes.
   */
  public static <M> Flow<ByteString, ByteString, M> around(
      MessageDecoder.Origin origin, ProtocolLimits limits, Flow<Message, Outbound, M> application) {
    return stack(origin, limits).reversed().join(application, (left, right) -> right);
  }
}
