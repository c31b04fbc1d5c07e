package pekkochat.client;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.status.NopStatusListener;

/**
 * Logback's configuration for a client process ({@link ClientLog}): INFO and above into the file
 * named by {@value ClientLog#FILE_PROPERTY}, nothing on the console. Set up in code because
 * parsing an XML configuration took a client's start 50-100 ms.
 *
 * <p>Found by logback through {@code META-INF/services}, it only acts in a client process (the
 * property is set) and when no {@code -Dlogback.configurationFile} was given: such a file still
 * wins (it may use {@code ${pekkochat.client.log-file}}). Everywhere else (the server, tests) it
 * hands over to logback's usual configuration.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class ClientLogConfigurator extends ContextAwareBase implements Configurator {

  static final String PATTERN = "%d{ISO8601} %-5level %logger{36} - %msg%n";

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    String file = System.getProperty(ClientLog.FILE_PROPERTY);
    if (file == null || System.getProperty(ContextInitializer.CONFIG_FILE_PROPERTY) != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    // Logback reports its own problems (an unwritable log directory) on the console unless a
    // status listener is there: the console is the user's chat, so they go nowhere.
    context.getStatusManager().add(new NopStatusListener());
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    FileAppender<ILoggingEvent> appender = new FileAppender<>();
    appender.setContext(context);
    appender.setName("FILE");
    appender.setFile(file); // creates missing parent directories
    appender.setEncoder(encoder);
    appender.start();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.INFO);
    root.addAppender(appender);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
