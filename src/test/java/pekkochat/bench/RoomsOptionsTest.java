package pekkochat.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class RoomsOptionsTest {

  private static RoomsScenario parse(String... args) {
    RoomsScenario s = new RoomsScenario();
    new CommandLine(s).parseArgs(args);
    return s;
  }

  @Test
  void theDefaultsAreAThousandRoomsOfTenThenOneRoomOfAHundredAtTheSameDeliveries() {
    RoomsScenario s = parse();
    assertNull(s.check());
    List<RoomsScenario.Phase> phases = s.phases();
    assertEquals(2, phases.size());
    RoomsScenario.Phase rooms = phases.get(0);
    assertEquals(1000, rooms.rooms());
    assertEquals(10, rooms.roomSize());
    assertEquals(10_000, rooms.users());
    assertEquals(100_000, rooms.deliveriesPerSecond(), 1e-6);
    assertEquals(100_000.0 / 9, rooms.linesPerSecond(), 1e-9);
    RoomsScenario.Phase one = phases.get(1);
    assertEquals(1, one.rooms());
    assertEquals(100, one.users());
    assertEquals(100_000.0 / 99, one.linesPerSecond(), 1e-9);
    assertEquals(Duration.ofSeconds(10), s.options.duration(false));
    assertEquals(Duration.ofSeconds(3), s.options.warmup(false));
  }

  @Test
  void rateIsLinesOfTheRoomsPhaseAndTheOneRoomGetsItsDeliveries() {
    List<RoomsScenario.Phase> phases = parse("--rooms", "50", "--room-size", "4", "--rate", "3k",
        "--compare-users", "31").phases();
    assertEquals(200, phases.get(0).users());
    assertEquals(3000, phases.get(0).linesPerSecond(), 1e-9);
    assertEquals(9000, phases.get(0).deliveriesPerSecond(), 1e-9);
    assertEquals(300, phases.get(1).linesPerSecond(), 1e-9, "9000 deliveries/s over 30 recipients");
  }

  @Test
  void deliveriesAndNoComparison() {
    RoomsScenario s = parse("--deliveries", "1.8m", "--compare-users", "0", "--duration", "2s");
    assertEquals(1, s.phases().size());
    assertEquals(200_000, s.phases().get(0).linesPerSecond(), 1e-9);
    assertEquals(Duration.ofSeconds(2), s.options.duration(false));
  }

  @Test
  void badValuesAreRefusedWithAReason() {
    assertNotNull(parse("--room-size", "1").check());
    assertNotNull(parse("--rooms", "0").check());
    assertNotNull(parse("--compare-users", "1").check());
    assertNotNull(parse("--rooms", "2000", "--room-size", "10").check(), "20,000 connections in one process");
    assertNotNull(parse("--line-bytes", "9000").check());
    assertThrows(CommandLine.ParameterException.class, () -> parse("--rate", "10", "--deliveries", "10"));
  }
}
