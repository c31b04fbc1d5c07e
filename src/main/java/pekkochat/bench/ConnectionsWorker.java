package pekkochat.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code bench connections-worker}: a child process of {@code bench connections} holding a share
 * of its users. Not for people: it reads {@link WorkerProtocol} commands on stdin and writes its
 * reports on stdout, and ends when stdin ends, so it never outlives the bench.
 */
@Command(name = "connections-worker", hidden = true,
    description = "Internal: one client process of 'bench connections' (driven over stdin/stdout).")
final class ConnectionsWorker implements Callable<Integer> {

  @Option(names = "--worker", required = true) int worker;
  @Option(names = "--host", required = true) String host;
  @Option(names = "--port", required = true) int port;
  @Option(names = "--first-user", required = true) int firstUser;
  @Option(names = "--users", required = true) int users;
  @Option(names = "--concurrency", required = true) int concurrency;
  @Option(names = "--join-rate", required = true) double joinRate;
  @Option(names = "--users-per-address", required = true) int usersPerAddress;

  @Override
  public Integer call() throws Exception {
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    var spec = new WorkerProtocol.Spec(worker, host, port, firstUser, users, concurrency, joinRate, usersPerAddress);
    WorkerProtocol.serve(spec, in::readLine, line -> {
      synchronized (out) {
        out.println(line);
        out.flush();
      }
    });
    return 0;
  }
}
