package pekkochat.client;

import java.util.Optional;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;

/**
 * Lines read by a blocking call (a terminal, standard input) turned into a source.
 *
 * <p>The blocking read runs on a daemon thread of its own, not inside the stream: a stream stage
 * blocked in {@code readLine} is an actor that never stops, which would keep the client's actor
 * system from terminating after {@code /quit} until the user pressed Enter. The thread hands each
 * line over through a queue of one and waits for room, so reading is still backpressured.
 */
final class InputLines {

  /** One blocking read: a line, or empty at the end of input. */
  @FunctionalInterface
  interface Reader {
    Optional<String> read() throws Exception;
  }

  private InputLines() {}

  static Source<String, NotUsed> readOnOwnThread(String threadName, Reader reader) {
    return Source.<String>queue(1, OverflowStrategy.backpressure())
        .mapMaterializedValue(
            queue -> {
              Thread thread = new Thread(() -> pump(reader, queue), threadName);
              thread.setDaemon(true);
              thread.start();
              return NotUsed.getInstance();
            });
  }

  private static void pump(Reader reader, SourceQueueWithComplete<String> queue) {
    try {
      while (true) {
        Optional<String> line = reader.read();
        if (line.isEmpty()) {
          queue.complete();
          return;
        }
        // Waits (on this thread only) until the stream has room; fails once the stream is gone.
        queue.offer(line.get()).toCompletableFuture().join();
      }
    } catch (Exception e) {
      queue.fail(e);
    }
  }
}
