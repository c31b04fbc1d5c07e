package pekkochat.history;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import pekkochat.files.Sizes;

/**
 * How much the history store holds, measured once at start and then every few seconds off the actors (the H2 file's
 * size, or PostgreSQL's database size), against {@code max-store-size}. Rooms read {@link #full}
 * before taking a line: over the quota a line is refused with an ERROR rather than half-stored.
 * Shared by every room; a value read from any thread.
 */
public class StoreUsage {

  /** No store (history off): never full. */
  public static final StoreUsage NONE = new StoreUsage(Long.MAX_VALUE);

  static final Duration INTERVAL = Duration.ofSeconds(2);

  private static final Logger log = LoggerFactory.getLogger(StoreUsage.class);

  private final long max;
  private volatile long used;

  StoreUsage(long max) {
    this.max = max;
  }

  /** Starts measuring the store of {@code settings} on {@code system}'s blocking dispatcher. */
  public static StoreUsage start(ActorSystem<?> system, HistorySettings settings) {
    if (!settings.enabled()) {
      return NONE;
    }
    StoreUsage usage = new StoreUsage(settings.maxStoreSize());
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    Runnable measure = () -> blocking.execute(() -> usage.measure(settings));
    // Known before the first line: a file's size costs nothing, PostgreSQL's one query at start-up
    // (the store has just answered the schema's creation).
    usage.measure(settings);
    system.scheduler().scheduleWithFixedDelay(INTERVAL, INTERVAL, measure, system.executionContext());
    return usage;
  }

  public boolean full() {
    return used >= max;
  }

  /** "1.2 GiB of 4.0 GiB", for the ERROR a refused line gets. */
  public String describe() {
    return Sizes.human(used) + " of " + Sizes.human(max) + " used";
  }

  /** For tests and the quota's own measurement. */
  void used(long bytes) {
    used = bytes;
  }

  private void measure(HistorySettings settings) {
    try {
      used(settings.store() == HistorySettings.Store.H2 ? h2Size(settings.dataDirectory()) : postgresSize(settings.postgres()));
    } catch (Exception e) {
      log.warn("Could not measure the history store: {}", e.toString());
    }
  }

  private static long h2Size(Path dir) throws IOException {
    long total = 0;
    try (var files = Files.list(dir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (p.getFileName().toString().startsWith(HistoryStore.H2_NAME)) {
          total += Files.size(p);
        }
      }
    }
    return total;
  }

  private static long postgresSize(HistorySettings.Postgres pg) throws Exception {
    try (Connection c = DriverManager.getConnection(pg.url(), pg.user(), pg.password());
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT pg_database_size(current_database())")) {
      return rs.next() ? rs.getLong(1) : 0;
    }
  }
}
