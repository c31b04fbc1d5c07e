package pekkochat.history;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Durable history's settings, read once from {@code pekko-chat.history} (reference.conf explains
 * each).
 *
 * @param enabled whether rooms store their events at all
 * @param dataDirectory where the embedded store keeps its files (absolute)
 * @param store {@code h2} or {@code postgres}
 * @param replayOnJoin lines an extended client gets from a room's history when it enters it
 * @param maxPage most lines one history request returns
 * @param keepInMemory events each room keeps in memory for replay
 * @param snapshotEvery events between a room's snapshots
 * @param maxEventsPerRoom retention by count (0: none)
 * @param maxAge retention by age (zero: none)
 * @param ageCheckInterval how often events past {@code maxAge} are deleted
 * @param maxStoreSize the store's quota in bytes
 * @param maxBatch most events per write
 * @param maxPending most events a room holds waiting for the store
 * @param writeTimeout how long a write may take before its lines are refused
 */
public record HistorySettings(
    boolean enabled,
    Path dataDirectory,
    Store store,
    Postgres postgres,
    int replayOnJoin,
    int maxPage,
    int keepInMemory,
    int snapshotEvery,
    long maxEventsPerRoom,
    Duration maxAge,
    Duration ageCheckInterval,
    long maxStoreSize,
    int maxBatch,
    int maxPending,
    Duration writeTimeout) {

  /** Which database holds the journal and snapshots. */
  public enum Store {
    H2,
    POSTGRES
  }

  /** {@code pekko-chat.history.postgres}. The password is never shown. */
  public record Postgres(String url, String user, String password, int poolSize) {
    @Override
    public String toString() {
      return "Postgres[url=" + url + ", user=" + user + ", password=***, poolSize=" + poolSize + "]";
    }
  }

  /** History off: rooms forget everything (the original server's behaviour). */
  public static HistorySettings off() {
    return new HistorySettings(false, Path.of("data").toAbsolutePath(), Store.H2, new Postgres("", "", "", 1), 0, 500, 1, 1000, 0,
        Duration.ZERO, Duration.ofHours(1), Long.MAX_VALUE, 1000, 20000, Duration.ofSeconds(10));
  }

  public static HistorySettings fromConfig(Config config) {
    Config c = config.getConfig("pekko-chat.history");
    String store = c.getString("store").trim().toLowerCase(java.util.Locale.ROOT);
    Store kind =
        switch (store) {
          case "h2" -> Store.H2;
          case "postgres", "postgresql" -> Store.POSTGRES;
          default -> throw new IllegalArgumentException(
              "pekko-chat.history.store: '" + store + "' is not a store (h2 or postgres)");
        };
    Config pg = c.getConfig("postgres");
    return new HistorySettings(
        c.getBoolean("enabled"),
        Path.of(c.getString("data-directory")).toAbsolutePath().normalize(),
        kind,
        new Postgres(pg.getString("url"), pg.getString("user"), pg.getString("password"), pg.getInt("pool-size")),
        atLeast(c, "replay-on-join", 0),
        atLeast(c, "max-page", 1),
        atLeast(c, "keep-in-memory", 1),
        atLeast(c, "snapshot-every", 1),
        Math.max(0, c.getLong("max-events-per-room")),
        c.getDuration("max-age"),
        c.getDuration("age-check-interval"),
        c.getBytes("max-store-size"),
        atLeast(c, "max-batch", 1),
        atLeast(c, "max-pending", 1),
        c.getDuration("write-timeout"));
  }

  private static int atLeast(Config c, String key, int min) {
    int v = c.getInt(key);
    if (v < min) {
      throw new IllegalArgumentException("pekko-chat.history." + key + ": " + v + " is below " + min);
    }
    return v;
  }

  /** The oldest time (ms since the epoch) a line may have to be shown now: 0 with no max-age. */
  public long oldestShown() {
    return maxAge.isZero() ? 0 : System.currentTimeMillis() - maxAge.toMillis();
  }
}
