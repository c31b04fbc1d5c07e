package pekkochat.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.TypeConversionException;

class FanoutOptionsTest {

  @Test
  void amountsTakeDecimalSuffixes() {
    FanoutScenario.Amount a = new FanoutScenario.Amount();
    assertEquals(1500.0, a.convert("1500"));
    assertEquals(30_000.0, a.convert("30k"));
    assertEquals(3_000_000.0, a.convert("3m"));
    assertEquals(3_500_000.0, a.convert("3.5M"));
    assertThrows(TypeConversionException.class, () -> a.convert("lots"));
  }

  @Test
  void durationsTakeUnits() {
    FanoutScenario.Time t = new FanoutScenario.Time();
    assertEquals(Duration.ofSeconds(10), t.convert("10s"));
    assertEquals(Duration.ofMillis(500), t.convert("500ms"));
    assertEquals(Duration.ofMinutes(2), t.convert("2m"));
    assertEquals(Duration.ofMillis(1500), t.convert("1.5"));
    assertThrows(TypeConversionException.class, () -> t.convert("soon"));
  }

  @Test
  void deliveriesAreConvertedToLinesAndTheDefaultsDependOnRamp() {
    FanoutScenario s = new FanoutScenario();
    new CommandLine(s).parseArgs("--deliveries", "3m");
    assertEquals(3_000_000.0 / 99, s.linesPerSecond(), 1e-9);
    assertEquals(Duration.ofSeconds(10), s.duration());
    assertEquals(Duration.ofSeconds(3), s.warmup());

    FanoutScenario ramp = new FanoutScenario();
    new CommandLine(ramp).parseArgs("--ramp", "--users", "11");
    assertEquals(1000, ramp.linesPerSecond());
    assertEquals(Duration.ofSeconds(4), ramp.duration());
    assertEquals(Duration.ofSeconds(1), ramp.warmup());
  }

  @Test
  void rateAndDeliveriesExcludeEachOther() {
    assertThrows(CommandLine.ParameterException.class,
        () -> new CommandLine(new FanoutScenario()).parseArgs("--rate", "10", "--deliveries", "10"));
  }
}
