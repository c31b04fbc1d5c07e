package pekkochat.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import pekkochat.config.ClientSettings;

class BackoffTest {

  private static final ClientSettings.Reconnect DEFAULTS =
      new ClientSettings.Reconnect(Duration.ofMillis(500), Duration.ofSeconds(30), 0.3, Duration.ofMinutes(5), 1000);

  @Test
  void theWaitDoublesFromTheMinimumUpToTheMaximum() {
    Backoff middle = new Backoff(DEFAULTS, () -> 0.5); // no jitter
    assertEquals(Duration.ofMillis(500), middle.before(1));
    assertEquals(Duration.ofSeconds(1), middle.before(2));
    assertEquals(Duration.ofSeconds(2), middle.before(3));
    assertEquals(Duration.ofSeconds(16), middle.before(6));
    assertEquals(Duration.ofSeconds(30), middle.before(7));
    assertEquals(Duration.ofSeconds(30), middle.before(1000));
  }

  @Test
  void jitterMovesEachWaitByUpToTheRandomFactorEitherWay() {
    assertEquals(Duration.ofMillis(350), new Backoff(DEFAULTS, () -> 0.0).before(1));
    assertEquals(Duration.ofSeconds(21), new Backoff(DEFAULTS, () -> 0.0).before(20));
    assertEquals(Duration.ofMillis(600), new Backoff(DEFAULTS, () -> 5.0 / 6).before(1), "at most 650 ms");
    assertTrue(new Backoff(DEFAULTS, () -> 0.999999).before(1).toMillis() <= 650);
  }

  @Test
  void waitsAreSaidInTenthsOfASecond() {
    assertEquals("1.4 s", Backoff.seconds(Duration.ofMillis(1_380)));
    assertEquals("0.5 s", Backoff.seconds(Duration.ofMillis(500)));
    assertEquals("5 min", Backoff.span(Duration.ofMinutes(5)));
    assertEquals("90 s", Backoff.span(Duration.ofSeconds(90)));
  }
}
