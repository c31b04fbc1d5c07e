package pekkochat.session;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Resume tokens: 128 random bits from {@link SecureRandom}, base64url without padding (22
 * characters). The server keeps only a token's SHA-256 ({@link #digest}), so that looking one up
 * in a map tells a guesser nothing about how close it came, and the tokens themselves are in
 * no memory dump of the registry.
 */
final class ResumeTokens {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int LENGTH = 22;

  private ResumeTokens() {}

  static String create() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** Whether {@code token} has a token's form (anything else is refused before any lookup). */
  static boolean wellFormed(String token) {
    if (token.length() != LENGTH) {
      return false;
    }
    for (int i = 0; i < LENGTH; i++) {
      char c = token.charAt(i);
      boolean ok = c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** What the registry keeps of {@code token}. */
  static String digest(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java has SHA-256", e);
    }
  }
}
