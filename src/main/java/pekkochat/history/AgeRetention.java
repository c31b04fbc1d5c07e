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
 *
 * <p>Private conversations ({@code pm|<key>|<key>}) have a {@code max-age} of their own ({@code
 * pekko-chat.private.max-age}), swept on the same interval. There every line past it is deleted,
 * snapshot or not: a conversation's state is only its last line's number, which its log takes from
 * the journal's sequence number, and recovery finds that in what is left or in the snapshot (a
 * conversation whose every line went, with no snapshot, starts again at #1).
 */
public final class AgeRetention {

  private static final Logger log = LoggerFactory.getLogger(AgeRetention.class);

  static final String DELETE =
      "DELETE FROM \"event_journal\" WHERE \"persistence_id\" LIKE 'room|%' AND \"write_timestamp\" < ?"
          + " AND \"sequence_number\" < (SELECT COALESCE(MAX(s.\"sequence_number\"), 0) FROM \"snapshot\" s"
          + " WHERE s.\"persistence_id\" = \"event_journal\".\"persistence_id\")";

  static final String DELETE_PRIVATE =
      "DELETE FROM \"event_journal\" WHERE \"persistence_id\" LIKE 'pm|%' AND \"write_timestamp\" < ?";

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

  /**
   * Schedules the deletion of private lines older than {@code maxAge} (the private messages'
   * own), if it is set, every {@code age-check-interval} and at start-up.
   */
  public static void startPrivate(ActorSystem<?> system, HistorySettings settings, java.time.Duration maxAge) {
    if (!settings.enabled() || maxAge.isZero()) {
      return;
    }
    Executor blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    Runnable sweep = () -> sweepPrivate(settings, maxAge, blocking);
    system.scheduler().scheduleWithFixedDelay(java.time.Duration.ZERO, settings.ageCheckInterval(), sweep, system.executionContext());
  }

  /** Deletes what is past {@code max-age} now; completes with the rows deleted. */
  public static CompletionStage<Integer> sweep(HistorySettings settings, Executor blocking) {
    return delete(settings, DELETE, settings.maxAge(), "stored event(s)", blocking);
  }

  /** Deletes the private lines older than {@code maxAge} now; completes with the rows deleted. */
  public static CompletionStage<Integer> sweepPrivate(HistorySettings settings, java.time.Duration maxAge, Executor blocking) {
    return delete(settings, DELETE_PRIVATE, maxAge, "private line(s)", blocking);
  }

  private static CompletionStage<Integer> delete(
      HistorySettings settings, String statement, java.time.Duration maxAge, String what, Executor blocking) {
    return CompletableFuture.supplyAsync(() -> {
      long cutoff = System.currentTimeMillis() - maxAge.toMillis();
      try (Connection c = connect(settings); PreparedStatement st = c.prepareStatement(statement)) {
        st.setLong(1, cutoff);
        int deleted = st.executeUpdate();
        if (deleted > 0) {
          log.info("Retention: deleted {} {} older than {}", deleted, what, maxAge);
        }
        return deleted;
      } catch (SQLException e) {
        log.warn("Retention by age could not delete old {}: {}", what, e.getMessage());
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
