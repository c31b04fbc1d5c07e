package pekkochat.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A seed server ({@link SeedImplementation}) on 127.0.0.1. The original logs the port it was asked
 * for, so port 0 is of no use: a free port is picked, and on a bind failure (the process ends, or
 * logs "Failed to start server") another one. It is ready once it logged "Server listening on" and
 * accepts a connection (polled). {@link #close} kills it, its only way to stop.
 */
public final class SeedServer implements AutoCloseable {

  private static final int ATTEMPTS = 5;
  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

  private final SeedImplementation implementation;
  private final SeedProcess process;
  private final InetSocketAddress address;

  private SeedServer(SeedImplementation implementation, SeedProcess process, InetSocketAddress address) {
    this.implementation = implementation;
    this.process = process;
    this.address = address;
  }

  public static SeedServer start(SeedImplementation implementation, Path workDir) throws IOException, InterruptedException {
    StringBuilder failures = new StringBuilder();
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      int port = freePort();
      SeedProcess p =
          new SeedProcess(
              implementation + "-server:" + port, workDir, implementation.serverCommand("127.0.0.1", port), line -> line);
      if (awaitListening(p, port)) {
        return new SeedServer(implementation, p, new InetSocketAddress("127.0.0.1", port));
      }
      p.close();
      failures.append("\n  attempt ").append(attempt).append(": ").append(p.describe());
    }
    throw new AssertionError(implementation + " server did not start:" + failures);
  }

  private static boolean awaitListening(SeedProcess p, int port) throws InterruptedException {
    String listening = "Server listening on 127.0.0.1:" + port;
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline && p.process.isAlive()) {
      List<String> log = p.stderr().all();
      if (log.stream().anyMatch(l -> l.contains("Failed to start server"))) {
        return false;
      }
      // The log line proves the port is this process's; the connect that it accepts.
      if (log.stream().anyMatch(l -> l.contains(listening)) && accepts(port)) {
        return true;
      }
      p.stderr().awaitUntil(l -> l.size() > log.size(), Duration.ofMillis(25));
    }
    return false;
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  public InetSocketAddress address() {
    return address;
  }

  public SeedImplementation implementation() {
    return implementation;
  }

  /** Its log so far (stderr), for failure messages. */
  public List<String> log() {
    return process.stderr().all();
  }

  @Override
  public void close() throws InterruptedException {
    process.close();
  }

  @Override
  public String toString() {
    return implementation + " seed server at " + address;
  }
}
