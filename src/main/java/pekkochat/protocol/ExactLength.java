package pekkochat.protocol;

import java.io.IOException;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * Passes exactly {@code length} bytes: truncates a body that grew (a file appended to while it is
 * being sent) and fails on one that shrank, because a FILE frame's length is on the wire already.
 */
final class ExactLength extends GraphStage<FlowShape<ByteString, ByteString>> {

  private final Inlet<ByteString> in = Inlet.create("ExactLength.in");
  private final Outlet<ByteString> out = Outlet.create("ExactLength.out");
  private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);
  private final long length;

  private ExactLength(long length) {
    this.length = length;
  }

  static ExactLength of(long length) {
    return new ExactLength(length);
  }

  @Override
  public FlowShape<ByteString, ByteString> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes attributes) {
    return new GraphStageLogic(shape) {
      private long remaining = length;

      {
        setHandler(
            in,
            new AbstractInHandler() {
              @Override
              public void onPush() {
                ByteString chunk = grab(in);
                if (chunk.size() >= remaining) {
                  push(out, chunk.take((int) remaining));
                  remaining = 0;
                  completeStage();
                } else {
                  remaining -= chunk.size();
                  push(out, chunk);
                }
              }

              @Override
              public void onUpstreamFinish() {
                if (remaining > 0) {
                  failStage(
                      new IOException(
                          "file ended " + remaining + " bytes short of the announced " + length));
                } else {
                  completeStage();
                }
              }
            });
        setHandler(
            out,
            new AbstractOutHandler() {
              @Override
              public void onPull() {
                pull(in);
              }
            });
      }

      @Override
      public void preStart() {
        if (remaining == 0) {
          completeStage();
        }
      }
    };
  }
}
