package pekkochat.history;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retention by age ({@code max-age}): every {@code age-check-interval}, and at start-up, the
 * journal rows of rooms older than that are deleted, but only those a snapshot already covers,
 * so a room's recovery (its snapshot, then the events after it) never misses anything it needs.
 *
 * <p>Pekko Persistence typed deletes events only along with snapshots (retention by count, see
 * {@code RoomLog}); age needs a statement of its own. It runs on the journal's documented tables
 * ({@code event_journal}, {@code snapshot}), quoted as pekko-persistence-jdbc's H2 and PostgreSQL
 * schemas name them, on the blocking dispatcher. What is not deleted yet is not shown either: rooms
 * filter lines past {@code max-age} from memory and from pages ({@link HistorySettings#oldestShown}).
 */
public final class AgeRetention {

  private static final Logger log = LoggerFactory.getLogger(AgeRetention.class);

  static final String DELETE =
      "DELETE FROM \"event_journal\" WHERE \"persistence_id\" LIKE 'room|%' AND \"write_timestamp\" < ?"
          + " AND \"sequence_number\" < (SELECT COALESCE(MAX(s.\"sequence_number\"), 0) FROM \"snapshot\" s"
          + " WHERE s.\"persistence_id\" = \"event_journal\".\"persistence_id\")";

  private AgeRetention() {}

  /** Schedules the deletion on {@code system}, if {@code max-age} is set. */
  public static void start(ActorSystem<?> system, HistorySettings settings) {
    if (!settings.enabled() || settings.maxAge().isZero()) {
      return;
    }
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    Runnable sweep = () -> sweep(settings, blocking);
    system.scheduler().scheduleWithFixedDelay(java.time.Duration.ZERO, settings.ageCheckInterval(), sweep, system.executionContext());
  }

  /** Deletes what is past {@code max-age} now; completes with the rows deleted. */
  public static CompletionStage<Integer> sweep(HistorySettings settings, Executor blocking) {
    return CompletableFuture.supplyAsync(() -> {
      long cutoff = System.currentTimeMillis() - settings.maxAge().toMillis();
      try (Connection c = connect(settings); PreparedStatement st = c.prepareStatement(DELETE)) {
        st.setLong(1, cutoff);
        int deleted = st.executeUpdate();
        if (deleted > 0) {
          log.info("Retention: deleted {} stored event(s) older than {}", deleted, settings.maxAge());
        }
        return deleted;
      } catch (SQLException e) {
        log.warn("Retention by age could not delete old events: {}", e.getMessage());
        return 0;
      }
    }, blocking);
  }

  private static Connection connect(HistorySettings settings) throws SQLException {
    if (settings.store() == HistorySettings.Store.H2) {
      return DriverManager.getConnection(HistoryStore.h2Url(settings.dataDirectory()), "sa", "");
    }
    HistorySettings.Postgres pg = settings.postgres();
    return DriverManager.getConnection(pg.url(), pg.user(), pg.password());
  }
}
