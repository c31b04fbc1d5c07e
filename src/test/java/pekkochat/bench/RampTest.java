package pekkochat.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.Test;

class RampTest {

  /** Runs a search against a server that holds exactly the rates {@code holds} accepts; returns the rates tried. */
  private static List<Long> run(Ramp ramp, LongPredicate holds) {
    List<Long> tried = new ArrayList<>();
    while (!ramp.done()) {
      tried.add(ramp.rate());
      ramp.record(holds.test(ramp.rate()));
      assertTrue(tried.size() < 100, "the search ends");
    }
    return tried;
  }

  @Test
  void growsUntilAFailureThenBisects() {
    Ramp ramp = new Ramp(1000, 1.3, 4, 1_000_000);
    List<Long> tried = run(ramp, rate -> rate <= 5000);
    assertEquals(List.of(1000L, 1300L, 1690L, 2197L, 2856L, 3713L, 4827L, 6275L), tried.subList(0, 8));
    // Then between 4827 (held) and 6275 (failed), geometrically: 5504, then 5000 < x < 5504 ...
    assertEquals(5504L, tried.get(8));
    assertEquals(12, tried.size(), "4 bisections");
    assertTrue(ramp.best() <= 5000 && ramp.best() >= 4827, "best " + ramp.best());
    assertFalse(ramp.hitMax());
  }

  @Test
  void stopsBisectingWithin2Percent() {
    Ramp ramp = new Ramp(1000, 1.3, 20, 1_000_000);
    run(ramp, rate -> rate <= 5000);
    assertTrue(ramp.best() <= 5000 && ramp.best() >= 5000 / Ramp.RESOLUTION, "best " + ramp.best());
  }

  @Test
  void aFailingFirstStepSearchesBelowIt() {
    Ramp ramp = new Ramp(1000, 1.3, 4, 1_000_000);
    List<Long> tried = run(ramp, rate -> rate <= 300);
    assertEquals(List.of(1000L, 500L, 250L, 354L, 297L), tried);
    assertEquals(297, ramp.best());
  }

  @Test
  void nothingHolds() {
    Ramp ramp = new Ramp(100, 1.3, 3, 1000);
    run(ramp, rate -> false);
    assertEquals(0, ramp.best());
  }

  @Test
  void stopsAtTheMaximumWhenEverythingHolds() {
    Ramp ramp = new Ramp(100, 2, 4, 1000);
    List<Long> tried = run(ramp, rate -> true);
    assertEquals(List.of(100L, 200L, 400L, 800L, 1000L), tried);
    assertEquals(1000, ramp.best());
    assertTrue(ramp.hitMax());
    assertThrows(IllegalStateException.class, () -> ramp.record(true));
  }

  @Test
  void smallRatesStillGrow() {
    Ramp ramp = new Ramp(1, 1.3, 0, 5);
    assertEquals(List.of(1L, 2L, 3L, 4L, 5L), run(ramp, rate -> true));
  }
}
