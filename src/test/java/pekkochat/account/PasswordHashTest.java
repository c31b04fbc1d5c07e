package pekkochat.account;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Argon2id PHC strings, and the login throttle's counting, with no server. */
class PasswordHashTest {

  private final PasswordHash cheap = new PasswordHash(1024, 1, 1);

  @Test
  void aHashVerifiesItsPasswordOnlyAndCarriesItsSaltAndCost() {
    String phc = cheap.hash("correct horse");
    assertTrue(phc.startsWith("$argon2id$v=19$m=1024,t=1,p=1$"), phc);
    assertFalse(phc.contains("correct horse"));
    assertTrue(PasswordHash.verify("correct horse", phc));
    assertFalse(PasswordHash.verify("correct horsf", phc));
    assertFalse(PasswordHash.verify("", phc));
    assertNotEquals(phc, cheap.hash("correct horse"), "a fresh salt each time");
    // Verifying uses the stored cost, not the current settings.
    assertTrue(PasswordHash.verify("pw", new PasswordHash(2048, 2, 1).hash("pw")));
  }

  @Test
  void theReferenceVectorOfRfc9106IsReproduced() {
    // RFC 9106 5.3 uses a secret and associated data, which accounts do not; this checks the
    // generator against the argon2 reference implementation's CLI instead:
    // echo -n password | argon2 somesalt -id -t 2 -m 16 -p 1 -l 32 -e
    String phc = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc";
    assertTrue(PasswordHash.verify("password", phc));
    assertFalse(PasswordHash.verify("passwore", phc));
  }

  @Test
  void whatIsNotAnArgon2idHashMatchesNothing() {
    assertFalse(PasswordHash.verify("pw", ""));
    assertFalse(PasswordHash.verify("pw", null));
    assertFalse(PasswordHash.verify("pw", "$argon2i$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"));
    assertFalse(PasswordHash.verify("pw", "$argon2id$v=19$m=999999999,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"));
    assertFalse(PasswordHash.verify("pw", "$argon2id$v=19$m=1024,t=1,p=1$!!$!!"));
  }

  @Test
  void theThrottleCoolsAKeyDownAtItsLimitAndForgetsOldFailures() {
    LoginThrottle t = new LoginThrottle(3, Duration.ofSeconds(60), Duration.ofSeconds(42));
    long now = 1_000_000_000L;
    assertEquals(Duration.ZERO, t.failed("a", now));
    assertEquals(Duration.ZERO, t.failed("a", now + 1));
    assertEquals(Duration.ofSeconds(42), t.failed("a", now + 2));
    assertEquals(42, LoginThrottle.seconds(t.waitFor("a", now + 2)));
    assertEquals(Duration.ZERO, t.waitFor("b", now + 2), "another key is not affected");
    assertEquals(Duration.ZERO, t.waitFor("a", now + 2 + Duration.ofSeconds(42).toNanos()));
    // Failures older than the window do not count.
    assertEquals(Duration.ZERO, t.failed("b", now));
    assertEquals(Duration.ZERO, t.failed("b", now + 1));
    assertEquals(Duration.ZERO, t.failed("b", now + Duration.ofSeconds(61).toNanos()));
    t.sweep(now + Duration.ofSeconds(200).toNanos());
    assertEquals(0, t.size());
  }
}
