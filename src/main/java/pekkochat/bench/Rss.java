package pekkochat.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Resident memory of another process, read from {@code /proc/<pid>/status}: {@code VmRSS} (now)
 * and {@code VmHWM} (the kernel's own peak since the process started).
 */
final class Rss {

  private Rss() {}

  /** A field of /proc/PID/status in bytes ({@code VmRSS}, {@code VmHWM}), empty if unreadable. */
  static OptionalLong read(long pid, String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith(field + ":")) {
          String digits = line.substring(field.length() + 1).replace("kB", "").trim();
          return OptionalLong.of(Long.parseLong(digits) * 1024);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // the process is gone, or this is not Linux
    }
    return OptionalLong.empty();
  }

  /** Starts sampling VmRSS of {@code pid} every {@code periodMillis} ms, keeping the maximum. */
  static Sampler sample(long pid, long periodMillis) {
    Sampler s = new Sampler(pid, periodMillis);
    s.thread.start();
    return s;
  }

  /** The peak memory figures of one run. */
  record Peak(long sampledMaxRss, long hwm) {
    /** The larger of the sampled VmRSS maximum and VmHWM, in bytes (0 if neither was readable). */
    long peak() {
      return Math.max(sampledMaxRss, hwm);
    }
  }

  static final class Sampler implements AutoCloseable {
    private final long pid;
    private final long periodMillis;
    private final AtomicLong max = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    private Sampler(long pid, long periodMillis) {
      this.pid = pid;
      this.periodMillis = periodMillis;
      this.thread = new Thread(this::loop, "bench-rss-" + pid);
      this.thread.setDaemon(true);
    }

    private void loop() {
      while (running) {
        read(pid, "VmRSS").ifPresent(v -> max.accumulateAndGet(v, Math::max));
        try {
          Thread.sleep(periodMillis);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    /** Stops sampling and reads VmHWM; call while the process is still alive. */
    Peak stop() {
      running = false;
      thread.interrupt();
      try {
        thread.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      read(pid, "VmRSS").ifPresent(v -> max.accumulateAndGet(v, Math::max));
      return new Peak(max.get(), read(pid, "VmHWM").orElse(0));
    }

    @Override
    public void close() {
      running = false;
      thread.interrupt();
    }
  }
}
