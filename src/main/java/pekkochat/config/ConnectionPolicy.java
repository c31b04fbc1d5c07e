package pekkochat.config;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Optional;

/**
 * What the server allows one connection, and how many connections it takes: the guards against
 * peers that never join, go silent, flood the room or open connections without end. Read from
 * {@code pekko-chat.server}; docs/SECURITY.md explains each.
 *
 * @param joinTimeout a connection that has not joined within this is closed
 * @param idleTimeout a joined connection that sends nothing for this long is closed; empty: never
 * @param keepalive TCP keepalive probing of idle connections, to find dead peers
 * @param maxConnections connections at once, in total
 * @param maxConnectionsPerAddress connections at once from one remote IP address
 * @param floodBurst messages a user may send at once before being slowed down
 * @param floodRate messages per second a user may send in the long run
 * @param newConnectionsPerAddressBurst new connections one address may open at once
 * @param newConnectionsPerAddressRate new connections per second one address may open in the long run
 * @param resumeBuffer private messages each connection keeps of those it sent, for a resume of it
 * @param resumeBufferBytes most bytes (of the heap) those take, per connection
 */
public record ConnectionPolicy(
    Duration joinTimeout,
    Optional<Duration> idleTimeout,
    Keepalive keepalive,
    int maxConnections,
    int maxConnectionsPerAddress,
    int floodBurst,
    double floodRate,
    int newConnectionsPerAddressBurst,
    double newConnectionsPerAddressRate,
    int resumeBuffer,
    long resumeBufferBytes) {

  /**
   * TCP keepalive: after {@code idle} without traffic the kernel sends a probe every {@code
   * interval}; after {@code count} unanswered probes the connection is reset, and the session
   * ends like any other dropped connection.
   */
  public record Keepalive(boolean enabled, Duration idle, Duration interval, int count) {}

  public static ConnectionPolicy fromConfig(Config server) {
    Config k = server.getConfig("keepalive");
    Config flood = server.getConfig("flood");
    String idle = server.getString("idle-timeout");
    ConnectionPolicy policy =
        new ConnectionPolicy(
            server.getDuration("join-timeout"),
            idle.equals("off") ? Optional.empty() : Optional.of(server.getDuration("idle-timeout")),
            new Keepalive(k.getBoolean("enabled"), k.getDuration("idle"), k.getDuration("interval"), k.getInt("count")),
            server.getInt("max-connections"),
            server.getInt("max-connections-per-address"),
            flood.getInt("burst"),
            flood.getDouble("rate"),
            server.getInt("new-connections-per-address.burst"),
            server.getDouble("new-connections-per-address.rate"),
            server.getInt("resume-buffer"),
            server.getBytes("resume-buffer-bytes"));
    policy.check();
    return policy;
  }

  private void check() {
    require(!joinTimeout.isNegative() && !joinTimeout.isZero(), "join-timeout must be positive");
    require(maxConnections > 0, "max-connections must be at least 1");
    require(maxConnectionsPerAddress > 0, "max-connections-per-address must be at least 1");
    require(floodBurst >= 1, "flood.burst must be at least 1");
    require(floodRate > 0, "flood.rate must be positive");
    require(newConnectionsPerAddressBurst >= 1, "new-connections-per-address.burst must be at least 1");
    require(newConnectionsPerAddressRate > 0, "new-connections-per-address.rate must be positive");
    require(keepalive.count() >= 1, "keepalive.count must be at least 1");
    require(resumeBuffer >= 0, "resume-buffer must not be negative");
    require(resumeBufferBytes >= 0, "resume-buffer-bytes must not be negative");
  }

  private static void require(boolean ok, String what) {
    if (!ok) {
      throw new IllegalArgumentException("pekko-chat.server: " + what);
    }
  }
}
