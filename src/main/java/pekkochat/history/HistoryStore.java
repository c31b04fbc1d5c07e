package pekkochat.history;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The store behind durable history: Pekko Persistence's journal and snapshot store on
 * pekko-persistence-jdbc, over an embedded H2 file database under the data directory (the
 * default: nothing to install) or PostgreSQL. {@link #persistenceConfig} is what the actor
 * system is started with; {@link #prepare} makes the data directory before it starts.
 *
 * <p>H2 is opened with {@code WRITE_DELAY=0}: by default it commits to its file up to 500 ms
 * after a transaction ends, and a line acknowledged as stored must survive a {@code kill -9}.
 */
public final class HistoryStore {

  /** The H2 database's file name in the data directory (H2 adds {@code .mv.db}). */
  static final String H2_NAME = "pekko-chat";

  private HistoryStore() {}

  /** The JDBC URL of the embedded store in {@code dataDirectory}. */
  public static String h2Url(Path dataDirectory) {
    // WRITE_DELAY=0: a commit is in the file when it returns. DB_CLOSE_ON_EXIT=FALSE: the actor
    // system closes the database after its last write, not H2's own shutdown hook before it.
    return "jdbc:h2:file:" + dataDirectory.resolve(H2_NAME) + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE";
  }

  /** Creates the data directory (for H2), with a one-line reason when it cannot. */
  public static void prepare(HistorySettings settings) throws IOException {
    if (settings.enabled() && settings.store() == HistorySettings.Store.H2) {
      Path dir = settings.dataDirectory();
      try {
        Files.createDirectories(dir);
      } catch (IOException e) {
        throw new IOException("cannot use data directory " + dir + ": " + e.getMessage(), e);
      }
      if (!Files.isWritable(dir)) {
        throw new IOException("cannot use data directory " + dir + ": it is not writable");
      }
    }
  }

  /**
   * The persistence plugins' configuration for {@code settings}, to lay over the server's config.
   * With history off it is empty: no journal is ever started.
   */
  public static Config persistenceConfig(HistorySettings settings) {
    if (!settings.enabled()) {
      return ConfigFactory.empty();
    }
    Map<String, Object> db = new HashMap<>();
    db.put("connectionPool", "HikariCP");
    String profile;
    int pool;
    if (settings.store() == HistorySettings.Store.H2) {
      profile = "slick.jdbc.H2Profile$";
      db.put("url", h2Url(settings.dataDirectory()));
      db.put("driver", "org.h2.Driver");
      db.put("user", "sa");
      db.put("password", "");
      pool = 4; // H2 writes one transaction at a time; a few connections let reads go alongside
    } else {
      profile = "slick.jdbc.PostgresProfile$";
      HistorySettings.Postgres pg = settings.postgres();
      db.put("url", pg.url());
      db.put("driver", "org.postgresql.Driver");
      db.put("user", pg.user());
      db.put("password", pg.password());
      pool = Math.max(1, pg.poolSize());
    }
    db.put("numThreads", pool);
    db.put("maxConnections", pool);
    db.put("minConnections", 1);
    db.put("connectionTimeout", 5000);
    Config slick =
        ConfigFactory.empty()
            .withValue("profile", ConfigValueFactory.fromAnyRef(profile))
            .withValue("db", ConfigValueFactory.fromMap(db));
    return ConfigFactory.parseString(
            """
            pekko.persistence {
              journal.plugin = "jdbc-journal"
              snapshot-store.plugin = "jdbc-snapshot-store"
            }
            jdbc-journal.use-shared-db = "history"
            jdbc-snapshot-store.use-shared-db = "history"
            jdbc-read-journal.use-shared-db = "history"
            """)
        .withValue("pekko-persistence-jdbc.shared-databases.history", slick.root());
  }

  /** A one-line reason why the store could not be opened, with what to do about it. */
  public static String openFailure(HistorySettings settings, Throwable cause) {
    String why = pekkochat.Failures.rootMessage(cause);
    if (settings.store() == HistorySettings.Store.H2) {
      String where = settings.dataDirectory().toString();
      if (why != null && (why.contains("locked") || why.contains("already in use"))) {
        return "cannot open the history store in " + where
            + ": another server is using it (give this one its own --data-dir)";
      }
      return "cannot open the history store in " + where + ": " + why;
    }
    return "cannot open the history store at " + settings.postgres().url() + ": " + why
        + " (is PostgreSQL running, and the user and password right? docs/HISTORY.md)";
  }

  /**
   * Opens the embedded store on a thread of its own, to overlap what that costs (class loading,
   * reading the file) with the rest of the start-up; nothing for PostgreSQL or with history off.
   */
  public static java.util.concurrent.CompletableFuture<java.sql.Connection> openEarly(HistorySettings settings) {
    if (!settings.enabled() || settings.store() != HistorySettings.Store.H2) {
      return java.util.concurrent.CompletableFuture.completedFuture(null);
    }
    java.util.concurrent.CompletableFuture<java.sql.Connection> opened = new java.util.concurrent.CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        opened.complete(java.sql.DriverManager.getConnection(h2Url(settings.dataDirectory()), "sa", ""));
      } catch (java.sql.SQLException e) {
        opened.complete(null); // the pool reports it, in its own words, when it opens
      }
    }, "history-store-warm-up");
    t.setDaemon(true);
    t.start();
    return opened;
  }

  /** Closes what {@link #openEarly} opened, once it has. */
  public static void closeQuietly(java.util.concurrent.CompletableFuture<java.sql.Connection> early) {
    early.thenAccept(c -> {
      if (c != null) {
        try {
          c.close();
        } catch (java.sql.SQLException ignored) {
          // the pool's own connections keep the database open
        }
      }
    });
  }
}
