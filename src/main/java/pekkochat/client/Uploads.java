package pekkochat.client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.FileIO;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import pekkochat.Failures;
import pekkochat.files.SafeFileNames;
import pekkochat.files.Sizes;

/**
 * Files the user sends with {@code /send}: checked before anything is sent, then streamed from
 * disk in chunks as the connection takes them (never read whole), their bytes counted for the
 * progress line.
 */
final class Uploads {

  /** A file being sent: its bytes are counted as the connection takes them. */
  static final class Upload {
    final String fileName;
    final long size;
    final AtomicLong sent = new AtomicLong();
    volatile long startNanos;

    private Upload(String fileName, long size) {
      this.fileName = fileName;
      this.size = size;
    }

    private ByteString count(ByteString chunk) {
      if (sent.getAndAdd(chunk.size()) == 0) {
        startNanos = System.nanoTime();
      }
      return chunk;
    }
  }

  /** A file that may be sent: its checked path, safe base name and size. */
  record Checked(Path path, String fileName, long size) {}

  /** Why a {@code /send} argument cannot be sent, or the file to send. */
  sealed interface Check {}

  record Refused(String reason) implements Check {}

  record Ready(Checked file) implements Check {}

  private final long maxFileBytes;
  private final int chunkSize;
  private final List<Upload> inFlight = new ArrayList<>();

  Uploads(long maxFileBytes, int chunkSize) {
    this.maxFileBytes = maxFileBytes;
    this.chunkSize = chunkSize;
  }

  /** Checks {@code /send}'s argument: a readable regular file within the size limit. */
  Check check(String pathText) {
    if (pathText.isEmpty()) {
      return new Refused("Usage: /send <path>");
    }
    Path path = Path.of(expandHome(pathText));
    if (!Files.exists(path)) {
      return new Refused("File not found: " + pathText);
    }
    if (Files.isDirectory(path)) {
      return new Refused(pathText + " is a directory; /send takes a file.");
    }
    if (!Files.isReadable(path)) {
      return new Refused("Cannot read " + pathText + ": permission denied.");
    }
    try {
      long size = Files.size(path);
      if (size > maxFileBytes) {
        return new Refused(pathText + " is " + Sizes.human(size) + "; the limit is " + Sizes.human(maxFileBytes) + ".");
      }
      return new Ready(new Checked(path, SafeFileNames.baseName(path.getFileName().toString()), size));
    } catch (IOException e) {
      return new Refused("Cannot read " + pathText + ": " + e.getMessage());
    }
  }

  /**
   * Starts counting {@code file} as in flight and returns its bytes as a stream; {@code ended} is
   * called (on a stream thread: tell the actor) when the stream has ended, with its failure if
   * any.
   */
  Source<ByteString, NotUsed> start(Checked file, java.util.function.BiConsumer<Upload, Throwable> ended) {
    Upload upload = new Upload(file.fileName(), file.size());
    inFlight.add(upload);
    return FileIO.fromPath(file.path(), chunkSize)
        .map(upload::count)
        .watchTermination(
            (io, done) -> {
              done.whenComplete((d, failure) -> ended.accept(upload, failure));
              return NotUsed.getInstance();
            });
  }

  /** The stream of {@code upload} ended: the line for the user. */
  String finished(Upload upload, Throwable failure) {
    inFlight.remove(upload);
    if (failure == null) {
      Duration took = Duration.ofNanos(System.nanoTime() - upload.startNanos);
      return "Sent " + upload.fileName + " (" + Sizes.human(upload.size) + ") " + Progress.summary(upload.size, took) + ".";
    }
    return "Sending " + upload.fileName + " failed: " + Failures.rootMessage(failure);
  }

  /** The progress lines of the files being sent. */
  void progress(List<String> lines, long nowNanos) {
    for (Upload u : inFlight) {
      long sent = u.sent.get();
      Duration elapsed = sent == 0 ? Duration.ZERO : Duration.ofNanos(nowNanos - u.startNanos);
      lines.add(Progress.line("\u2191", u.fileName, sent, u.size, elapsed));
    }
  }

  /** How many files are being sent (one progress line each). */
  int inFlight() {
    return inFlight.size();
  }

  private static String expandHome(String path) {
    if (path.equals("~") || path.startsWith("~/")) {
      return System.getProperty("user.home") + path.substring(1);
    }
    return path;
  }
}
