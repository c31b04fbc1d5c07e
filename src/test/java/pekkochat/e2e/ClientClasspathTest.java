package pekkochat.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import pekkochat.server.ChatServer;
import pekkochat.testing.RawPeer;
import pekkochat.testing.Servers;

/**
 * {@code scripts/run-client} starts the client without the server-only libraries named in
 * {@code scripts/lib/server-only-jars} (the history store's and the accounts'): a real client
 * process on the test classpath less those jars joins a real server, chats both ways, sends a
 * private message, asks for the room's history and quits cleanly. A class the client needs from
 * one of them would fail it here, not on a user's machine.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ClientClasspathTest {

  @TempDir Path tmp;

  /** The jar-name prefixes of scripts/lib/server-only-jars (comments and blank lines skipped). */
  static List<String> serverOnlyPrefixes() throws IOException {
    return Files.readAllLines(Path.of("scripts", "lib", "server-only-jars"), StandardCharsets.UTF_8).stream()
        .map(String::strip)
        .filter(l -> !l.isEmpty() && !l.startsWith("#"))
        .collect(Collectors.toList());
  }

  private static boolean serverOnly(String entry, List<String> prefixes) {
    String name = Path.of(entry).getFileName().toString();
    return entry.endsWith(".jar") && prefixes.stream().anyMatch(name::startsWith);
  }

  @Test
  void theClientRunsWithoutTheServerOnlyLibraries() throws Exception {
    List<String> prefixes = serverOnlyPrefixes();
    List<String> full = Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator));
    List<String> client = full.stream().filter(e -> !serverOnly(e, prefixes)).collect(Collectors.toList());
    List<String> left = full.stream().filter(e -> serverOnly(e, prefixes)).map(e -> Path.of(e).getFileName().toString()).toList();
    // Not a test of nothing: the store's and the accounts' jars were there and are gone.
    for (String needed : List.of("h2-", "bcprov-", "pekko-persistence-jdbc", "slick_", "HikariCP-")) {
      assertTrue(left.stream().anyMatch(n -> n.startsWith(needed)), () -> needed + "* not left out; left out: " + left);
    }
    assertTrue(client.stream().noneMatch(e -> Path.of(e).getFileName().toString().startsWith("h2-")));

    try (ChatServer server = Servers.start(tmp.resolve("spool"));
        RawPeer bob = RawPeer.joined(server.address(), "bob")) {
      List<String> command = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xshare:auto",
          "-Dpekkochat.client.log-dir=" + tmp.resolve("logs"),
          "-cp", String.join(File.pathSeparator, client),
          "pekkochat.client.ClientMain",
          "127.0.0.1", "-p", String.valueOf(server.address().getPort()), "-u", "alice"));
      Process p = new ProcessBuilder(command)
          .directory(Files.createDirectories(tmp.resolve("cwd")).toFile())
          .redirectErrorStream(true)
          .start();
      Output out = new Output(p.getInputStream());
      try (OutputStream typing = p.getOutputStream()) {
        out.await("Welcome!");
        type(typing, "hello without the store's jars");
        assertEquals("alice::hello without the store's jars", bob.awaitText("alice::"));
        bob.send(RawPeer.TEXT, "hi alice");
        out.await("hi alice");
        type(typing, "/msg bob a private word");
        assertEquals("[PM] alice::a private word", bob.awaitText("[PM] "));
        type(typing, "/history");
        out.await("End of history of #lobby");
        type(typing, "/quit");
      }
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), () -> "the client did not end; wrote:\n" + out.text());
      assertEquals(0, p.exitValue(), out::text);
      String all = out.text() + logs();
      assertFalse(all.contains("NoClassDefFoundError") || all.contains("ClassNotFoundException"), all);
    }
  }

  private static void type(OutputStream typing, String line) throws IOException {
    typing.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    typing.flush();
  }

  private String logs() throws IOException {
    Path dir = tmp.resolve("logs");
    if (!Files.isDirectory(dir)) {
      return "";
    }
    StringBuilder all = new StringBuilder();
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        all.append(Files.readString(f, StandardCharsets.UTF_8));
      }
    }
    return all.toString();
  }

  /** What the client process writes, collected as it comes. */
  private static final class Output {
    private final StringBuilder text = new StringBuilder();

    Output(InputStream in) {
      Thread t = new Thread(() -> {
        byte[] buf = new byte[8192];
        try {
          for (int n; (n = in.read(buf)) > 0; ) {
            synchronized (text) {
              text.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            }
          }
        } catch (IOException e) {
          // the process ended
        }
      }, "client-output");
      t.setDaemon(true);
      t.start();
    }

    String text() {
      synchronized (text) {
        return text.toString();
      }
    }

    void await(String part) throws InterruptedException {
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (!text().contains(part)) {
        if (System.nanoTime() > deadline) {
          fail("no '" + part + "' from the client; it wrote:\n" + text());
        }
        Thread.sleep(10);
      }
    }
  }
}
