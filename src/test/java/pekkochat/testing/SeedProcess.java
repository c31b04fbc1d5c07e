package pekkochat.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A Python process of the seed system: its stdout and stderr lines collected by reader threads
 * (stdout lines passed through a filter that may drop them by returning null), stdin taking lines.
 */
final class SeedProcess implements AutoCloseable {

  final String label;
  final Process process;
  private final Writer stdin;
  private final Lines stdout = new Lines();
  private final Lines stderr = new Lines();
  private final List<Thread> readers = new ArrayList<>();

  SeedProcess(String label, Path workDir, List<String> command, UnaryOperator<String> stdoutFilter) throws IOException {
    this.label = label;
    ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
    pb.environment().put("PYTHONUNBUFFERED", "1");
    pb.environment().put("PYTHONIOENCODING", "utf-8");
    process = pb.start();
    stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    readers.add(collect(process.getInputStream(), stdout, stdoutFilter, label + "-stdout"));
    readers.add(collect(process.getErrorStream(), stderr, UnaryOperator.identity(), label + "-stderr"));
  }

  private static Thread collect(InputStream in, Lines into, UnaryOperator<String> filter, String name) {
    Thread t =
        new Thread(
            () -> {
              try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                  String kept = filter.apply(line);
                  if (kept != null) {
                    into.add(kept);
                  }
                }
              } catch (IOException e) {
                // the process went away
              } finally {
                into.end();
              }
            },
            name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  Lines stdout() {
    return stdout;
  }

  Lines stderr() {
    return stderr;
  }

  void type(String line) throws IOException {
    stdin.write(line + "\n");
    stdin.flush();
  }

  boolean exited(Duration within) throws InterruptedException {
    return process.waitFor(within.toMillis(), TimeUnit.MILLISECONDS);
  }

  String describe() {
    return label + " (stdout " + stdout.all() + "; stderr " + stderr.all() + ")";
  }

  /** Kills the process (SIGTERM, then SIGKILL): the seed system has no other way to stop. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(5, TimeUnit.SECONDS);
    }
    for (Thread t : readers) {
      t.join(5000);
    }
    try {
      stdin.close();
    } catch (IOException e) {
      // the pipe is gone with the process
    }
  }

  /** Lines as they arrive, waited on under this object's monitor. */
  static final class Lines {
    private final List<String> lines = new ArrayList<>();
    private boolean ended;

    synchronized void add(String line) {
      lines.add(line);
      notifyAll();
    }

    synchronized void end() {
      ended = true;
      notifyAll();
    }

    synchronized List<String> all() {
      return List.copyOf(lines);
    }

    /**
     * Waits until {@code done} holds for the lines so far (checked on every new line), the output
     * ends or {@code timeout} passes; returns whether it held.
     */
    synchronized boolean awaitUntil(java.util.function.Predicate<List<String>> done, Duration timeout)
        throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!done.test(List.copyOf(lines))) {
        long left = deadline - System.nanoTime();
        if (ended || left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return true;
    }
  }
}
