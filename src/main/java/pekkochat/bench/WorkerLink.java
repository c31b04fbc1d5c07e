package pekkochat.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The coordinator's end of one worker of the connections scenario: sends it {@link WorkerProtocol}
 * commands and keeps what its reports say. The worker is a child JVM of the bench ({@link
 * #child}) or a thread in the bench's own JVM ({@link #inProcess}); either way {@link #close()}
 * ends it and its connections.
 */
final class WorkerLink implements AutoCloseable {

  /** The end-of-input marker of an in-process worker's command queue. */
  private static final String EOF = new String("EOF");

  private final WorkerProtocol.Spec spec;
  private final Watchdog watchdog;
  private final Process process;
  private final OutputStream processIn;
  private final LinkedBlockingQueue<String> queue;
  private final Thread thread;

  volatile boolean ready;
  volatile long readyNanos;
  volatile long readyReceivedNanos;
  volatile long started;
  volatile long welcomed;
  volatile long joinNotices;
  volatile long leaveNotices;
  volatile long lastNotice;
  volatile long closedConnections;
  volatile boolean joined;
  volatile long firstConnect;
  volatile long lastWelcome;
  volatile long[] joinLatencyMicros;
  volatile long sentNanos;
  volatile long[] arrivals;
  /** Set once the worker may end: after CLOSED, or once {@link #close()} began. */
  volatile boolean endExpected;
  volatile boolean ended;

  private WorkerLink(WorkerProtocol.Spec spec, Watchdog watchdog, Process process, LinkedBlockingQueue<String> queue,
      Thread thread) {
    this.spec = spec;
    this.watchdog = watchdog;
    this.process = process;
    this.processIn = process != null ? process.getOutputStream() : null;
    this.queue = queue;
    this.thread = thread;
  }

  /**
   * Starts the worker as a child JVM: {@code java -Xmx<heap> -cp <the bench's class path> Bench
   * connections-worker ...}. Its stderr goes to the bench's.
   */
  static WorkerLink child(WorkerProtocol.Spec spec, String heap, Watchdog watchdog) throws BenchFailure {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> command = new ArrayList<>(List.of(
        Files.isExecutable(java) ? java.toString() : "java",
        "-Xmx" + heap,
        "-Dpekkochat.home=" + Bench.home(),
        "-cp", System.getProperty("java.class.path"),
        Bench.class.getName(), "connections-worker"));
    command.addAll(spec.toArgs());
    Process p;
    try {
      p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    } catch (IOException e) {
      throw new BenchFailure("cannot start worker " + spec.worker() + ": " + e.getMessage(), e);
    }
    WorkerLink link = new WorkerLink(spec, watchdog, p, null, null);
    Thread reader = new Thread(() -> link.readReports(p), "bench-worker-" + spec.worker() + "-reports");
    reader.setDaemon(true);
    reader.start();
    return link;
  }

  /** Runs the worker on a thread of this JVM. */
  static WorkerLink inProcess(WorkerProtocol.Spec spec, Watchdog watchdog) {
    LinkedBlockingQueue<String> queue = new LinkedBlockingQueue<>();
    WorkerLink[] self = new WorkerLink[1];
    Thread t = new Thread(() -> {
      try {
        WorkerProtocol.serve(spec, () -> {
          String line = queue.take();
          return line == EOF ? null : line;
        }, line -> self[0].onLine(line));
      } catch (Exception e) {
        self[0].onLine(WorkerProtocol.FAIL + " worker " + spec.worker() + ": " + e);
      } finally {
        self[0].ended = true;
      }
    }, "bench-worker-" + spec.worker());
    t.setDaemon(true);
    self[0] = new WorkerLink(spec, watchdog, null, queue, t);
    t.start();
    return self[0];
  }

  WorkerProtocol.Spec spec() {
    return spec;
  }

  /** The child's pid, or -1 for an in-process worker. */
  long pid() {
    return process != null ? process.pid() : -1;
  }

  void send(String command) throws BenchFailure {
    if (queue != null) {
      queue.add(command);
      return;
    }
    try {
      processIn.write((command + "\n").getBytes(StandardCharsets.UTF_8));
      processIn.flush();
    } catch (IOException e) {
      throw new BenchFailure("cannot reach worker " + spec.worker() + " (" + e.getMessage() + ")", e);
    }
  }

  private void readReports(Process p) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        onLine(line);
      }
    } catch (IOException e) {
      // the process is gone
    }
    ended = true;
    if (!endExpected && !watchdog.failed()) {
      String code;
      try {
        code = p.waitFor(2, TimeUnit.SECONDS) ? "exit code " + p.exitValue() : "still running";
      } catch (InterruptedException e) {
        code = "?";
      }
      watchdog.fail("worker " + spec.worker() + " (pid " + p.pid() + ") ended unexpectedly (" + code + ")");
    }
  }

  /** One report from the worker. */
  void onLine(String line) {
    String[] f = line.split(" ");
    switch (f[0]) {
      case WorkerProtocol.READY -> {
        readyReceivedNanos = System.nanoTime();
        readyNanos = Long.parseLong(f[1]);
        ready = true;
        watchdog.progress();
      }
      case WorkerProtocol.PROGRESS -> {
        long s = Long.parseLong(f[1]);
        long w = Long.parseLong(f[2]);
        long j = Long.parseLong(f[3]);
        long c = Long.parseLong(f[6]);
        if (s != started || w != welcomed || j != joinNotices || c != closedConnections) {
          watchdog.progress();
        }
        started = s;
        welcomed = w;
        joinNotices = j;
        leaveNotices = Long.parseLong(f[4]);
        lastNotice = Long.parseLong(f[5]);
        closedConnections = c;
      }
      case WorkerProtocol.JOINED -> {
        firstConnect = Long.parseLong(f[1]);
        lastWelcome = Long.parseLong(f[2]);
        long[] lat = new long[f.length - 3];
        for (int i = 0; i < lat.length; i++) {
          lat[i] = Long.parseLong(f[i + 3]);
        }
        joinLatencyMicros = lat;
        joined = true;
        watchdog.progress();
      }
      case WorkerProtocol.SENT -> {
        sentNanos = Long.parseLong(f[1]);
        watchdog.progress();
      }
      case WorkerProtocol.ARRIVED -> {
        long[] a = new long[f.length - 1];
        for (int i = 0; i < a.length; i++) {
          a[i] = Long.parseLong(f[i + 1]);
        }
        arrivals = a;
        watchdog.progress();
      }
      case WorkerProtocol.CLOSED -> endExpected = true;
      case WorkerProtocol.FAIL -> watchdog.fail("worker " + spec.worker() + ": " + line.substring(WorkerProtocol.FAIL.length()).trim());
      default -> watchdog.fail("worker " + spec.worker() + " said something unexpected: " + line);
    }
  }

  /** Total CPU time (user + system) of the child process so far; zero for an in-process worker. */
  java.time.Duration cpu() {
    return process == null ? java.time.Duration.ZERO
        : process.info().totalCpuDuration().orElse(java.time.Duration.ZERO);
  }

  /** Closes the worker's connections and ends it: CLOSE, end of input, then (a child) SIGTERM and SIGKILL. */
  @Override
  public void close() {
    endExpected = true;
    if (queue != null) {
      queue.add(WorkerProtocol.CLOSE);
      queue.add(EOF);
      try {
        thread.join(35_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return;
    }
    try {
      processIn.write((WorkerProtocol.CLOSE + "\n").getBytes(StandardCharsets.UTF_8));
      processIn.close();
    } catch (IOException e) {
      // already gone
    }
    try {
      if (!process.waitFor(35, TimeUnit.SECONDS)) {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          process.waitFor(5, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
