package pekkochat.testing;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Which history store the test servers use: embedded H2 (the default), or a real PostgreSQL when
 * the {@code postgres} Maven profile says so. Read from system properties, else from the
 * environment {@code scripts/dev-postgres start} prints:
 *
 * <ul>
 *   <li>{@code pekkochat.test.store} ({@code PEKKOCHAT_TEST_STORE}): {@code h2} or {@code postgres};
 *   <li>{@code pekkochat.test.postgres.url} ({@code PEKKOCHAT_TEST_POSTGRES_URL}): a JDBC URL of a
 *       database the user can connect to to create others, such as {@code postgres};
 *   <li>{@code ...user}, {@code ...password} ({@code PEKKOCHAT_TEST_POSTGRES_USER}, {@code
 *       _PASSWORD}): a role with {@code CREATEDB}.
 * </ul>
 *
 * <p>On PostgreSQL each spool directory gets a fresh database of its own, so tests stay isolated
 * as they are with H2's directory per spool, and a server restarted on the same spool finds its
 * history. The databases are dropped when the tests' JVM ends.
 */
public final class TestStore {

  private static final String STORE = setting("pekkochat.test.store", "PEKKOCHAT_TEST_STORE", "h2").toLowerCase(Locale.ROOT);

  private static final Map<Path, String> DATABASES = new ConcurrentHashMap<>();
  private static final AtomicInteger NEXT = new AtomicInteger();

  static {
    if (postgres()) {
      Runtime.getRuntime().addShutdownHook(new Thread(TestStore::dropAll, "drop-test-databases"));
    }
  }

  private TestStore() {}

  /** Whether the test servers store history on PostgreSQL. */
  public static boolean postgres() {
    return STORE.equals("postgres");
  }

  /** The admin JDBC URL (not a test database's). */
  public static String adminUrl() {
    return setting("pekkochat.test.postgres.url", "PEKKOCHAT_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/postgres");
  }

  public static String user() {
    return setting("pekkochat.test.postgres.user", "PEKKOCHAT_TEST_POSTGRES_USER", "pekkochat");
  }

  public static String password() {
    return setting("pekkochat.test.postgres.password", "PEKKOCHAT_TEST_POSTGRES_PASSWORD", "");
  }

  /**
   * The config keys that put a server on {@code spool}'s store: nothing for H2 (Servers gives it a
   * directory), or the store and a database of its own for PostgreSQL.
   */
  static Map<String, Object> settingsFor(Path spool) {
    Map<String, Object> keys = new HashMap<>();
    if (postgres()) {
      String database = DATABASES.computeIfAbsent(spool.toAbsolutePath().normalize(), s -> createDatabase());
      keys.put("pekko-chat.history.store", "postgres");
      keys.put("pekko-chat.history.postgres.url", urlOf(database));
      keys.put("pekko-chat.history.postgres.user", user());
      keys.put("pekko-chat.history.postgres.password", password());
    }
    return keys;
  }

  /** The JDBC URL of the PostgreSQL database of servers on {@code spool} (made when missing). */
  public static String jdbcUrl(Path spool) {
    return (String) settingsFor(spool).get("pekko-chat.history.postgres.url");
  }

  /** {@link #adminUrl()} with its database replaced by {@code database}. */
  public static String urlOf(String database) {
    String url = adminUrl();
    int query = url.indexOf('?');
    String base = query < 0 ? url : url.substring(0, query);
    String params = query < 0 ? "" : url.substring(query);
    int slash = base.lastIndexOf('/');
    if (slash < "jdbc:postgresql://".length()) {
      throw new IllegalArgumentException("not a JDBC URL with a database: " + url);
    }
    return base.substring(0, slash + 1) + database + params;
  }

  private static String createDatabase() {
    String name = "pekkochat_test_" + ProcessHandle.current().pid() + "_" + NEXT.incrementAndGet();
    admin("CREATE DATABASE " + name);
    return name;
  }

  private static void dropAll() {
    for (String name : List.copyOf(DATABASES.values())) {
      try {
        admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
      } catch (RuntimeException ignored) {
        // best effort, at exit: the cluster is a throwaway one
      }
    }
  }

  private static void admin(String sql) {
    try (Connection c = DriverManager.getConnection(adminUrl(), user(), password());
        Statement st = c.createStatement()) {
      st.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "test store: " + sql + " on " + adminUrl() + " failed (is scripts/dev-postgres started?): " + e.getMessage(), e);
    }
  }

  private static String setting(String property, String env, String fallback) {
    String v = System.getProperty(property);
    if (v == null || v.isBlank()) {
      v = System.getenv(env);
    }
    return v == null || v.isBlank() ? fallback : v;
  }

  /** Rows of {@code persistenceId} in the journal of the test store of {@code spool} (not deleted ones). */
  public static long journalRows(Path spool, String persistenceId) throws java.sql.SQLException {
    try (java.sql.Connection c = postgres()
            ? java.sql.DriverManager.getConnection(jdbcUrl(spool), user(), password())
            : java.sql.DriverManager.getConnection(
                pekkochat.history.HistoryStore.h2Url(Servers.historyDirectory(spool)), "sa", "");
        java.sql.PreparedStatement st =
            c.prepareStatement("SELECT COUNT(*) FROM \"event_journal\" WHERE \"persistence_id\" = ? AND NOT \"deleted\"")) {
      st.setString(1, persistenceId);
      try (java.sql.ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }
}
