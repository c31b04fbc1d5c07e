package pekkochat.bench;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Locale;

/** One line describing where the numbers were measured: CPUs, memory, JDK, OS. */
final class Machine {

  private Machine() {}

  static String describe() {
    return String.format(Locale.ROOT, "machine: nproc=%d, memory=%s, java=%s %s (%s), os=%s, kernel=%s %s %s",
        Runtime.getRuntime().availableProcessors(),
        totalMemory(),
        System.getProperty("java.vm.name", "?"),
        System.getProperty("java.runtime.version", System.getProperty("java.version", "?")),
        System.getProperty("java.vm.vendor", "?"),
        osName(),
        System.getProperty("os.name", "?"),
        System.getProperty("os.version", "?"),
        System.getProperty("os.arch", "?"));
  }

  /**
   * The 1, 5 and 15 minute load averages ("0.12 0.30 0.25"), or "?": a load near or above nproc
   * before a run means something else is using the CPUs and the numbers are not clean.
   */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | ArrayIndexOutOfBoundsException e) {
      return "?";
    }
  }

  /**
   * CPU time of the whole machine, from the first line of /proc/stat, in seconds.
   *
   * @param processSeconds user + nice + system: what processes (and kernel threads) used
   * @param interruptSeconds irq + softirq: mostly the network stack; on this project's kernels also
   *     counted in the system time of the process that was interrupted
   * @param idleSeconds idle + iowait
   * @param stealSeconds taken by the hypervisor for other machines
   */
  record CpuTimes(double processSeconds, double interruptSeconds, double idleSeconds, double stealSeconds) {
    CpuTimes minus(CpuTimes o) {
      return new CpuTimes(processSeconds - o.processSeconds, interruptSeconds - o.interruptSeconds,
          idleSeconds - o.idleSeconds, stealSeconds - o.stealSeconds);
    }
  }

  /** The machine's CPU times so far, or null where /proc/stat cannot be read. */
  static CpuTimes cpuTimes() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      double hz = 100; // USER_HZ, 100 on every Linux architecture the JDK runs on
      long user = Long.parseLong(f[1]);
      long nice = Long.parseLong(f[2]);
      long system = Long.parseLong(f[3]);
      long idle = Long.parseLong(f[4]);
      long iowait = Long.parseLong(f[5]);
      long irq = Long.parseLong(f[6]);
      long softirq = Long.parseLong(f[7]);
      long steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
      return new CpuTimes((user + nice + system) / hz, (irq + softirq) / hz, (idle + iowait) / hz, steal / hz);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * CPU ticks (user + system, of the process and of its children that have ended) of every process
   * but {@code exclude}, by pid, from /proc/PID/stat; empty where there is no /proc.
   */
  static Map<Long, Long> processTicks(Set<Long> exclude) {
    Map<Long, Long> ticks = new HashMap<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path dir : dirs) {
        long pid = Long.parseLong(dir.getFileName().toString());
        if (exclude.contains(pid)) {
          continue;
        }
        try {
          String stat = Files.readString(dir.resolve("stat"));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          // after "pid (comm) ": state is field 3, utime 14, stime 15, cutime 16, cstime 17
          ticks.put(pid, Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13])
              + Long.parseLong(f[14]));
        } catch (IOException | RuntimeException e) {
          // the process has ended meanwhile
        }
      }
    } catch (IOException | RuntimeException e) {
      return Map.of();
    }
    return ticks;
  }

  /**
   * CPU seconds other processes used between two {@link #processTicks} snapshots: what each
   * process present at the end used since the start (all of it if it is new). A process that
   * started and ended in between counts only through its parent's children time.
   */
  static double otherCpuSeconds(Map<Long, Long> start, Map<Long, Long> end) {
    long ticks = 0;
    for (Map.Entry<Long, Long> e : end.entrySet()) {
      ticks += Math.max(0, e.getValue() - start.getOrDefault(e.getKey(), 0L));
    }
    return ticks / 100.0; // USER_HZ
  }

  /** MemTotal of /proc/meminfo, or "?" elsewhere. */
  static String totalMemory() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
          return String.format(Locale.ROOT, "%.1f GiB", kib / (1024.0 * 1024.0));
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux, or an unexpected format
    }
    return "?";
  }

  /** PRETTY_NAME of /etc/os-release, or the JVM's os.name. */
  static String osName() {
    try {
      List<String> lines = Files.readAllLines(Path.of("/etc/os-release"));
      for (String line : lines) {
        if (line.startsWith("PRETTY_NAME=")) {
          return line.substring("PRETTY_NAME=".length()).replace("\"", "");
        }
      }
    } catch (IOException e) {
      // fall through
    }
    return System.getProperty("os.name", "?");
  }
}
