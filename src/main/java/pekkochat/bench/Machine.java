package pekkochat.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
