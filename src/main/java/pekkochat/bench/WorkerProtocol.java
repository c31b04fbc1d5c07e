package pekkochat.bench;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * How the connections scenario's coordinator drives its workers (child JVMs of the bench, or
 * threads of it): one line per command and per report, plain text, numbers in decimal. Times are
 * {@link System#nanoTime()} values; on Linux that is the system-wide monotonic clock, so the values
 * of different processes on one machine compare (the coordinator checks this with {@link #READY}).
 *
 * <pre>
 * coordinator -> worker                 worker -> coordinator
 *                                       READY nanoTime
 * JOIN                                  PROGRESS started welcomed joinNotices leaveNotices lastNotice closed
 *                                       JOINED firstConnect lastWelcome latencyMicros...
 * AWAIT-BROADCAST, BROADCAST            SENT nanoTime                 (the worker holding user 0)
 *                                       ARRIVED arrivalNanoTime...    (every user but user 0)
 * EXPECT-EOF                            (the server is about to close every connection)
 * CLOSE, or end of input                CLOSED
 *                                       FAIL reason                   (at any time; the worker stops)
 * </pre>
 */
final class WorkerProtocol {

  static final String READY = "READY";
  static final String JOIN = "JOIN";
  static final String PROGRESS = "PROGRESS";
  static final String JOINED = "JOINED";
  static final String AWAIT_BROADCAST = "AWAIT-BROADCAST";
  static final String BROADCAST = "BROADCAST";
  static final String SENT = "SENT";
  static final String ARRIVED = "ARRIVED";
  static final String EXPECT_EOF = "EXPECT-EOF";
  static final String CLOSE = "CLOSE";
  static final String CLOSED = "CLOSED";
  static final String FAIL = "FAIL";

  /** The line user 0 sends to everyone; the others receive it as {@code bench-u0::<this>}. */
  static final String BROADCAST_TEXT = "bench broadcast";

  private WorkerProtocol() {}

  /** The chat name of user {@code index} (unique over all workers). */
  static String userName(int index) {
    return "bench-u" + index;
  }

  /**
   * What one worker does: hold users {@code firstUser} to {@code firstUser + users - 1}, with at
   * most {@code concurrency} JOINs in flight, at most {@code joinRate} users per second (0: no
   * pacing), bound to 127.0.0.x source addresses {@code usersPerAddress} users apiece (0: let the
   * kernel choose).
   */
  record Spec(int worker, String host, int port, int firstUser, int users, int concurrency, double joinRate,
      int usersPerAddress) {

    List<String> toArgs() {
      return List.of("--worker", Integer.toString(worker), "--host", host, "--port", Integer.toString(port),
          "--first-user", Integer.toString(firstUser), "--users", Integer.toString(users),
          "--concurrency", Integer.toString(concurrency), "--join-rate", Double.toString(joinRate),
          "--users-per-address", Integer.toString(usersPerAddress));
    }
  }

  /**
   * Runs one worker: says {@link #READY}, then forwards each command from {@code in} (null: end of
   * input, taken as CLOSE) to its {@link UserSwarm}, whose reports go to {@code out}. Returns when
   * the swarm has ended.
   */
  static void serve(Spec spec, Callable<String> in, Consumer<String> out) throws Exception {
    UserSwarm swarm;
    try {
      swarm = new UserSwarm(spec, out);
    } catch (IOException e) {
      out.accept(FAIL + " worker " + spec.worker() + " cannot start: " + e);
      return;
    }
    swarm.start();
    out.accept(READY + " " + System.nanoTime());
    while (true) {
      String line = in.call();
      if (line == null || line.equals(CLOSE)) {
        swarm.command(CLOSE);
        break;
      }
      swarm.command(line.trim());
    }
    if (!swarm.awaitEnd(30_000)) {
      out.accept(FAIL + " worker " + spec.worker() + " did not close its connections within 30 s");
    }
  }
}
