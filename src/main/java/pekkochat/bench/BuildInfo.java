package pekkochat.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Which server build the numbers belong to: the git commit, whether src/main differs from it,
 * and when the server's classes were compiled ("git a88ffd5, classes 2026-11-23 20:43:20Z").
 */
final class BuildInfo {

  private BuildInfo() {}

  static String describe(Path home) {
    String commit = git(home, "rev-parse", "--short", "HEAD").orElse("?");
    String dirty = git(home, "status", "--porcelain", "--untracked-files=no", "--", "src/main", "pom.xml")
        .map(s -> s.isBlank() ? "" : "+uncommitted").orElse("");
    return "git " + commit + dirty + ", classes " + newestServerClass(home);
  }

  private static String newestServerClass(Path home) {
    Path classes = home.resolve("target/classes/pekkochat");
    try (Stream<Path> s = Files.walk(classes)) {
      return s.filter(p -> p.toString().endsWith(".class"))
          .filter(p -> !p.startsWith(classes.resolve("bench")))
          .map(BuildInfo::mtime)
          .max(FileTime::compareTo)
          .map(t -> DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'")
              .format(t.toInstant().atOffset(ZoneOffset.UTC)))
          .orElse("?");
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }

  private static FileTime mtime(Path p) {
    try {
      return Files.getLastModifiedTime(p);
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }

  private static Optional<String> git(Path home, String... args) {
    String[] command = new String[args.length + 3];
    command[0] = "git";
    command[1] = "-C";
    command[2] = home.toString();
    System.arraycopy(args, 0, command, 3, args.length);
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return Optional.empty();
      }
      return Optional.of(new String(out, StandardCharsets.UTF_8).trim());
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}
