package pekkochat.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Per-client log names and the pruning of old client logs, on real files. */
class ClientLogTest {

  @TempDir Path dir;

  @Test
  void theFileIsNamedByUserAndProcess() {
    assertEquals("client-alice-12345.log", ClientLog.fileName("alice", 12345));
    assertEquals("client-Bob_2.0-7.log", ClientLog.fileName("Bob_2.0", 7));
  }

  @Test
  void aHostileNameCannotLeaveTheDirectoryNorHideThePid() {
    for (String name : List.of("../../etc/passwd", "a/b\\c", "x\ny\u001b", "..", "", "   ", "al-ice", "ÄLICE", ".hidden")) {
      String file = ClientLog.fileName(name, 42);
      assertTrue(file.matches("client-[A-Za-z0-9_][A-Za-z0-9_.]*-42\\.log"), name + " -> " + file);
      assertEquals(dir.resolve(file).getParent(), dir, file);
    }
    assertEquals(32, ClientLog.safe("n".repeat(100)).length());
  }

  @Test
  void onlyTheNewestLogsAreKeptLeavingRoomForTheNewOne() throws IOException {
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    for (int i = 0; i < 6; i++) {
      Path p = Files.writeString(dir.resolve("client-u" + i + "-" + i + ".log"), "log " + i);
      Files.setLastModifiedTime(p, FileTime.from(t.plusSeconds(i)));
    }
    Path other = Files.writeString(dir.resolve("server.log"), "not ours");
    Files.setLastModifiedTime(other, FileTime.from(t.minusSeconds(100)));

    ClientLog.prune(dir, 3);

    assertEquals(List.of("client-u4-4.log", "client-u5-5.log", "server.log"), names());
  }

  @Test
  void aMissingDirectoryIsNoProblem() {
    ClientLog.prune(dir.resolve("none"), 3);
  }

  private List<String> names() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }
}
