package pekkochat.account;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id password hashes in the PHC string format ({@code
 * $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>}, unpadded Base64), so that every stored hash
 * carries its own salt and cost parameters: raising the cost later leaves old hashes verifiable.
 *
 * <p>Argon2id (RFC 9106) is memory-hard, so guessing passwords from a stolen store on GPUs costs
 * memory per guess, not only time. Bouncy Castle's generator is pure Java. Both calls are slow on
 * purpose (tens of milliseconds, {@code memoryKiB} of heap each): run them on a dispatcher meant
 * for blocking work, never on the actors' default dispatcher.
 *
 * @param memoryKiB memory per hash, KiB
 * @param iterations passes over that memory
 * @param parallelism lanes
 */
public record PasswordHash(int memoryKiB, int iterations, int parallelism) {

  private static final int SALT_BYTES = 16;
  private static final int HASH_BYTES = 32;
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getDecoder();

  public PasswordHash {
    if (memoryKiB < 8 * parallelism || iterations < 1 || parallelism < 1) {
      throw new IllegalArgumentException(
          "Argon2id needs memory >= 8 KiB per lane, at least one iteration and one lane: m=" + memoryKiB + ", t="
              + iterations + ", p=" + parallelism);
    }
  }

  /** A new hash of {@code password} with a fresh random salt, as a PHC string. */
  public String hash(String password) {
    byte[] salt = new byte[SALT_BYTES];
    RANDOM.nextBytes(salt);
    byte[] hash = argon2(password, salt, memoryKiB, iterations, parallelism, HASH_BYTES);
    return "$argon2id$v=19$m=" + memoryKiB + ",t=" + iterations + ",p=" + parallelism + "$" + B64.encodeToString(salt) + "$"
        + B64.encodeToString(hash);
  }

  /**
   * Whether {@code password} is the one {@code phc} was made from, with the parameters stored in
   * it. The comparison takes the same time wherever the bytes differ ({@link
   * MessageDigest#isEqual}), so its timing says nothing about how close a guess was. A string that
   * is not an Argon2id PHC hash matches nothing.
   */
  public static boolean verify(String password, String phc) {
    Optional<Parsed> parsed = parse(phc);
    if (parsed.isEmpty()) {
      return false;
    }
    Parsed p = parsed.get();
    byte[] computed = argon2(password, p.salt, p.memoryKiB, p.iterations, p.parallelism, p.hash.length);
    boolean equal = MessageDigest.isEqual(computed, p.hash);
    Arrays.fill(computed, (byte) 0);
    return equal;
  }

  private record Parsed(int memoryKiB, int iterations, int parallelism, byte[] salt, byte[] hash) {}

  private static Optional<Parsed> parse(String phc) {
    if (phc == null) {
      return Optional.empty();
    }
    // "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
    String[] parts = phc.split("\\$");
    if (parts.length != 6 || !parts[0].isEmpty() || !parts[1].equals("argon2id") || !parts[2].equals("v=19")) {
      return Optional.empty();
    }
    try {
      int m = -1;
      int t = -1;
      int par = -1;
      for (String kv : parts[3].split(",")) {
        String[] pair = kv.split("=", 2);
        int value = Integer.parseInt(pair[1]);
        switch (pair[0]) {
          case "m" -> m = value;
          case "t" -> t = value;
          case "p" -> par = value;
          default -> {
            return Optional.empty();
          }
        }
      }
      byte[] salt = B64D.decode(parts[4]);
      byte[] hash = B64D.decode(parts[5]);
      // Bounds, so that a corrupt store cannot make one verification take gigabytes.
      if (m < 8 || m > 4 * 1024 * 1024 || t < 1 || t > 100 || par < 1 || par > 64 || salt.length < 8 || hash.length < 16) {
        return Optional.empty();
      }
      return Optional.of(new Parsed(m, t, par, salt, hash));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  private static byte[] argon2(String password, byte[] salt, int memoryKiB, int iterations, int parallelism, int length) {
    Argon2Parameters parameters =
        new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
            .withVersion(Argon2Parameters.ARGON2_VERSION_13)
            .withSalt(salt)
            .withMemoryAsKB(memoryKiB)
            .withIterations(iterations)
            .withParallelism(parallelism)
            .build();
    Argon2BytesGenerator generator = new Argon2BytesGenerator();
    generator.init(parameters);
    byte[] secret = password.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[length];
    generator.generateBytes(secret, out);
    Arrays.fill(secret, (byte) 0);
    return out;
  }
}
