package pekkochat.bench;

import java.util.Arrays;

/** The arithmetic of the connections and startup scenarios, kept apart so it can be tested. */
final class ConnectionFigures {

  /** Users one worker process holds at most by default: well under its 20,000 open files. */
  static final int USERS_PER_WORKER = 8000;

  private ConnectionFigures() {}

  /**
   * JOIN notices {@code n} users receive when they join one after another into an empty room:
   * the k-th to join (from 1) is announced to the k-1 already there, so n(n-1)/2 in all.
   */
  static long expectedJoinNotices(long n) {
    return n * (n - 1) / 2;
  }

  /**
   * Server memory per user in KB (1 KB = 1000 bytes): the growth of resident memory from the
   * baseline (server started, nobody connected) to all {@code users} joined, divided by users.
   */
  static double perUserKb(long baselineBytes, long allJoinedBytes, int users) {
    if (users < 1) {
      throw new IllegalArgumentException("users must be at least 1");
    }
    return (allJoinedBytes - baselineBytes) / (double) users / 1000.0;
  }

  /** Worker processes for {@code users} by default: enough that each holds at most {@link #USERS_PER_WORKER}. */
  static int defaultWorkers(int users) {
    return Math.max(1, (users + USERS_PER_WORKER - 1) / USERS_PER_WORKER);
  }

  /** How many of {@code total} users worker {@code index} of {@code workers} holds (the first ones get the remainder). */
  static int share(int total, int workers, int index) {
    int base = total / workers;
    return base + (index < total % workers ? 1 : 0);
  }

  /** The global index of the first user of worker {@code index}. */
  static int firstUser(int total, int workers, int index) {
    int first = 0;
    for (int i = 0; i < index; i++) {
      first += share(total, workers, i);
    }
    return first;
  }

  /** Nearest-rank percentile ({@code p} in (0, 100]) of {@code values}; sorts a copy. */
  static long percentile(long[] values, double p) {
    if (values.length == 0) {
      throw new IllegalArgumentException("no values");
    }
    if (!(p > 0 && p <= 100)) {
      throw new IllegalArgumentException("percentile must be in (0, 100], not " + p);
    }
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, rank - 1)];
  }

  /** The median (the lower middle value for an even count); sorts a copy. */
  static long median(long[] values) {
    if (values.length == 0) {
      throw new IllegalArgumentException("no values");
    }
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[(sorted.length - 1) / 2];
  }

  /** The server's defaults the connections scenario raises (reference.conf). */
  static final int DEFAULT_MAX_CONNECTIONS = 10_000;
  static final int DEFAULT_MAX_CONNECTIONS_PER_ADDRESS = 100;
  /** The join timeout the scenario gives the server: JOINs queue behind the room's notices. */
  static final String JOIN_TIMEOUT = "60s";

  /**
   * The {@code -D} options a server needs for {@code users} connections at once, {@code perAddress}
   * of them from one source address (all of them if the users are not spread): the two connection
   * limits raised where the defaults are too low, and a longer join timeout.
   */
  static String serverLimits(int users, int perAddress) {
    int spread = perAddress > 0 ? Math.min(perAddress, users) : users;
    return "-Dpekko-chat.server.max-connections=" + Math.max(DEFAULT_MAX_CONNECTIONS, users)
        + " -Dpekko-chat.server.max-connections-per-address=" + Math.max(DEFAULT_MAX_CONNECTIONS_PER_ADDRESS, spread)
        + " -Dpekko-chat.server.join-timeout=" + JOIN_TIMEOUT;
  }
}
