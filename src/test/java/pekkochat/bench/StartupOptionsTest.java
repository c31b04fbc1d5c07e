package pekkochat.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class StartupOptionsTest {

  @TempDir Path tmp;

  private static StartupScenario parse(String... args) {
    StartupScenario s = new StartupScenario();
    new CommandLine(s).parseArgs(args);
    return s;
  }

  @Test
  void byDefaultFiveServerStartsAndFiveOfEachClientKind() {
    StartupScenario s = parse();
    assertNull(s.check());
    assertEquals(5, s.runs);
    assertEquals(5, s.clientRuns);
    assertEquals(
        List.of(StartupScenario.ClientKind.PIPED, StartupScenario.ClientKind.TERMINAL, StartupScenario.ClientKind.ORIGINAL),
        s.clientKinds(true, true));
    assertEquals(List.of(StartupScenario.ClientKind.PIPED), s.clientKinds(false, false), "no script(1), no original");
  }

  @Test
  void eitherHalfCanBeLeftOut() {
    assertNull(parse("--runs", "0").check());
    StartupScenario serverOnly = parse("--client-runs", "0");
    assertNull(serverOnly.check());
    assertEquals(List.of(), serverOnly.clientKinds(true, true));
    assertEquals(List.of(StartupScenario.ClientKind.PIPED, StartupScenario.ClientKind.ORIGINAL),
        parse("--no-terminal").clientKinds(true, true));
  }

  @Test
  void badValuesAreRefusedWithAReason() throws Exception {
    assertNotNull(parse("--runs", "0", "--client-runs", "0").check());
    assertNotNull(parse("--runs", "-1").check());
    assertNotNull(parse("--host", "10.0.0.1").check());
    assertNotNull(parse("--server-heap", "lots").check());
    String missing = parse("--original", tmp.toString()).check();
    assertTrue(missing != null && missing.contains("run_client.py"), missing);
    Files.writeString(tmp.resolve("run_client.py"), "");
    assertNull(parse("--original", tmp.toString()).check());
    assertEquals(Optional.of(tmp.toAbsolutePath()), parse("--original", tmp.toString()).originalDir());
    assertEquals(Optional.empty(), parse("--original", "none").originalDir());
  }

  @Test
  void theCommandsAreTheRealScriptAndTheOriginalsClient() {
    Path home = Path.of("/opt/pekko chat");
    assertEquals(List.of("/opt/pekko chat/scripts/run-client", "127.0.0.1", "-p", "4000", "-u", "n"),
        StartupScenario.clientCommand(StartupScenario.ClientKind.PIPED, home, null, 4000, "n"));
    assertEquals(List.of("script", "-qfec", "'/opt/pekko chat/scripts/run-client' '127.0.0.1' '-p' '4000' '-u' 'n'", "/dev/null"),
        StartupScenario.clientCommand(StartupScenario.ClientKind.TERMINAL, home, null, 4000, "n"));
    assertEquals(List.of("python3", "-u", "/seed/run_client.py", "127.0.0.1", "-p", "4000", "-u", "n"),
        StartupScenario.clientCommand(StartupScenario.ClientKind.ORIGINAL, home, Path.of("/seed"), 4000, "n"));
    assertEquals("'it'\\''s'", StartupScenario.shellQuoted(List.of("it's")));
  }

  @Test
  void readyIsTheWelcomeAfterTheConnectedLineWithEscapesIgnored() {
    CompletableFuture<Long> connected = new CompletableFuture<>();
    CompletableFuture<Long> welcomed = new CompletableFuture<>();
    ClientStart.onLine("[Server]: Welcome! (too early: not connected yet)", 1, connected, welcomed);
    assertFalse(welcomed.isDone());
    ClientStart.onLine(ClientStart.plain("\u001b[?1h\u001b=[00:32:59] Connected to 127.0.0.1:1 as a."), 2, connected, welcomed);
    ClientStart.onLine(ClientStart.plain("\u001b[K[00:32:59] [Server]: Welcome! Type /help for commands."), 3, connected, welcomed);
    ClientStart.onLine("[Server]: Welcome! again", 4, connected, welcomed);
    assertEquals(2L, connected.join());
    assertEquals(3L, welcomed.join());
    assertEquals("[00:32:59] x", ClientStart.plain("\u001b[K\u001b[1;32m[00:32:59] x\u001b[0m\u001b]0;title\u0007"));
  }
}
