package pekkochat.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TokenBucketTest {

  private static final long SECOND = 1_000_000_000L;

  @Test
  void aBurstPassesThenEachMessageWaitsItsShare() {
    TokenBucket bucket = new TokenBucket(3, 2.0, 0);
    assertEquals(0, bucket.take(0));
    assertEquals(0, bucket.take(0));
    assertEquals(0, bucket.take(0));
    // The fourth at once must wait for half a token's worth... a whole token at 2/s: 0.5 s.
    assertEquals(SECOND / 2, bucket.take(0));
    // Reading resumes after that wait; the next one at that moment waits another 0.5 s.
    assertEquals(SECOND / 2, bucket.take(SECOND / 2));
  }

  @Test
  void theAllowanceRefillsWithTimeButNeverBeyondTheBurst() {
    TokenBucket bucket = new TokenBucket(2, 1.0, 0);
    bucket.take(0);
    bucket.take(0);
    // An hour of silence gives back the burst, not 3600 messages.
    long t = 3600 * SECOND;
    assertEquals(0, bucket.take(t));
    assertEquals(0, bucket.take(t));
    assertTrue(bucket.take(t) > 0);
  }

  @Test
  void aSteadySenderWithinTheRateNeverWaits() {
    TokenBucket bucket = new TokenBucket(1, 5.0, 0);
    for (int i = 0; i < 1000; i++) {
      assertEquals(0, bucket.take(i * (SECOND / 5)), "message " + i);
    }
  }

  @Test
  void overTimeAFlooderGetsExactlyBurstPlusRateTimesTime() {
    TokenBucket bucket = new TokenBucket(10, 4.0, 0);
    long now = 0;
    int sent = 0;
    // The session reads the next message only after the wait: simulate 10 s of that.
    while (now <= 10 * SECOND) {
      sent++;
      now += bucket.take(now);
    }
    // 10 at once, then 4 per second for 10 s: 50 (and the one that waits past the end).
    assertEquals(10 + 40 + 1, sent);
  }
}
