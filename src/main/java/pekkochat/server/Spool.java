package pekkochat.server;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directory where files in transit are kept between arrival and delivery. Files are named
 * {@code <uuid>.spool}; whatever such files a previous run left behind (a crash, a kill -9) is
 * deleted at start-up.
 */
final class Spool {

  private static final Logger log = LoggerFactory.getLogger(Spool.class);
  private static final String SUFFIX = ".spool";

  private final Path directory;
  private final long maxBytes;
  private final long minFreeBytes;
  private final Executor blockingIo;
  private long reserved;

  private Spool(Path directory, long maxBytes, long minFreeBytes, Executor blockingIo) {
    this.directory = directory;
    this.maxBytes = maxBytes;
    this.minFreeBytes = minFreeBytes;
    this.blockingIo = blockingIo;
  }

  /** A spool without quota that deletes on the calling thread, for tests. */
  static Spool open(Path directory) throws IOException {
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
  static Spool open(Path directory, long maxBytes, long minFreeBytes, Executor blockingIo) throws IOException {
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
   * no room (the quota of files in transit, or the free space of the disk).
   */
  synchronized Reservation reserve(long size) {
    if (reserved + size > maxBytes) {
      return new Reservation(null, "the server's file storage is full");
    }
    long usable;
    try {
      usable = Files.getFileStore(directory).getUsableSpace();
    } catch (IOException e) {
      return new Reservation(null, "the server cannot store files right now");
    }
    if (usable - size < minFreeBytes) {
      return new Reservation(null, "the server's disk is nearly full");
    }
    reserved += size;
    return new Reservation(new SpoolFile(this, newFile(), size), null);
  }

  /** A granted reservation holds a file; a refused one says why. */
  record Reservation(SpoolFile file, String refusal) {}

  /** Returns a spool file's reservation and deletes it (on the blocking-I/O executor). */
  synchronized void remove(SpoolFile file) {
    reserved -= file.size();
    blockingIo.execute(() -> delete(file.path()));
  }

  synchronized long reserved() {
    return reserved;
  }

  Path directory() {
    return directory;
  }

  /** A fresh path for one incoming file. */
  Path newFile() {
    return directory.resolve(UUID.randomUUID() + SUFFIX);
  }

  static void delete(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.warn("Could not delete spool file {}: {}", file, e.toString());
    }
  }
}
