package pekkochat.testing;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import pekkochat.config.ClientSettings;
import pekkochat.config.ConfigLoader;
import pekkochat.server.ChatServer;

/** Starts real servers on a free loopback port with a private spool directory. */
public final class Servers {

  private Servers() {}

  /** The project's configuration with {@code overrides} (HOCON keys to values) on top. */
  public static Config config(Map<String, Object> overrides) {
    return ConfigLoader.load(null, overrides);
  }

  public static ChatServer start(Path spool, Map<String, Object> overrides) throws ChatServer.StartFailed {
    Map<String, Object> all = new HashMap<>();
    all.put("pekko-chat.server.host", "127.0.0.1");
    all.put("pekko-chat.server.port", 0);
    all.put("pekko-chat.server.spool-directory", spool.toString());
    all.put("pekko-chat.server.shutdown-grace", "1s");
    all.putAll(overrides);
    return ChatServer.start(config(all));
  }

  public static ChatServer start(Path spool) throws ChatServer.StartFailed {
    return start(spool, Map.of());
  }

  public static ClientSettings clientSettings(Path downloads) {
    return ClientSettings.fromConfig(config(Map.of())).withDownloadDirectory(downloads);
  }

  public static Config clientConfig() {
    return ConfigFactory.empty().withFallback(config(Map.of()));
  }
}
