package pekkochat.testing;

import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.Config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import java.util.HashMap;
import java.util.Map;
import pekkochat.config.ClientSettings;
import pekkochat.config.ConfigLoader;
import pekkochat.server.ChatServer;

/**
 * Starts real servers on a free loopback port with a private spool directory and a history store
 * of their own (H2, or PostgreSQL in the {@code postgres} profile: {@link TestStore}).
 */
public final class Servers {

  private Servers() {}

  /** The project's configuration with {@code overrides} (HOCON keys to values) on top. */
  public static Config config(Map<String, Object> overrides) {
    return ConfigLoader.load(null, overrides);
  }

  public static ChatServer start(Path spool, Map<String, Object> overrides) throws ChatServer.StartFailed {
    Map<String, Object> all = new HashMap<>();
    all.put("pekko-chat.server.host", "127.0.0.1");
    all.put("pekko-chat.server.port", 0);
    all.put("pekko-chat.server.spool-directory", spool.toString());
    // Each spool directory its own history store (a test that restarts a server on the same
    // store passes the same spool directory).
    all.put("pekko-chat.history.data-directory", historyDirectory(spool).toString());
    // ... or, in the postgres profile, a PostgreSQL database of its own (TestStore).
    all.putAll(TestStore.settingsFor(spool));
    all.put("pekko-chat.server.shutdown-grace", "1s");
    // Tests open many connections from 127.0.0.1 at once; the rate limit has its own test.
    all.put("pekko-chat.server.new-connections-per-address.burst", 100_000);
    all.putAll(overrides);
    return ChatServer.start(config(all));
  }

  private static final Map<Path, Path> HISTORY = new java.util.concurrent.ConcurrentHashMap<>();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> HISTORY.values().forEach(Servers::deleteTree), "delete-test-history"));
  }

  /**
   * The history store of servers on {@code spool}: a temporary directory of its own (not inside
   * the spool, which tests inspect and replace), deleted when the tests' JVM ends.
   */
  public static Path historyDirectory(Path spool) {
    return HISTORY.computeIfAbsent(spool.toAbsolutePath().normalize(), s -> {
      try {
        return Files.createTempDirectory("pekko-chat-test-history-");
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort, at exit
    }
  }

  public static ChatServer start(Path spool) throws ChatServer.StartFailed {
    return start(spool, Map.of());
  }

  public static ClientSettings clientSettings(Path downloads) {
    return ClientSettings.fromConfig(config(Map.of())).withDownloadDirectory(downloads);
  }

  public static Config clientConfig() {
    return config(Map.of());
  }

  /** Bytes the server's spool has reserved for files in transit. */
  public static long spoolReserved(ChatServer server) {
    return server.spool().reserved();
  }

  /** Waits up to 5 s for {@code spool} to hold no spool files (they are deleted asynchronously). */
  public static void assertSpoolEmptySoon(Path spool) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (true) {
      List<Path> left;
      try (Stream<Path> files = Files.list(spool)) {
        left = files.filter(p -> p.toString().endsWith(".spool")).toList();
      }
      if (left.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        fail("spool files left behind: " + left);
      }
      Thread.sleep(50);
    }
  }
}
