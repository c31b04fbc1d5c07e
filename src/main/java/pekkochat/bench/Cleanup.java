package pekkochat.bench;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Everything a run must release (sockets, the server process, the temporary spool), closed in
 * reverse order of registration: at the end of the run, or by a shutdown hook if the bench is
 * interrupted (Ctrl-C, SIGTERM). Closing is serialized: the hook waits for a close the main
 * thread has begun, since the JVM exits as soon as its hooks return.
 */
final class Cleanup implements AutoCloseable {

  private final Deque<AutoCloseable> resources = new ArrayDeque<>();
  private final Object closing = new Object();
  private final Thread hook = new Thread(this::onShutdown, "bench-cleanup");

  Cleanup() {
    Runtime.getRuntime().addShutdownHook(hook);
  }

  <T extends AutoCloseable> T add(T resource) {
    synchronized (resources) {
      resources.push(resource);
    }
    return resource;
  }

  private void onShutdown() {
    boolean pending;
    synchronized (resources) {
      pending = !resources.isEmpty();
    }
    if (pending) {
      System.err.println("bench: interrupted; stopping the server and removing temporary files");
    }
    closeAll();
  }

  private void closeAll() {
    synchronized (closing) {
      while (true) {
        AutoCloseable next;
        synchronized (resources) {
          next = resources.poll();
        }
        if (next == null) {
          return;
        }
        try {
          next.close();
        } catch (Exception e) {
          System.err.println("bench: cleanup: " + e);
        }
      }
    }
  }

  @Override
  public void close() {
    closeAll();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // already shutting down: the hook runs anyway
    }
  }
}
