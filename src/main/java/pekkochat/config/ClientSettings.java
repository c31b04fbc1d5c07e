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
 * @param screen how a terminal shows the conversations ({@code pekko-chat.client.screen})
 * @param reconnect how a lost connection to an extended server is made again ({@code
 *     pekko-chat.client.reconnect})
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
    Screen screen,
    long autoAcceptMax,
    boolean extendedProtocol,
    Reconnect reconnect) {

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

  /**
   * {@code pekko-chat.client.screen}: how a terminal shows rooms and private conversations.
   *
   * @param windows true: only the conversation in view is printed, the others count unread lines
   *     (irssi-like); false: every line is printed as it comes, tagged with its room
   * @param bufferLines lines kept per conversation, redrawn when it is switched to
   * @param bell when the terminal bell rings
   * @param colour whether nick colours are used (mentions stay bold and reversed without colour)
   */
  public record Screen(boolean windows, int bufferLines, Bell bell, boolean colour) {

    /** When the terminal bell rings for a line from someone else. */
    public enum Bell {
      /** Your name in a line, or a private message. */
      MENTION,
      /** Only a private message. */
      PM,
      /** Never. */
      OFF
    }

    public Screen {
      if (bufferLines < 1) {
        throw new IllegalArgumentException("pekko-chat.client.screen.buffer-lines must be at least 1");
      }
    }

    static Screen fromConfig(Config c) {
      String layout = c.getString("layout").strip().toLowerCase(java.util.Locale.ROOT);
      if (!layout.equals("windows") && !layout.equals("interleaved")) {
        throw new IllegalArgumentException(
            "pekko-chat.client.screen.layout must be windows or interleaved, not '" + layout + "'");
      }
      String bell = c.getString("bell").strip().toUpperCase(java.util.Locale.ROOT);
      Bell chosen;
      try {
        chosen = Bell.valueOf(bell);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("pekko-chat.client.screen.bell must be mention, pm or off, not '" + bell.toLowerCase(java.util.Locale.ROOT) + "'");
      }
      return new Screen(layout.equals("windows"), c.getInt("buffer-lines"), chosen, c.getBoolean("color"));
    }

    public Screen withColour(boolean on) {
      return new Screen(windows, bufferLines, bell, on);
    }
  }

  /**
   * {@code pekko-chat.client.reconnect}: after a lost connection to a server that keeps history,
   * the client connects again by itself, waiting {@code minBackoff} at first, doubling up to
   * {@code maxBackoff}, each wait off by up to {@code randomFactor} either way (jitter), until
   * {@code maxDuration} has passed since the loss ({@link Duration#ZERO}: never reconnect). At
   * most {@code maxPendingLines} lines typed meanwhile are kept.
   */
  public record Reconnect(Duration minBackoff, Duration maxBackoff, double randomFactor, Duration maxDuration, int maxPendingLines) {

    public Reconnect {
      if (minBackoff.isNegative() || minBackoff.isZero() || maxBackoff.compareTo(minBackoff) < 0) {
        throw new IllegalArgumentException("pekko-chat.client.reconnect: min-backoff must be above 0 and max-backoff at least min-backoff");
      }
      if (randomFactor < 0 || randomFactor >= 1) {
        throw new IllegalArgumentException("pekko-chat.client.reconnect.random-factor must be at least 0 and below 1");
      }
      if (maxDuration.isNegative() || maxPendingLines < 1) {
        throw new IllegalArgumentException("pekko-chat.client.reconnect: max-duration must be 0 or more, max-pending-lines at least 1");
      }
    }

    /** Whether a lost connection is made again at all. */
    public boolean enabled() {
      return !maxDuration.isZero();
    }

    static Reconnect fromConfig(Config c) {
      return new Reconnect(
          c.getDuration("min-backoff"),
          c.getDuration("max-backoff"),
          c.getDouble("random-factor"),
          c.getDuration("max-duration"),
          c.getInt("max-pending-lines"));
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
        Screen.fromConfig(c.getConfig("screen")),
        c.getBytes("auto-accept-max"),
        c.getBoolean("extended-protocol"),
        Reconnect.fromConfig(c.getConfig("reconnect")));
  }

  public ClientSettings withDownloadDirectory(Path dir) {
    return new ClientSettings(
        port, dir, connectTimeout, outboundQueueSize, fileChunkSize, tls, limits, maxLinesPerMessage, screen, autoAcceptMax, extendedProtocol, reconnect);
  }

  public ClientSettings withAutoAcceptMax(long bytes) {
    return new ClientSettings(
        port, downloadDirectory, connectTimeout, outboundQueueSize, fileChunkSize, tls, limits, maxLinesPerMessage, screen, bytes, extendedProtocol, reconnect);
  }

  public ClientSettings withExtendedProtocol(boolean ask) {
    return new ClientSettings(
        port, downloadDirectory, connectTimeout, outboundQueueSize, fileChunkSize, tls, limits, maxLinesPerMessage, screen, autoAcceptMax, ask, reconnect);
  }

  public ClientSettings withReconnect(Reconnect newReconnect) {
    return new ClientSettings(
        port, downloadDirectory, connectTimeout, outboundQueueSize, fileChunkSize, tls, limits, maxLinesPerMessage, screen, autoAcceptMax, extendedProtocol, newReconnect);
  }

  public ClientSettings withTls(Tls newTls) {
    return new ClientSettings(
        port, downloadDirectory, connectTimeout, outboundQueueSize, fileChunkSize, newTls, limits, maxLinesPerMessage, screen, autoAcceptMax, extendedProtocol, reconnect);
  }

  public ClientSettings withScreen(Screen newScreen) {
    return new ClientSettings(
        port, downloadDirectory, connectTimeout, outboundQueueSize, fileChunkSize, tls, limits, maxLinesPerMessage, newScreen, autoAcceptMax, extendedProtocol, reconnect);
  }
}
