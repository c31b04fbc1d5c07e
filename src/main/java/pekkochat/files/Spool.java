package pekkochat.files;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file service: the directory where files in transit are kept between arrival and delivery,
 * their quota, and the one place that knows a file by its id. Rooms and their events carry only
 * the id; a recipient's session {@link #acquire acquires} the file by id when it is told of it.
 * Files are named {@code <id>.spool}; whatever such files a previous run left behind (a crash, a
 * kill -9) is deleted at start-up.
 *
 * <p>Room for a file is reserved when its upload begins, for its whole announced size. The free
 * space check counts what is reserved but not yet written, so uploads that have only announced
 * their size cannot together promise more of the disk than there is.
 */
public final class Spool {

  private static final Logger log = LoggerFactory.getLogger(Spool.class);
  private static final String SUFFIX = ".spool";

  private final Path directory;
  private final long maxBytes;
  private final long minFreeBytes;
  private final Executor blockingIo;
  private final Map<String, SpoolFile> files = new ConcurrentHashMap<>();
  private long reserved;
  private long written;

  private Spool(Path directory, long maxBytes, long minFreeBytes, Executor blockingIo) {
    this.directory = directory;
    this.maxBytes = maxBytes;
    this.minFreeBytes = minFreeBytes;
    this.blockingIo = blockingIo;
  }

  /** A spool without quota that deletes on the calling thread, for tests. */
  public static Spool open(Path directory) throws IOException {
    return open(directory, Long.MAX_VALUE, 0, Runnable::run);
  }

  /**
   * Creates the directory if needed and removes leftovers of earlier runs.
   *
   * @param maxBytes most bytes of files in transit at once
   * @param minFreeBytes free disk space to leave untouched
   * @param blockingIo where files are deleted (Pekko's blocking-I/O dispatcher), never on the
   *     actor that lets go of a file
   */
  public static Spool open(Path directory, long maxBytes, long minFreeBytes, Executor blockingIo) throws IOException {
    Files.createDirectories(directory);
    int removed = 0;
    try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(directory, "*" + SUFFIX)) {
      for (Path p : leftovers) {
        Files.deleteIfExists(p);
        removed++;
      }
    }
    if (removed > 0) {
      log.info("Removed {} leftover spool file(s) from {}", removed, directory);
    }
    return new Spool(directory, maxBytes, minFreeBytes, blockingIo);
  }

  /**
   * Reserves room for a file of {@code size} bytes and names its spool file, or says why there is
   * no room (the quota of files in transit, or the free space of the disk once every reservation
   * not yet written is counted).
   */
  public synchronized Reservation reserve(long size) {
    if (reserved + size > maxBytes) {
      return new Reservation(null, "the server's file storage is full");
    }
    long usable;
    try {
      usable = Files.getFileStore(directory).getUsableSpace();
    } catch (IOException e) {
      return new Reservation(null, "the server cannot store files right now");
    }
    long promised = reserved - written; // reserved for uploads, not yet on the disk
    if (usable - promised - size < minFreeBytes) {
      return new Reservation(null, "the server's disk is nearly full");
    }
    reserved += size;
    String id = UUID.randomUUID().toString();
    SpoolFile file = new SpoolFile(this, id, directory.resolve(id + SUFFIX), size);
    files.put(id, file);
    return new Reservation(file, null);
  }

  /** A granted reservation holds a file; a refused one says why. */
  public record Reservation(SpoolFile file, String refusal) {}

  /** The file {@code id}, held for the caller until it calls {@link SpoolFile#release}; empty if gone. */
  public Optional<SpoolFile> acquire(String id) {
    SpoolFile file = files.get(id);
    return file != null && file.acquire() ? Optional.of(file) : Optional.empty();
  }

  /** The file {@code id} if it is still here, without taking hold of it. */
  public Optional<SpoolFile> find(String id) {
    return Optional.ofNullable(files.get(id));
  }

  synchronized void written(long bytes) {
    written += bytes;
  }

  /** Returns a spool file's reservation and deletes it (on the blocking-I/O executor). */
  synchronized void remove(SpoolFile file) {
    files.remove(file.id());
    reserved -= file.size();
    written -= file.committed();
    blockingIo.execute(() -> delete(file.path()));
  }

  public synchronized long reserved() {
    return reserved;
  }

  /** Bytes reserved but not yet written: what the free-space check counts as already used. */
  public synchronized long promised() {
    return reserved - written;
  }

  public Path directory() {
    return directory;
  }

  static void delete(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.warn("Could not delete spool file {}: {}", file, e.toString());
    }
  }
}
