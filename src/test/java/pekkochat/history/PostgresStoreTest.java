package pekkochat.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static pekkochat.testing.RawPeer.JOIN;
import static pekkochat.testing.RawPeer.TEXT;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import pekkochat.server.ChatServer;
import pekkochat.testing.RawPeer;
import pekkochat.testing.Servers;
import pekkochat.testing.TestStore;

/**
 * What only a real PostgreSQL shows (the {@code postgres} profile; skipped on H2): the schema
 * pekko-persistence-jdbc's script makes, lines as rows of its journal, the quota's
 * {@code pg_database_size}, and the one-line reason for a wrong password.
 */
@EnabledIfSystemProperty(named = "pekkochat.test.store", matches = "postgres")
class PostgresStoreTest {

  @TempDir Path dir;

  private List<String> column(String sql) throws Exception {
    List<String> values = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(TestStore.jdbcUrl(dir), TestStore.user(), TestStore.password());
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        values.add(rs.getString(1));
      }
    }
    return values;
  }

  @Test
  void theServerMakesTheSchemaAndStoresLinesAsJournalRows() throws Exception {
    try (ChatServer server = Servers.start(dir);
        RawPeer alice = RawPeer.joined(server.address(), "alice");
        RawPeer bob = RawPeer.joined(server.address(), "bob")) {
      alice.expect(JOIN, "bob joined the chat.");
      alice.send(TEXT, "stored in postgres");
      while (!bob.expectType(TEXT).text().equals("alice::stored in postgres")) {
        // joins and notices before it
      }
      // Delivered means stored: the line is a journal row already.
      assertTrue(
          column("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
              .containsAll(List.of("event_journal", "event_tag", "snapshot")));
      List<String> rooms = column("SELECT DISTINCT persistence_id FROM event_journal");
      assertTrue(rooms.stream().anyMatch(id -> id.startsWith("room|")), rooms.toString());
      long size = Long.parseLong(column("SELECT pg_database_size(current_database())").get(0));
      assertTrue(size > 1_000_000, "the quota measures the database: " + size);
    }
    // The schema is there now; a restart on it must not trip over it (CREATE ... IF NOT EXISTS).
    try (ChatServer server = Servers.start(dir);
        RawPeer carol = RawPeer.joined(server.address(), "carol")) {
      carol.send(TEXT, "/history 1");
      while (!carol.expectType(TEXT).text().startsWith("[Server] History of #lobby")) {
        // the welcome
      }
      assertTrue(carol.expectType(TEXT).text().endsWith("alice::stored in postgres"));
    }
  }

  @Test
  void aWrongPasswordStopsTheServerWithAOneLineReason() {
    ChatServer.StartFailed failed =
        assertThrows(ChatServer.StartFailed.class,
            () -> Servers.start(dir, Map.of("pekko-chat.history.postgres.password", "not-the-password")).close());
    String message = failed.getMessage();
    assertTrue(message.startsWith("cannot open the history store at " + TestStore.jdbcUrl(dir) + ": "), message);
    assertTrue(message.contains("password authentication failed for user \"" + TestStore.user() + "\""), message);
    assertFalse(message.contains("\n"), message);
    assertFalse(message.contains("not-the-password"), message);
    assertEquals(1, message.lines().count());
  }
}
