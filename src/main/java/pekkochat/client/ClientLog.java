package pekkochat.client;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Each client process logs to a file of its own, {@code client-USER-PID.log}, never onto the
 * user's screen, which belongs to the chat. The directory is the system property
 * {@value #DIR_PROPERTY} ({@code scripts/run-client}: {@code logs/} in the project, or
 * {@code $PEKKOCHAT_CLIENT_LOG_DIR}), else {@code pekko-chat-logs-OSUSER} in the temp directory.
 * Only the newest {@value #KEEP_PROPERTY} (default {@value #DEFAULT_KEEP}) client logs there are
 * kept: older ones are deleted when a client starts.
 *
 * <p>Logging is set up on a thread of its own while the client reads its configuration and starts
 * (its file is written by {@link ClientLogConfigurator}, without parsing any XML); what is logged
 * before it is up, SLF4J keeps and hands over then.
 */
public final class ClientLog {

  /** Directory of the client logs. */
  public static final String DIR_PROPERTY = "pekkochat.client.log-dir";
  /** How many client logs to keep in it, this one included. */
  public static final String KEEP_PROPERTY = "pekkochat.client.log-keep";
  /** Set by {@link #start} to this process's log file; {@link ClientLogConfigurator} writes it. */
  public static final String FILE_PROPERTY = "pekkochat.client.log-file";

  static final int DEFAULT_KEEP = 20;
  private static final String SLF4J_VERBOSITY = "slf4j.internal.verbosity";
  private static final int MAX_NAME_CHARS = 32;

  private ClientLog() {}

  /**
   * Names this process's log after {@code username} and the process id, and sets logging up in
   * the background (old logs are pruned first). Returns the log file.
   */
  public static Path start(String username) {
    // The actor system starts meanwhile, and its logger may ask SLF4J for a logger before logback
    // is up: SLF4J then queues those events and replays them once it is, saying so on stderr
    // (a warning, like any other of its own). The screen is the chat's: errors only.
    if (System.getProperty(SLF4J_VERBOSITY) == null) {
      System.setProperty(SLF4J_VERBOSITY, "ERROR");
    }
    Path dir = directory();
    Path file = dir.resolve(fileName(username, ProcessHandle.current().pid()));
    System.setProperty(FILE_PROPERTY, file.toString());
    Thread t = new Thread(() -> setUp(dir), "client-log-setup");
    t.setDaemon(true);
    t.start();
    return file;
  }

  private static void setUp(Path dir) {
    prune(dir, keep());
    LoggerFactory.getLogger(ClientLog.class).info("pekko-chat client log, process {}", ProcessHandle.current().pid());
  }

  static Path directory() {
    String dir = System.getProperty(DIR_PROPERTY);
    if (dir != null && !dir.isBlank()) {
      return Path.of(dir);
    }
    return Path.of(System.getProperty("java.io.tmpdir"), "pekko-chat-logs-" + safe(System.getProperty("user.name", "user")));
  }

  private static int keep() {
    try {
      return Math.max(1, Integer.parseInt(System.getProperty(KEEP_PROPERTY, String.valueOf(DEFAULT_KEEP)).strip()));
    } catch (NumberFormatException e) {
      return DEFAULT_KEEP;
    }
  }

  /** {@code client-USER-PID.log}, the name reduced to characters safe in any file system. */
  static String fileName(String username, long pid) {
    return "client-" + safe(username) + "-" + pid + ".log";
  }

  /**
   * Letters, digits, {@code .} and {@code _} kept (ASCII only), anything else (path separators,
   * control characters, {@code -} which separates the pid) becomes {@code _}; at most 32 characters.
   */
  static String safe(String name) {
    StringBuilder b = new StringBuilder();
    String s = name == null ? "" : name.strip();
    for (int i = 0; i < s.length() && b.length() < MAX_NAME_CHARS; i++) {
      char c = s.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
          || (c == '.' && b.length() > 0);
      b.append(ok ? c : '_');
    }
    return b.length() == 0 ? "_" : b.toString();
  }

  /**
   * Deletes the oldest {@code client-*.log} files in {@code dir} (by last modification) so that
   * {@code keep - 1} remain, leaving room for the one about to be written. Best effort: a file
   * that cannot be deleted stays.
   */
  static void prune(Path dir, int keep) {
    if (!Files.isDirectory(dir)) {
      return;
    }
    record Log(Path path, FileTime modified) {}
    List<Log> logs = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "client-*.log")) {
      for (Path p : files) {
        try {
          logs.add(new Log(p, Files.getLastModifiedTime(p)));
        } catch (IOException e) {
          // vanished meanwhile (another client pruning): nothing to do
        }
      }
    } catch (IOException e) {
      return;
    }
    logs.sort(Comparator.comparing(Log::modified).reversed());
    for (int i = Math.max(0, keep - 1); i < logs.size(); i++) {
      try {
        Files.deleteIfExists(logs.get(i).path());
      } catch (IOException e) {
        // kept: best effort
      }
    }
  }
}
