package pekkochat.config;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import pekkochat.protocol.ProtocolLimits;

/** The server's settings, read once from {@code pekko-chat.server} and {@code pekko-chat.protocol}. */
public record ServerSettings(
    String host,
    int port,
    int backlog,
    int outboundQueueSize,
    long outboundQueueBytes,
    Duration broadcastFlushIntervalPerUser,
    Duration closeTimeout,
    int maxNameLength,
    Path spoolDirectory,
    long spoolMaxSize,
    long spoolMinFreeSpace,
    Duration relayLeadTime,
    Duration relayStallTimeout,
    Duration relayCompletionTimeout,
    long uploadMinRate,
    Duration uploadRateWindow,
    Duration fileAnnounceHold,
    int fileChunkSize,
    Duration shutdownGrace,
    Tls tls,
    ProtocolLimits limits,
    ConnectionPolicy policy,
    Transfers transfers) {

  /**
   * {@code pekko-chat.server.transfers}: chunked transfers of the extended protocol (XFER).
   *
   * @param maxPerConnection most uploads, and most downloads being sent, per connection at once
   * @param offerTimeout how long a file offered to a recipient waits for its ACCEPT or DECLINE
   */
  public record Transfers(int maxPerConnection, Duration offerTimeout) {
    static Transfers fromConfig(Config c) {
      return new Transfers(c.getInt("max-per-connection"), c.getDuration("offer-timeout"));
    }
  }

  /**
   * {@code pekko-chat.server.tls}: whether to listen with TLS, and the PKCS12 key store holding
   * the server's private key and certificate (chain). The key's password is the store's.
   */
  public record Tls(boolean enabled, Optional<Path> keyStore, String keyStorePassword) {

    static Tls fromConfig(Config c) {
      String store = c.getString("key-store");
      return new Tls(
          c.getBoolean("enabled"),
          store.isBlank() ? Optional.empty() : Optional.of(Path.of(store)),
          c.getString("key-store-password"));
    }

    /** Never shows the password (records print every component). */
    @Override
    public String toString() {
      return "Tls[enabled=" + enabled + ", keyStore=" + keyStore.map(Path::toString).orElse("") + ", keyStorePassword=***]";
    }
  }

  public static ServerSettings fromConfig(Config config) {
    Config c = config.getConfig("pekko-chat.server");
    int port = c.getInt("port");
    String spool = c.getString("spool-directory");
    Path spoolDir =
        spool.isBlank()
            ? Path.of(System.getProperty("java.io.tmpdir"), "pekko-chat-spool-" + port)
            : Path.of(spool);
    return new ServerSettings(
        c.getString("host"),
        port,
        c.getInt("backlog"),
        c.getInt("outbound-queue-size"),
        c.getBytes("outbound-queue-bytes"),
        c.getDuration("broadcast-flush-interval-per-user"),
        c.getDuration("close-timeout"),
        c.getInt("max-name-length"),
        spoolDir,
        c.getBytes("spool-max-size"),
        c.getBytes("spool-min-free-space"),
        c.getDuration("relay-lead-time"),
        c.getDuration("relay-stall-timeout"),
        c.getDuration("relay-completion-timeout"),
        c.getBytes("upload-min-rate"),
        c.getDuration("upload-rate-window"),
        c.getDuration("file-announce-hold"),
        Math.toIntExact(c.getBytes("file-chunk-size")),
        c.getDuration("shutdown-grace"),
        Tls.fromConfig(c.getConfig("tls")),
        ProtocolLimits.fromConfig(config),
        ConnectionPolicy.fromConfig(c),
        Transfers.fromConfig(c.getConfig("transfers")));
  }

  public ServerSettings withSpoolDirectory(Path dir) {
    return new ServerSettings(
        host, port, backlog, outboundQueueSize, outboundQueueBytes, broadcastFlushIntervalPerUser, closeTimeout, maxNameLength, dir, spoolMaxSize,
        spoolMinFreeSpace, relayLeadTime, relayStallTimeout, relayCompletionTimeout, uploadMinRate, uploadRateWindow,
        fileAnnounceHold, fileChunkSize, shutdownGrace, tls, limits, policy, transfers);
  }
}
