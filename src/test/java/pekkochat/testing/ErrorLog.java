package pekkochat.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.LoggerFactory;

/**
 * Collects what is logged at ERROR level in this JVM, for tests that assert that hostile input
 * makes nothing fail on the server. A typed actor's failure is logged on its own thread before it
 * stops, so by the time a session is seen to have ended, its failure (if any) is here.
 */
public final class ErrorLog extends AppenderBase<ILoggingEvent> implements AutoCloseable {

  private final ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
  private final Logger root;

  private ErrorLog(Logger root) {
    this.root = root;
  }

  /** Starts collecting, from every logger. */
  public static ErrorLog capture() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    ErrorLog log = new ErrorLog(context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME));
    log.setContext(context);
    log.setName("error-log");
    log.start();
    log.root.addAppender(log);
    return log;
  }

  @Override
  protected void append(ILoggingEvent event) {
    if (event.getLevel().isGreaterOrEqual(Level.ERROR)) {
      IThrowableProxy t = event.getThrowableProxy();
      errors.add(
          event.getLoggerName() + ": " + event.getFormattedMessage()
              + (t == null ? "" : " (" + t.getClassName() + ": " + t.getMessage() + ")"));
    }
  }

  /** What was logged since the last call. */
  public List<String> drain() {
    List<String> out = new ArrayList<>();
    for (String e = errors.poll(); e != null; e = errors.poll()) {
      out.add(e);
    }
    return out;
  }

  @Override
  public void close() {
    root.detachAppender(this);
    stop();
  }
}
