package pekkochat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real client process ({@code pekkochat.client.ClientMain} in a JVM of its own, as
 * {@code scripts/run-client} starts it, stdin piped) when the server cannot be reached: one line
 * that says why and what to check, exit code 1, and its log in a file of its own, not on the
 * screen.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientStartFailuresTest {

  @TempDir Path tmp;

  private record Run(int exitCode, List<String> stdout, List<String> stderr, long pid) {}

  private Run client(String... args) throws Exception {
    Path logs = tmp.resolve("logs");
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xshare:auto",
        "-Dpekkochat.client.log-dir=" + logs,
        "-cp", System.getProperty("java.class.path"),
        "pekkochat.client.ClientMain"));
    command.addAll(List.of(args));
    Path out = tmp.resolve("out.txt");
    Path err = tmp.resolve("err.txt");
    Process p = new ProcessBuilder(command)
        .directory(tmp.toFile())
        .redirectInput(ProcessBuilder.Redirect.PIPE)
        .redirectOutput(out.toFile())
        .redirectError(err.toFile())
        .start();
    p.getOutputStream().close();
    assertTrue(p.waitFor(45, TimeUnit.SECONDS), "the client did not end");
    return new Run(p.exitValue(), lines(out), lines(err), p.pid());
  }

  private static List<String> lines(Path file) throws IOException {
    return Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).collect(Collectors.toList());
  }

  private List<String> logFiles() throws IOException {
    Path logs = tmp.resolve("logs");
    if (!Files.isDirectory(logs)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(logs)) {
      return s.map(f -> f.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  @Test
  void aWrongPortSaysConnectionRefusedAndAsksWhetherTheServerRunsThere() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    Run run = client("127.0.0.1", "-p", String.valueOf(port), "-u", "alice");

    assertEquals(1, run.exitCode(), run.toString());
    assertEquals(
        List.of("Cannot connect to 127.0.0.1:" + port + ": connection refused. Is the server running on 127.0.0.1:" + port + "?"),
        run.stdout(), run.toString());
    assertEquals(List.of(), run.stderr(), "nothing else on the screen: logs go to the client's file");
    assertEquals(List.of("client-alice-" + run.pid() + ".log"), logFiles());
  }

  @Test
  void anUnknownHostIsNamed() throws Exception {
    Run run = client("no-such-host.invalid", "-p", "12000", "-u", "bob");

    assertEquals(1, run.exitCode(), run.toString());
    assertEquals(
        List.of("Cannot connect to no-such-host.invalid:12000: unknown host 'no-such-host.invalid'. Check the name, or give an IP address."),
        run.stderr(), run.toString());
    assertEquals(List.of(), run.stdout(), run.toString());
  }
}
