package pekkochat.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.ActorAttributes;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.SourceShape;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * Streams a {@link SpoolFile} to one recipient at that recipient's pace, following the file while
 * it is still being written: it reads what is committed, then waits (without a thread, woken by
 * the writer) for more. It always emits exactly {@link SpoolFile#size()} bytes, because the frame
 * header with that length is already on the wire: if the upload fails part way, the rest is made
 * of zero bytes, and the room follows the frame with a notice that the file is incomplete.
 *
 * <p>A recipient that takes nothing for {@code stallTimeout} while there is data for it fails the
 * stream, which closes that recipient's connection: otherwise a client that never reads would hold
 * the spool file, and its share of the spool quota, for as long as it stays connected.
 *
 * <p>It opens the spool file only once some of it is committed: a chunked transfer may begin as
 * soon as its upload does, before the writer has created the file.
 *
 * <p>Runs on Pekko's blocking-I/O dispatcher, as {@code FileIO} does.
 */
public final class SpoolReader extends GraphStage<SourceShape<ByteString>> {

  private static final byte[] ZEROS = new byte[64 * 1024];

  private final Outlet<ByteString> out = Outlet.create("SpoolReader.out");
  private final SourceShape<ByteString> shape = SourceShape.of(out);
  private final SpoolFile file;
  private final int chunkSize;
  private final Duration stallTimeout;
  /** Fail with {@link UploadFailed} when the upload fails, rather than completing with zeros. */
  private final boolean chunked;

  private SpoolReader(SpoolFile file, int chunkSize, Duration stallTimeout, boolean chunked) {
    this.file = file;
    this.chunkSize = chunkSize;
    this.stallTimeout = stallTimeout;
    this.chunked = chunked;
  }

  /** The upload failed (or its sender cancelled it): a chunked transfer stops with a CANCEL. */
  public static final class UploadFailed extends IOException {
    UploadFailed(String why) {
      super(why, null);
    }
  }

  /** The recipient took no data for the stall timeout. */
  public static final class RecipientStalled extends IOException {
    RecipientStalled(Duration timeout) {
      super("recipient took no file data for " + timeout.toSeconds() + " s");
    }
  }

  /**
   * The reader, on the blocking-I/O dispatcher. The async boundary this makes is kept to a
   * one-chunk buffer by the outbound flow (see {@code WireProtocol.codec}).
   */
  public static Source<ByteString, NotUsed> source(SpoolFile file, int chunkSize, Duration stallTimeout) {
    return Source.fromGraph(new SpoolReader(file, chunkSize, stallTimeout, false))
        .withAttributes(Attributes.none().and(ActorAttributes.IODispatcher()));
  }

  /**
   * The reader for a chunked (XFER) transfer: the bytes as they are committed, in pieces of at
   * most {@code chunkSize}; if the upload fails, the stream fails with {@link UploadFailed} where
   * {@link #source} would pad with zeros, since a chunked transfer can simply stop.
   */
  public static Source<ByteString, NotUsed> chunks(SpoolFile file, int chunkSize, Duration stallTimeout) {
    return Source.fromGraph(new SpoolReader(file, chunkSize, stallTimeout, true))
        .withAttributes(Attributes.none().and(ActorAttributes.IODispatcher()));
  }

  @Override
  public SourceShape<ByteString> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes attributes) {
    return new TimerGraphStageLogic(shape) {
      private FileChannel channel;
      private long position;
      private Runnable listener;
      private long lastProgress = System.nanoTime();

      {
        setHandler(
            out,
            new AbstractOutHandler() {
              @Override
              public void onPull() throws IOException {
                emitWhatIsReady();
              }
            });
      }

      @Override
      public void preStart() throws IOException {
        if (file.size() == 0) {
          // Nothing to read, and the spool file may be gone already: the relay lets go of it as
          // soon as every recipient's (empty) frame is complete, which may be before this starts.
          completeStage();
          return;
        }
        AsyncCallback<Object> wake = createAsyncCallback(ignored -> {
          try {
            emitWhatIsReady();
          } catch (IOException e) {
            failStage(e);
          }
        });
        listener = () -> wake.invoke(Boolean.TRUE);
        file.addListener(listener);
        Duration every = stallTimeout.dividedBy(4);
        scheduleWithFixedDelay("stall-check", every, every);
      }

      @Override
      public void onTimer(Object key) {
        if (isAvailable(out)) {
          // The recipient wants more; any wait now is for the sender, not the recipient.
          lastProgress = System.nanoTime();
        } else if (System.nanoTime() - lastProgress > stallTimeout.toNanos()) {
          failStage(new RecipientStalled(stallTimeout));
        }
      }

      private void emitWhatIsReady() throws IOException {
        if (!isAvailable(out) || isClosed(out)) {
          return;
        }
        lastProgress = System.nanoTime();
        long end = file.size();
        if (position >= end) {
          completeStage();
          return;
        }
        SpoolFile.State state = file.state();
        if (state == SpoolFile.State.FAILED && chunked) {
          failStage(new UploadFailed(file.failure()));
          return;
        }
        if (state == SpoolFile.State.FAILED) {
          int n = (int) Math.min(ZEROS.length, end - position);
          position += n;
          // ZEROS is never written to, so sharing it without a copy is safe.
          push(out, ByteString.fromArrayUnsafe(ZEROS, 0, n));
          return;
        }
        long ready = Math.min(file.committed(), end) - position;
        if (ready > 0 && channel == null && !open()) {
          return;
        }
        if (ready > 0) {
          byte[] bytes = new byte[(int) Math.min(chunkSize, ready)];
          ByteBuffer buffer = ByteBuffer.wrap(bytes);
          while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
              throw new IOException("spool file " + file.path() + " ended before its committed length");
            }
          }
          position += bytes.length;
          push(out, ByteString.fromArrayUnsafe(bytes));
        }
        // Otherwise the writer has not got further yet; its next advance wakes us.
      }

      /**
       * Opens the spool file once there is something in it to read, not before: a chunked
       * transfer may start as soon as its upload begins, before the writer has even created the
       * file. False (the stage failed) if the file is gone.
       */
      private boolean open() throws IOException {
        try {
          channel = FileChannel.open(file.path(), StandardOpenOption.READ);
          return true;
        } catch (NoSuchFileException released) {
          // The relay let go of the file before this reader got to it: its recipient's connection
          // has ended already. Failing quietly spares the log a stack trace for a normal event.
          failStage(released);
          return false;
        }
      }

      @Override
      public void postStop() throws IOException {
        file.removeListener(listener);
        if (channel != null) {
          channel.close();
        }
      }
    };
  }
}
