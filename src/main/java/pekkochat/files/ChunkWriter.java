package pekkochat.files;

import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.FileIO;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;
import org.apache.pekko.util.ByteString;

/**
 * Writes a file chunk by chunk without blocking the caller: each {@link #write} returns a stage
 * that completes once the chunk is accepted by the {@link FileIO} sink (which runs on Pekko's
 * blocking-I/O dispatcher), so an actor can acknowledge its input only then and memory stays
 * bounded by a few chunks, whatever the file size.
 *
 * <p>Call {@link #write} again only after the previous stage completed.
 */
public final class ChunkWriter {

  private final Path path;
  private final SourceQueueWithComplete<ByteString> queue;
  private final CompletionStage<IOResult> result;
  private long written;

  private ChunkWriter(Path path, SourceQueueWithComplete<ByteString> queue, CompletionStage<IOResult> result) {
    this.path = path;
    this.queue = queue;
    this.result = result;
  }

  /** Opens {@code path} for writing (truncating it) and starts the writing stream. */
  public static ChunkWriter open(Path path, Materializer materializer) {
    Pair<SourceQueueWithComplete<ByteString>, CompletionStage<IOResult>> mat =
        Source.<ByteString>queue(4, OverflowStrategy.backpressure())
            .toMat(
                FileIO.toPath(
                    path,
                    Set.of(
                        StandardOpenOption.WRITE,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.TRUNCATE_EXISTING)),
                Keep.both())
            .run(materializer);
    return new ChunkWriter(path, mat.first(), mat.second());
  }

  public Path path() {
    return path;
  }

  /** Bytes handed to {@link #write} so far. */
  public long written() {
    return written;
  }

  /** Queues a chunk; the stage fails if the file cannot be written. */
  public CompletionStage<Done> write(ByteString chunk) {
    written += chunk.size();
    return queue
        .offer(chunk)
        .thenCompose(
            r -> {
              if (r == QueueOfferResult.enqueued()) {
                return java.util.concurrent.CompletableFuture.completedFuture(Done.getInstance());
              }
              // The sink failed (disk full, permission...): report the sink's own error.
              return result.thenApply(
                  io -> {
                    throw new IllegalStateException("file writer closed: " + r);
                  });
            });
  }

  /** Ends the file; the stage completes when every byte is on disk (or fails with the reason). */
  public CompletionStage<IOResult> close() {
    queue.complete();
    return result;
  }

  /**
   * Abandons the file: stops writing and deletes it once the writing stream has ended. Deleting
   * only then matters: the sink opens (creates) the file asynchronously, so a delete issued right
   * away could run before the file exists and leave it behind.
   */
  public void discard(Throwable reason) {
    queue.fail(reason);
    result.whenComplete((io, failure) -> deleteQuietly(path));
  }

  private static void deleteQuietly(Path file) {
    try {
      java.nio.file.Files.deleteIfExists(file);
    } catch (java.io.IOException e) {
      // Nothing better to do: the file is in a spool or download directory and will be reported
      // or cleaned up at the next start.
    }
  }
}
