package pekkochat.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Builds the effective configuration, later sources winning: {@code reference.conf} defaults, an
 * optional file ({@code --config}), {@code -Dkey=value} system properties, then command-line
 * flags.
 */
public final class ConfigLoader {

  private ConfigLoader() {}

  public static Config load(Path configFile, Map<String, Object> flags) {
    Config file = ConfigFactory.empty();
    if (configFile != null) {
      if (!Files.isReadable(configFile)) {
        throw new IllegalArgumentException("config file not readable: " + configFile);
      }
      file = ConfigFactory.parseFile(configFile.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
    }
    ConfigFactory.invalidateCaches();
    return ConfigFactory.parseMap(flags, "command line")
        .withFallback(ConfigFactory.systemProperties())
        .withFallback(file)
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
  }
}
