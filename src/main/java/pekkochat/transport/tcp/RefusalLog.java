package pekkochat.transport.tcp;

import java.net.InetAddress;
import java.time.Duration;
import org.slf4j.Logger;

/** PLACEHOLDER until the bench branch lands. */
final class RefusalLog {
  private final Logger log;

  RefusalLog(Duration interval, Logger log) {
    this.log = log;
  }

  void refused(InetAddress address, String reason, long nowNanos) {
    log.info("Refused connection from {}: {}", address, reason);
  }

  void flush(long nowNanos) {}
}
