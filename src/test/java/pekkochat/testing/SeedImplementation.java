package pekkochat.testing;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Which seed system an interop test runs against: the ORIGINAL, unmodified, when {@link
 * SeedOriginal} finds it (CI has it), else the RECONSTRUCTION in {@code src/test/python/seed}.
 * {@code -Dseed.implementation=reconstruction} (or {@code original}, or {@code both}) overrides.
 */
public enum SeedImplementation {
  ORIGINAL,
  RECONSTRUCTION;

  public static final String PROPERTY = "seed.implementation";

  /** The implementations the interop tests run against, normally exactly one. */
  public static List<SeedImplementation> forTests() {
    String chosen = System.getProperty(PROPERTY, "").trim().toLowerCase(Locale.ROOT);
    return switch (chosen) {
      case "" -> List.of(SeedOriginal.locate().isPresent() ? ORIGINAL : RECONSTRUCTION);
      case "original" -> List.of(ORIGINAL);
      case "reconstruction" -> List.of(RECONSTRUCTION);
      case "both" -> List.of(ORIGINAL, RECONSTRUCTION);
      default -> throw new IllegalArgumentException("-D" + PROPERTY + "=" + chosen + ": original, reconstruction or both");
    };
  }

  /** The folder its scripts are in. */
  public Path directory() {
    return switch (this) {
      case ORIGINAL ->
          SeedOriginal.locate()
              .orElseThrow(() -> new IllegalStateException("the original seed system is not beside the project (see SeedOriginal)"));
      case RECONSTRUCTION -> SeedOriginal.projectRoot().resolve("src/test/python/seed");
    };
  }

  /** Its server, listening on {@code host:port}. */
  public List<String> serverCommand(String host, int port) {
    String script = this == ORIGINAL ? "run_server.py" : "seed_server.py";
    return List.of("python3", "-u", directory().resolve(script).toString(), "--host", host, "--port", String.valueOf(port));
  }

  /** Its client, joining as {@code name}. */
  public List<String> clientCommand(String host, int port, String name) {
    String script = this == ORIGINAL ? "run_client.py" : "seed_client.py";
    return List.of("python3", "-u", directory().resolve(script).toString(), host, "-p", String.valueOf(port), "-u", name);
  }
}
