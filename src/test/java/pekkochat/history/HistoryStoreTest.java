package pekkochat.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pekkochat.server.ChatServer;
import pekkochat.testing.Servers;

/**
 * The persistence plugins' configuration for each store, and the one-line reason a server gives
 * when its PostgreSQL cannot be reached (no PostgreSQL needed: nothing listens on the port).
 */
class HistoryStoreTest {

  @TempDir Path dir;

  private static HistorySettings settings(Map<String, Object> overrides) {
    return HistorySettings.fromConfig(Servers.config(overrides));
  }

  @Test
  void postgresIsPekkoPersistenceJdbcsSharedDatabaseWithSlicksPostgresProfile() {
    HistorySettings pg =
        settings(Map.of(
            "pekko-chat.history.store", "postgres",
            "pekko-chat.history.postgres.url", "jdbc:postgresql://db.example:5433/chat",
            "pekko-chat.history.postgres.user", "chat",
            "pekko-chat.history.postgres.password", "s3cret",
            "pekko-chat.history.postgres.pool-size", 3));
    Config c = HistoryStore.persistenceConfig(pg);
    assertEquals("jdbc-journal", c.getString("pekko.persistence.journal.plugin"));
    assertEquals("jdbc-snapshot-store", c.getString("pekko.persistence.snapshot-store.plugin"));
    for (String plugin : new String[] {"jdbc-journal", "jdbc-snapshot-store", "jdbc-read-journal"}) {
      assertEquals("history", c.getString(plugin + ".use-shared-db"), plugin);
    }
    Config db = c.getConfig("pekko-persistence-jdbc.shared-databases.history");
    // SchemaUtils picks the schema script (schema/postgres/postgres-create-schema.sql) by this.
    assertEquals("slick.jdbc.PostgresProfile$", db.getString("profile"));
    assertEquals("org.postgresql.Driver", db.getString("db.driver"));
    assertEquals("jdbc:postgresql://db.example:5433/chat", db.getString("db.url"));
    assertEquals("chat", db.getString("db.user"));
    assertEquals("s3cret", db.getString("db.password"));
    assertEquals(3, db.getInt("db.maxConnections"));
    assertEquals(3, db.getInt("db.numThreads"));
    assertFalse(pg.postgres().toString().contains("s3cret"), "the password is never shown");
  }

  @Test
  void h2IsTheDefaultInTheDataDirectory() {
    Config db =
        HistoryStore.persistenceConfig(settings(Map.of("pekko-chat.history.data-directory", dir.toString())))
            .getConfig("pekko-persistence-jdbc.shared-databases.history");
    assertEquals("slick.jdbc.H2Profile$", db.getString("profile"));
    assertEquals(HistoryStore.h2Url(dir.toAbsolutePath().normalize()), db.getString("db.url"));
    assertTrue(db.getString("db.url").contains("WRITE_DELAY=0"), "a commit is in the file when it returns");
  }

  @Test
  void withHistoryOffNoPluginIsConfigured() {
    assertTrue(HistoryStore.persistenceConfig(settings(Map.of("pekko-chat.history.enabled", false))).isEmpty());
  }

  @Test
  void aPostgresNobodyListensOnStopsTheServerWithAOneLineReason() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort(); // free once closed: connections to it are refused
    }
    String url = "jdbc:postgresql://127.0.0.1:" + port + "/pekkochat";
    ChatServer.StartFailed failed =
        assertThrows(ChatServer.StartFailed.class, () -> Servers.start(dir, Map.of(
            "pekko-chat.history.store", "postgres",
            "pekko-chat.history.postgres.url", url,
            "pekko-chat.history.postgres.password", "s3cret")).close());
    String message = failed.getMessage();
    assertTrue(message.startsWith("cannot open the history store at " + url + ": "), message);
    assertTrue(message.contains("Connection refused"), message);
    assertTrue(message.endsWith("(is PostgreSQL running, and the user and password right? docs/HISTORY.md)"), message);
    assertFalse(message.contains("\n"), message);
    assertFalse(message.contains("s3cret"), message);
  }
}
