package pekkochat.protocol;

import java.util.Optional;
import java.util.function.Supplier;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * One frame queued for sending, already encoded: either a small frame held whole, or a streamed
 * FILE frame whose payload is read from a source (a file on disk) as the connection can take it.
 * A connection writes its outbound elements strictly one after another, so a streamed frame is
 * never interleaved with another frame.
 */
public sealed interface Outbound {

  /** The bytes to write, as a source (a single element for a small frame). */
  Source<ByteString, NotUsed> bytes();

  /**
   * One or more complete small frames, back to back (the room offers a burst of broadcast lines
   * as one element). One instance may be offered to many connections.
   */
  record Frame(ByteString encoded) implements Outbound {
    @Override
    public Source<ByteString, NotUsed> bytes() {
      return Source.single(encoded);
    }
  }

  /**
   * A frame decided only when the connection gets to it (it may have waited in the queue behind
   * others): {@code decide} returns the frame to send then, or empty to send nothing.
   */
  record Deferred(Supplier<Optional<Outbound>> decide) implements Outbound {
    @Override
    public Source<ByteString, NotUsed> bytes() {
      return Source.lazySource(() -> decide.get().map(Outbound::bytes).orElseGet(Source::empty))
          .mapMaterializedValue(m -> NotUsed.getInstance());
    }
  }

  /**
   * A FILE frame: {@code head} holds the length, type and name prefix; {@code body} must emit
   * exactly {@code bodyLength} bytes, or the stream fails (a short frame cannot be repaired on
   * the wire, so the connection is closed rather than left out of step).
   */
  record Streamed(ByteString head, Source<ByteString, NotUsed> body, long bodyLength)
      implements Outbound {
    @Override
    public Source<ByteString, NotUsed> bytes() {
      return Source.single(head).concat(body.via(ExactLength.of(bodyLength)));
    }
  }
}
