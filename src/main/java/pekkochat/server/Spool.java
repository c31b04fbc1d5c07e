package pekkochat.server;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
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

  private Spool(Path directory) {
    this.directory = directory;
  }

  /** Creates the directory if needed and removes leftovers of earlier runs. */
  static Spool open(Path directory) throws IOException {
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
    return new Spool(directory);
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
