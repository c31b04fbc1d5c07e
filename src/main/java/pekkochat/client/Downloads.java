package pekkochat.client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.Done;
import pekkochat.Failures;
import pekkochat.files.ChunkWriter;
import pekkochat.files.SafeFileNames;
import pekkochat.files.Sizes;
import pekkochat.protocol.Frames;
import pekkochat.protocol.Message;

/**
 * Files the server relays to the client (the FILE frame): each is streamed to a {@code .part} file
 * under the download directory and renamed to a free name when complete; a failed one is deleted
 * and the rest of its frame skipped. {@link FileDesk} (an actor) feeds it the frame's parts in order and
 * acknowledges each part once the stage returned here completes, so a file never piles up in
 * memory. {@code notify} gets the lines for the user, unstamped.
 */
final class Downloads {

  static final String PART = ".part";

  /**
   * The server's notice that a file it relayed was cut off and completed with zero bytes (see
   * {@code pekkochat.session.Session.incompleteNotice}): {@code sender::name}, bytes received, bytes announced.
   */
  private static final Pattern INCOMPLETE =
      Pattern.compile("^\\[Server\\] Incomplete file: (.+?)::(.+) was cut off after (\\d+) of (\\d+) bytes");

  /** A file being received; {@code writer} is null while the rest of a failed file is skipped. */
  private record Download(String sender, String fileName, long size, Path partFile, ChunkWriter writer, long startNanos) {}

  private final Path directory;
  private final Executor blockingIo;
  private final Consumer<String> notify;
  private Download current;
  /** Files saved lately, by "sender::name::size", so an incomplete-file notice can find its copy. */
  private final Map<String, Path> recent =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Path> eldest) {
          return size() > 32;
        }
      };

  Downloads(Path directory, Executor blockingIo, Consumer<String> notify) {
    this.directory = directory;
    this.blockingIo = blockingIo;
    this.notify = notify;
  }

  /** A FILE frame begins. */
  void start(Message.FileIncoming incoming) {
    try {
      Path part = SafeFileNames.createUnique(directory, incoming.fileName(), PART);
      current =
          new Download(
              incoming.sender(), incoming.fileName(), incoming.size(), part, ChunkWriter.open(part, blockingIo), System.nanoTime());
    } catch (IOException e) {
      notify.accept(
          "Cannot save " + Display.inline(incoming.fileName()) + " from " + Display.inline(incoming.sender()) + ": " + e.getMessage());
      current = new Download(incoming.sender(), incoming.fileName(), incoming.size(), null, null, 0);
    }
  }

  /**
   * Writes a slice of the current file; the part may be acknowledged when the stage completes,
   * after the actor has passed its outcome to {@link #written}.
   */
  CompletionStage<Done> write(Message.FileChunk chunk) {
    if (current == null || current.writer() == null) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    return current.writer().write(chunk.bytes());
  }

  /** A write started by {@link #write} finished (call from the actor, with its outcome). */
  void written(Throwable failure) {
    if (failure != null && current != null && current.writer() != null) {
      abandon(current, failure);
      // The rest of this frame is skipped: a null writer.
      current = new Download(current.sender(), current.fileName(), current.size(), null, null, 0);
    }
  }

  /**
   * The current FILE frame ended: closes its file. The part may be acknowledged when the stage
   * completes, after the actor has passed its outcome to {@link #closed}, which renames the file.
   */
  CompletionStage<Optional<Throwable>> end() {
    Download done = current;
    if (done == null || done.writer() == null) {
      current = null;
      return CompletableFuture.completedFuture(Optional.empty());
    }
    return done.writer().close().handle((io, failure) -> Optional.ofNullable(failure));
  }

  /** The close started by {@link #end} finished (call from the actor, with its outcome). */
  void closed(Optional<Throwable> failure) {
    Download done = current;
    current = null;
    if (done == null || done.writer() == null) {
      return;
    }
    if (failure.isPresent()) {
      abandon(done, failure.get());
    } else {
      complete(done);
    }
  }

  /** The progress line of the file being received, if any. */
  void progress(List<String> lines, long nowNanos) {
    if (current != null && current.writer() != null) {
      lines.add(
          Progress.line(
              "\u2193 " + current.sender() + ":",
              current.fileName(),
              current.writer().written(),
              current.size(),
              Duration.ofNanos(nowNanos - current.startNanos())));
    }
  }

  boolean active() {
    return current != null && current.writer() != null;
  }

  /** Whether {@code text} from the server is its notice that a relayed file was cut off ({@link #onServerText}). */
  static boolean isIncompleteNotice(String text) {
    return INCOMPLETE.matcher(text).find();
  }

  /** A relayed file was cut off: the copy saved from it holds zero bytes at its end, so delete it. */
  void onServerText(String text) {
    Matcher m = INCOMPLETE.matcher(text);
    if (!m.find()) {
      return;
    }
    Path copy = recent.remove(m.group(1) + Frames.SEPARATOR + m.group(2) + Frames.SEPARATOR + m.group(4));
    if (copy == null) {
      return;
    }
    try {
      Files.deleteIfExists(copy);
      notify.accept("Deleted the incomplete copy " + directory.resolve(copy.getFileName()) + ".");
    } catch (IOException e) {
      notify.accept("Could not delete the incomplete copy " + copy + ": " + e.getMessage());
    }
  }

  /** The client is stopping: a file still arriving is deleted. */
  void discardAll() {
    if (current != null && current.writer() != null) {
      current.writer().discard();
      notify.accept("Incomplete file " + Display.inline(current.fileName()) + " was discarded.");
    }
    current = null;
  }

  private void abandon(Download done, Throwable cause) {
    done.writer().discard();
    notify.accept(abandonedText(done, cause));
  }

  private static String abandonedText(Download d, Throwable cause) {
    return "Could not save " + Display.inline(d.fileName()) + " from " + Display.inline(d.sender()) + ": "
        + Failures.rootMessage(cause) + ". The partial file was deleted.";
  }

  /** Renames a finished {@code .part} file to its final, still unused, name; returns that. */
  static Path moveToFinalName(Path partFile) throws IOException {
    String partName = partFile.getFileName().toString();
    Path target = partFile.resolveSibling(partName.substring(0, partName.length() - PART.length()));
    if (Files.exists(target)) {
      // Another file took the name while this one was arriving: pick the next free one.
      target = SafeFileNames.createUnique(target.getParent(), target.getFileName().toString());
      Files.move(partFile, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } else {
      Files.move(partFile, target, StandardCopyOption.ATOMIC_MOVE);
    }
    return target;
  }

  /** Renames the finished {@code .part} file to its final, still unused, name. */
  private void complete(Download done) {
    Path target;
    try {
      target = moveToFinalName(done.partFile());
    } catch (IOException e) {
      notify.accept("Cannot finish saving " + Display.inline(done.fileName()) + ": " + e.getMessage());
      return;
    }
    recent.put(done.sender() + Frames.SEPARATOR + done.fileName() + Frames.SEPARATOR + done.size(), target);
    notify.accept(
        Display.inline(done.sender()) + " sent " + Display.inline(done.fileName()) + " (" + Sizes.human(done.size()) + "), saved to "
            + directory.resolve(target.getFileName()) + " ("
            + Progress.summary(done.size(), Duration.ofNanos(System.nanoTime() - done.startNanos())) + ")");
  }
}
