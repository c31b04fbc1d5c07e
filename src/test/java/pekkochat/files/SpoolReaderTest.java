package pekkochat.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pekkochat.testing.ErrorLog;

/**
 * {@link SpoolReader} when the relay has already let go of the spool file, so that it is deleted
 * before the reader starts, or when the reader starts before the file is there. {@code SessionFuzzTest} found this: a recipient's reader starts on
 * Pekko's blocking-I/O dispatcher, and an empty file's frame is complete, and the file released,
 * without waiting for it.
 */
class SpoolReaderTest {

  static ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @TempDir Path dir;

  @Test
  void anEmptyFileIsReadWithoutOpeningTheSpoolFile() throws Exception {
    SpoolFile file = new SpoolFile(null, "test", dir.resolve("already-deleted.spool"), 0);
    file.complete();

    List<ByteString> read = await(SpoolReader.source(file, 1024, Duration.ofSeconds(60)).runWith(Sink.seq(), testKit.system()));

    assertEquals(List.of(), read);
  }

  @Test
  void aSpoolFileAlreadyDeletedFailsTheReaderWithoutLoggingAnError() throws Exception {
    SpoolFile file = Spool.open(dir).reserve(10).file(); // its writer never created it
    file.commitTo(10);
    file.complete();
    try (ErrorLog errors = ErrorLog.capture()) {
      CompletionStage<List<ByteString>> read =
          SpoolReader.source(file, 1024, Duration.ofSeconds(60)).runWith(Sink.seq(), testKit.system());

      ExecutionException failure = assertThrows(ExecutionException.class, () -> await(read));
      assertInstanceOf(NoSuchFileException.class, failure.getCause());
      Thread.sleep(200); // a stage error is logged asynchronously, through the event stream
      assertEquals(List.of(), errors.drain());
    }
  }

  /**
   * A chunked transfer may be accepted as soon as its upload begins, before the upload's writer
   * has created the spool file (it opens it on the blocking-I/O dispatcher): the reader waits for
   * the first committed bytes before opening it.
   */
  @Test
  void aReaderStartedBeforeTheSpoolFileExistsWaitsForItsFirstBytes() throws Exception {
    SpoolFile file = Spool.open(dir).reserve(5).file();
    CompletionStage<List<ByteString>> read =
        SpoolReader.chunks(file, 1024, Duration.ofSeconds(60)).runWith(Sink.seq(), testKit.system());
    Thread.sleep(200); // the reader has started on the dispatcher by now, with no file to open
    java.nio.file.Files.write(file.path(), new byte[] {1, 2, 3, 4, 5});
    file.commitTo(5);
    file.complete();

    assertEquals(List.of(ByteString.fromArray(new byte[] {1, 2, 3, 4, 5})), await(read));
  }

  private static <T> T await(CompletionStage<T> stage) throws Exception {
    return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
