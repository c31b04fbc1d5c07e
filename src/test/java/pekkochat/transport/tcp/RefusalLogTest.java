package pekkochat.transport.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Refusals are aggregated per address and interval; time is passed in, nothing sleeps. */
class RefusalLogTest {

  private static final long S = 1_000_000_000L;
  private static final String LIMIT = "too many connections from this address";

  private ListAppender<ILoggingEvent> captured;
  private RefusalLog refusals;

  @BeforeEach
  void capture() {
    LoggerContext context = new LoggerContext(); // its own: the test's logback configuration is not involved
    ch.qos.logback.classic.Logger logger = context.getLogger("refusals");
    logger.setLevel(Level.INFO);
    captured = new ListAppender<>();
    captured.setContext(context);
    captured.start();
    logger.addAppender(captured);
    refusals = new RefusalLog(Duration.ofSeconds(5), 3, logger);
  }

  private List<String> lines() {
    List<String> lines = captured.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
    captured.list.clear();
    return lines;
  }

  private static InetAddress ip(String address) throws UnknownHostException {
    return InetAddress.getByName(address);
  }

  @Test
  void theFirstIsLoggedAtOnceTheRestCountedUntilTheIntervalEnds() throws Exception {
    long t0 = 1_000 * S; // nanoTime may be anything, negative included
    for (int i = 0; i < 2_000; i++) {
      refusals.refused(ip("10.0.0.1"), LIMIT, t0 + i * (3 * S / 2_000));
    }
    assertEquals(List.of("INFO Refused connection from 10.0.0.1: " + LIMIT), lines());

    refusals.flush(t0 + 5 * S - 1);
    assertEquals(List.of(), lines(), "the interval is not over yet");
    refusals.flush(t0 + 5 * S);
    assertEquals(List.of("INFO Refused 1,999 more connection(s) from 10.0.0.1 in the last 5 s: " + LIMIT), lines());
    refusals.flush(t0 + 20 * S);
    assertEquals(List.of(), lines(), "counted once");
  }

  @Test
  void theNextRefusalAfterTheIntervalLogsTheCountAndStartsAnew() throws Exception {
    long t0 = -7 * S;
    refusals.refused(ip("10.0.0.1"), LIMIT, t0);
    refusals.refused(ip("10.0.0.1"), LIMIT, t0 + S);
    refusals.refused(ip("10.0.0.1"), LIMIT, t0 + 6 * S);
    assertEquals(List.of(
        "INFO Refused connection from 10.0.0.1: " + LIMIT,
        "INFO Refused 1 more connection(s) from 10.0.0.1 in the last 5 s: " + LIMIT,
        "INFO Refused connection from 10.0.0.1: " + LIMIT), lines());
  }

  @Test
  void aSingleRefusalIsNotSummarized() throws Exception {
    refusals.refused(ip("10.0.0.1"), LIMIT, 0);
    refusals.flush(10 * S);
    assertEquals(List.of("INFO Refused connection from 10.0.0.1: " + LIMIT), lines());
  }

  @Test
  void addressesAndReasonsAreCountedApart() throws Exception {
    refusals.refused(ip("10.0.0.1"), LIMIT, 0);
    refusals.refused(ip("10.0.0.2"), LIMIT, S);
    refusals.refused(ip("10.0.0.1"), "server full", 2 * S);
    refusals.refused(ip("10.0.0.1"), LIMIT, 2 * S);
    refusals.refused(ip("10.0.0.2"), LIMIT, 3 * S);
    refusals.refused(ip("10.0.0.2"), LIMIT, 3 * S);
    assertEquals(3, lines().size(), "one line at once per address and reason");

    refusals.flush(5 * S); // only the first window has ended
    assertEquals(List.of("INFO Refused 1 more connection(s) from 10.0.0.1 in the last 5 s: " + LIMIT), lines());
    refusals.flush(6 * S);
    assertEquals(List.of("INFO Refused 2 more connection(s) from 10.0.0.2 in the last 5 s: " + LIMIT), lines());
  }

  @Test
  void memoryIsBoundedBeyondTheCapTheRestCountsAsOtherAddresses() throws Exception {
    for (int i = 1; i <= 1_000; i++) {
      refusals.refused(ip("10.0.3." + (i % 250)), LIMIT, i);
      refusals.refused(ip("10.0.4." + (i % 250)), "server full", i);
    }
    assertEquals(3, refusals.tracked(), "the cap");
    assertEquals(List.of(
        "INFO Refused connection from 10.0.3.1: " + LIMIT,
        "INFO Refused connection from 10.0.4.1: server full",
        "INFO Refused connection from 10.0.3.2: " + LIMIT,
        "INFO Refused connection from 10.0.4.2: server full"), lines(), "three tracked, then the first other");

    refusals.flush(5 * S + 1_000);
    List<String> summaries = lines();
    assertEquals(4, summaries.size(), summaries.toString());
    assertEquals("INFO Refused 1,987 more connection(s) from other addresses in the last 5 s: "
        + "server full (and other reasons)", summaries.get(3));
    assertEquals(0, refusals.tracked());
  }

  @Test
  void flushAllLogsRunningIntervalsWithTheirTimeSoFar() throws Exception {
    refusals.refused(ip("::1"), LIMIT, 0);
    refusals.refused(ip("::1"), LIMIT, S);
    refusals.flushAll(S + S / 4);
    assertEquals(List.of(
        "INFO Refused connection from 0:0:0:0:0:0:0:1: " + LIMIT,
        "INFO Refused 1 more connection(s) from 0:0:0:0:0:0:0:1 in the last 1.25 s: " + LIMIT), lines());
    refusals.flush(100 * S);
    assertEquals(List.of(), lines());
  }
}
