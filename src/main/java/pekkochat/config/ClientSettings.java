package pekkochat.config;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import pekkochat.protocol.ProtocolLimits;

/**
 * The client's settings, read once from {@code pekko-chat.client} and {@code pekko-chat.protocol}.
 *
 * @param limits the limits of what the client reads: the protocol's, but with the client's own
 *     {@code max-message-size} (frames over it are skipped, not fatal: see {@code FrameDecoder})
 * @param maxLinesPerMessage most lines of one message shown; the rest are counted
 * @param autoAcceptMax files offered by an extended server up to this size are saved without
 *     asking; 0: always ask ({@code /accept}, {@code /decline})
 * @param extendedProtocol ask the server for the extended protocol; false: speak the original
 *     protocol only, as the original client does (files as FILE frames)
 */
public record ClientSettings(
    int port,
    Path downloadDirectory,
    Duration connectTimeout,
    int outboundQueueSize,
    int fileChunkSize,
    Tls tls,
    ProtocolLimits limits,
    int maxLinesPerMessage,
    long autoAcceptMax,
    boolean extendedProtocol) {

  public ClientSettings {
    if (maxLinesPerMessage < 1) {
      throw new IllegalArgumentException("pekko-chat.client.max-lines-per-message must be at least 1");
    }
  }

  /**
   * {@code pekko-chat.client.tls}: whether to connect with TLS, and the PKCS12 trust store that
   * the server's certificate is checked against (empty: the JVM's default trust, i.e. the
   * system's certificate authorities).
   */
  public record Tls(boolean enabled, Optional<Path> trustStore, String trustStorePassword) {

    static Tls fromConfig(Config c) {
      String store = c.getString("trust-store");
      return new Tls(
          c.getBoolean("enabled"),
          store.isBlank() ? Optional.empty() : Optional.of(Path.of(store)),
          c.getString("trust-store-password"));
    }

    /** Never shows the password (records print every component). */
    @Override
    public String toString() {
      return "Tls[enabled=" + enabled + ", trustStore=" + trustStore.map(Path::toString).orElse("") + ", trustStorePassword=***]";
    }
  }

  public static ClientSettings fromConfig(Config config) {
    Config c = config.getConfig("pekko-chat.client");
    ProtocolLimits protocol = ProtocolLimits.fromConfig(config);
    return new ClientSettings(
        c.getInt("port"),
        Path.of(c.getString("download-directory")),
        c.getDuration("connect-timeout"),
        c.getInt("outbound-queue-size"),
        Math.toIntExact(c.getBytes("file-chunk-size")),
        Tls.fromConfig(c.getConfig("tls")),
        new ProtocolLimits(
            Math.toIntExact(c.getBytes("max-message-size")), protocol.maxFileBytes(), protocol.maxFileHeaderBytes()),
        c.getInt("max-lines-per-message"),
        c.getBytes("auto-accept-max"),
        c.getBoolean("extended-protocol"));
  }

  public ClientSettings withDownloadDirectory(Path dir) {
    return new ClientSettings(
        port, dir, connectTimeout, outboundQueueSize, fileChunkSize, tls, limits, maxLinesPerMessage, autoAcceptMax, extendedProtocol);
  }

  public ClientSettings withAutoAcceptMax(long bytes) {
    return new ClientSettings(
        port, downloadDirectory, connectTimeout, outboundQueueSize, fileChunkSize, tls, limits, maxLinesPerMessage, bytes, extendedProtocol);
  }

  public ClientSettings withExtendedProtocol(boolean ask) {
    return new ClientSettings(
        port, downloadDirectory, connectTimeout, outboundQueueSize, fileChunkSize, tls, limits, maxLinesPerMessage, autoAcceptMax, ask);
  }

  public ClientSettings withTls(Tls newTls) {
    return new ClientSettings(
        port, downloadDirectory, connectTimeout, outboundQueueSize, fileChunkSize, newTls, limits, maxLinesPerMessage, autoAcceptMax, extendedProtocol);
  }
}
