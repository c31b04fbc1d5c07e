package pekkochat.config;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.time.Duration;
import pekkochat.protocol.ProtocolLimits;

/** The client's settings, read once from {@code pekko-chat.client} and {@code pekko-chat.protocol}. */
public record ClientSettings(
    int port,
    Path downloadDirectory,
    Duration connectTimeout,
    int outboundQueueSize,
    int fileChunkSize,
    ProtocolLimits limits) {

  public static ClientSettings fromConfig(Config config) {
    Config c = config.getConfig("pekko-chat.client");
    return new ClientSettings(
        c.getInt("port"),
        Path.of(c.getString("download-directory")),
        c.getDuration("connect-timeout"),
        c.getInt("outbound-queue-size"),
        Math.toIntExact(c.getBytes("file-chunk-size")),
        ProtocolLimits.fromConfig(config));
  }

  public ClientSettings withDownloadDirectory(Path dir) {
    return new ClientSettings(
        port, dir, connectTimeout, outboundQueueSize, fileChunkSize, limits);
  }
}
