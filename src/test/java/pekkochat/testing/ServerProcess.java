package pekkochat.testing;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The project's server in a JVM of its own ({@code ServerMain}, this test's class path), for tests
 * that need a separate heap or a real signal. {@link #close} sends SIGTERM and waits.
 */
public final class ServerProcess implements AutoCloseable {

  private static final Pattern LISTENING = Pattern.compile("listening on /?[^:]*:(\\d+)");

  private final Process process;
  private final InetSocketAddress address;

  private ServerProcess(Process process, InetSocketAddress address) {
    this.process = process;
    this.address = address;
  }

  /**
   * Starts a server on 127.0.0.1:{@code port} (0: any free port) with {@code jvmOptions} (a heap
   * size, -D settings) and waits until it listens.
   */
  public static ServerProcess start(Path spool, int port, String... jvmOptions) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(jvmOptions));
    // The store the tests run on (PostgreSQL in the postgres profile), one per spool directory.
    TestStore.settingsFor(spool).forEach((key, value) -> command.add("-D" + key + "=" + value));
    command.addAll(
        List.of(
            "-cp", System.getProperty("java.class.path"),
            "-Dpekko-chat.server.spool-directory=" + spool,
            "-Dpekko-chat.history.data-directory=" + spool.resolve("history"),
            "pekkochat.server.ServerMain", "--host", "127.0.0.1", "--port", String.valueOf(port)));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    Process process = pb.start();
    BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    StringBuilder seen = new StringBuilder();
    while (System.nanoTime() < deadline) {
      String line = out.readLine();
      if (line == null) {
        break;
      }
      seen.append(line).append('\n');
      Matcher m = LISTENING.matcher(line);
      if (m.find()) {
        Thread drain = new Thread(() -> out.lines().forEach(l -> {}), "server-output");
        drain.setDaemon(true);
        drain.start();
        return new ServerProcess(process, new InetSocketAddress("127.0.0.1", Integer.parseInt(m.group(1))));
      }
    }
    process.destroyForcibly();
    throw new AssertionError("server did not start:\n" + seen);
  }

  public InetSocketAddress address() {
    return address;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Sends SIGTERM and waits up to {@code seconds} for the exit; returns whether it exited. */
  public boolean terminate(long seconds) throws InterruptedException {
    process.destroy();
    return process.waitFor(seconds, TimeUnit.SECONDS);
  }

  /** {@code kill -9}: the JVM gets no chance to flush, close or say goodbye. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  @Override
  public void close() throws InterruptedException {
    if (!terminate(15)) {
      process.destroyForcibly().waitFor();
    }
  }
}
