package pekkochat.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the original seed system (run_server.py, run_client.py, pychat/) is: the system property
 * {@code seed.original} if set (it must then be the original's folder), else
 * {@code ../shared/seed-original} beside the project (CI: a fresh clone with {@code shared/} next
 * to it), else {@code /work/shared/seed-original}. Empty when none of them holds it.
 */
public final class SeedOriginal {

  public static final String PROPERTY = "seed.original";

  private SeedOriginal() {}

  public static Optional<Path> locate() {
    String given = System.getProperty(PROPERTY);
    if (given != null && !given.isBlank()) {
      Path dir = Path.of(given).toAbsolutePath().normalize();
      if (!isOriginal(dir)) {
        throw new IllegalStateException("-D" + PROPERTY + "=" + given + " holds no run_server.py and run_client.py");
      }
      return Optional.of(dir);
    }
    for (Path dir : new Path[] {projectRoot().resolve("../shared/seed-original").normalize(), Path.of("/work/shared/seed-original")}) {
      if (isOriginal(dir)) {
        return Optional.of(dir);
      }
    }
    return Optional.empty();
  }

  /** The project's root: Maven's {@code basedir} (Surefire sets it), else the working directory. */
  public static Path projectRoot() {
    return Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath().normalize();
  }

  private static boolean isOriginal(Path dir) {
    return Files.isRegularFile(dir.resolve("run_server.py"))
        && Files.isRegularFile(dir.resolve("run_client.py"))
        && Files.isDirectory(dir.resolve("pychat"));
  }
}
