package pekkochat.bench;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Ends a run that stops making progress. Workers call {@link #progress()} whenever bytes move;
 * if nothing moves for the stall timeout, or the measured server process dies, the run fails
 * with a reason, and the registered abort actions (closing sockets) unblock every worker.
 */
final class Watchdog implements AutoCloseable {

  private final long stallNanos;
  private final ServerProcess server;
  private final AtomicReference<String> failure = new AtomicReference<>();
  private final List<Runnable> aborts = new CopyOnWriteArrayList<>();
  private final Thread thread;
  private volatile long lastProgress = System.nanoTime();
  private volatile String phase = "start";
  private volatile Supplier<String> status = () -> "";
  private volatile boolean running = true;

  /** {@code server} may be null (an external server is not watched). */
  Watchdog(long stallSeconds, ServerProcess server) {
    this.stallNanos = TimeUnit.SECONDS.toNanos(stallSeconds);
    this.server = server;
    this.thread = new Thread(this::loop, "bench-watchdog");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /** Something moved: bytes were written or read, a frame arrived. */
  void progress() {
    lastProgress = System.nanoTime();
  }

  /** Names what the run is doing now, for the failure message; counts as progress. */
  void phase(String name) {
    phase = name;
    progress();
  }

  /** Describes the run's state (bytes moved so far) in a failure message. */
  void status(Supplier<String> s) {
    status = s;
  }

  /** Runs on failure, e.g. closing a socket so a blocked worker wakes up. */
  void onAbort(Runnable action) {
    aborts.add(action);
  }

  /** Fails the run (the first reason wins) and runs the abort actions. */
  void fail(String reason) {
    if (failure.compareAndSet(null, reason)) {
      for (Runnable a : aborts) {
        try {
          a.run();
        } catch (RuntimeException e) {
          // best effort
        }
      }
    }
  }

  /**
   * After a worker's I/O failed: if the server process is exiting (a dead server closes the
   * sockets a moment before its exit is seen), fail the run with that as the reason.
   */
  void checkServerAfterIoFailure() {
    if (server != null && server.awaitExit(500)) {
      fail("the server process exited (exit code " + server.exitCode() + ") during " + phase
          + describeStatus());
    }
  }

  boolean failed() {
    return failure.get() != null;
  }

  void throwIfFailed() throws BenchFailure {
    String reason = failure.get();
    if (reason != null) {
      throw new BenchFailure(reason);
    }
  }

  /** Waits until {@code latch} opens, or throws as soon as the run fails. */
  void await(CountDownLatch latch) throws BenchFailure, InterruptedException {
    while (!latch.await(20, TimeUnit.MILLISECONDS)) {
      throwIfFailed();
    }
    throwIfFailed();
  }

  private void loop() {
    while (running && failure.get() == null) {
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        return;
      }
      if (!running) {
        return;
      }
      if (server != null && !server.isAlive()) {
        fail("the server process exited (exit code " + server.exitCode() + ") during " + phase
            + describeStatus());
      } else if (System.nanoTime() - lastProgress > stallNanos) {
        fail("no progress for " + TimeUnit.NANOSECONDS.toSeconds(stallNanos) + " s during " + phase
            + describeStatus());
      }
    }
  }

  private String describeStatus() {
    String s;
    try {
      s = status.get();
    } catch (RuntimeException e) {
      s = "";
    }
    return s.isEmpty() ? "" : " (" + s + ")";
  }

  /** Stops watching; call before stopping the server on purpose. */
  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }
}
