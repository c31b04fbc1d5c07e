package pekkochat.bench;

import java.io.IOException;
import java.net.InetSocketAddress;

/** A {@link CeilingServer} serving on a free loopback port in a thread of its own, for tests. */
final class RunningCeiling implements AutoCloseable {

  private final CeilingServer server;
  private final Thread serving;

  RunningCeiling() throws IOException {
    server = CeilingServer.bind(new InetSocketAddress("127.0.0.1", 0));
    serving = new Thread(() -> {
      try {
        server.run();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }, "ceiling");
    serving.start();
  }

  int port() {
    return server.port();
  }

  @Override
  public void close() throws InterruptedException {
    server.close();
    serving.join(5000);
  }
}
