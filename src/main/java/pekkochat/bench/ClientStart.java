package pekkochat.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * Times one start of a chat client process, from just before it is launched until it is ready:
 * its output shows the server's welcome ({@code [Server]: Welcome!}), after its own
 * {@code Connected to ...} line. That is the moment the user sees they are in; the client reads
 * what is typed from its {@code Connected} line on. Then {@code /quit} is typed and the process
 * is waited for (and killed if it lingers). Output is read as it comes, split at {@code \n} or
 * {@code \r} and stripped of terminal escape sequences, so that the same rule holds for piped
 * output and for a pseudo-terminal's.
 */
final class ClientStart {

  /** Seconds from launch to the {@code Connected} line and to the welcome. */
  record Timing(double connectedSeconds, double welcomeSeconds) {}

  static final String CONNECTED = "Connected to ";
  static final String WELCOME = "Welcome!";
  private static final Pattern ESCAPES = Pattern.compile("\u001b(\\[[0-9;?]*[ -/]*[@-~]|[()][0-9A-B]|[=>]|\\][^\u0007]*\u0007)");
  private static final Duration EXIT_GRACE = Duration.ofSeconds(10);

  private ClientStart() {}

  /**
   * Runs {@code command} in {@code workDir} with {@code env} added, types {@code quit} once it is
   * ready and returns when it timed; its output goes to {@code log}.
   */
  static Timing time(List<String> command, Path workDir, Map<String, String> env, String quit, Duration timeout, Path log)
      throws BenchFailure, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true);
    pb.environment().putAll(env);
    CompletableFuture<Long> connected = new CompletableFuture<>();
    CompletableFuture<Long> welcomed = new CompletableFuture<>();
    Process process;
    Writer logWriter;
    try {
      Files.createDirectories(log.getParent());
      logWriter = Files.newBufferedWriter(log, StandardCharsets.UTF_8);
      logWriter.write("# " + String.join(" ", command) + "\n");
    } catch (IOException e) {
      throw new BenchFailure("cannot write " + log + ": " + e.getMessage(), e);
    }
    long launched = System.nanoTime();
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new BenchFailure("cannot start " + command.get(0) + ": " + e.getMessage(), e);
    }
    Thread pump = new Thread(() -> pump(process.getInputStream(), logWriter, connected, welcomed), "bench-client-output");
    pump.setDaemon(true);
    pump.start();
    try {
      long welcome;
      try {
        welcome = welcomed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        throw new BenchFailure("no welcome within " + timeout.toSeconds() + " s (output in " + log + ")");
      } catch (ExecutionException e) {
        throw new BenchFailure(e.getCause().getMessage() + " (output in " + log + ")");
      }
      long connect = connected.getNow(welcome);
      try {
        OutputStream in = process.getOutputStream();
        in.write(quit.getBytes(StandardCharsets.UTF_8));
        in.flush();
      } catch (IOException e) {
        // it is gone already: nothing to quit
      }
      if (!process.waitFor(EXIT_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
      }
      return new Timing((connect - launched) / 1e9, (welcome - launched) / 1e9);
    } finally {
      if (process.isAlive()) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
      pump.join(2000);
      try {
        logWriter.close();
      } catch (IOException e) {
        // the log is a courtesy
      }
    }
  }

  private static void pump(InputStream out, Writer log, CompletableFuture<Long> connected, CompletableFuture<Long> welcomed) {
    StringBuilder line = new StringBuilder();
    byte[] buf = new byte[8192];
    try {
      int n;
      while ((n = out.read(buf)) > 0) {
        long now = System.nanoTime();
        String text = new String(buf, 0, n, StandardCharsets.UTF_8);
        for (int i = 0; i < text.length(); i++) {
          char c = text.charAt(i);
          if (c == '\n' || c == '\r') {
            onLine(ESCAPES.matcher(line).replaceAll(""), now, connected, welcomed);
            line.setLength(0);
          } else {
            line.append(c);
          }
        }
        // A line can be complete without its end yet (a prompt follows it later).
        onLine(ESCAPES.matcher(line).replaceAll(""), now, connected, welcomed);
        log.write(text);
      }
      welcomed.completeExceptionally(new IllegalStateException("the client ended without a welcome"));
    } catch (IOException e) {
      welcomed.completeExceptionally(e);
    }
  }

  /** Notes the first {@code Connected} line and the first welcome after it. */
  static void onLine(String line, long now, CompletableFuture<Long> connected, CompletableFuture<Long> welcomed) {
    if (!connected.isDone() && line.contains(CONNECTED)) {
      connected.complete(now);
    } else if (connected.isDone() && line.contains(WELCOME)) {
      welcomed.complete(now);
    }
  }

  /** The text of a line as shown, without terminal escape sequences. */
  static String plain(String line) {
    return ESCAPES.matcher(line).replaceAll("");
  }
}
