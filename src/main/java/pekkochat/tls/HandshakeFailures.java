package pekkochat.tls;

import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.util.Locale;
import javax.net.ssl.SSLException;
import pekkochat.Failures;

/** Turns a failed TLS handshake into the reason a user should see. */
public final class HandshakeFailures {

  private HandshakeFailures() {}

  /**
   * Whether {@code failure} came from TLS or the certificate check (as opposed to TCP: refused,
   * unreachable, ...).
   */
  public static boolean isTls(Throwable failure) {
    return find(failure, SSLException.class) != null || find(failure, CertificateException.class) != null;
  }

  /**
   * Why the handshake with {@code host} failed, in words: for example {@code the server's
   * certificate is not trusted (unable to find valid certification path to requested target)}.
   */
  public static String reason(Throwable failure, String host) {
    String detail = Failures.rootMessage(failure);
    if (find(failure, CertificateExpiredException.class) != null) {
      return "the server's certificate has expired (" + detail + ")";
    }
    if (find(failure, CertificateNotYetValidException.class) != null) {
      return "the server's certificate is not valid yet (" + detail + ")";
    }
    if (find(failure, CertPathBuilderException.class) != null || find(failure, CertPathValidatorException.class) != null) {
      return "the server's certificate is not trusted (" + detail + ")";
    }
    String lower = detail.toLowerCase(Locale.ROOT);
    if (lower.contains("subject alternative name") || lower.contains("no name matching")) {
      return "the server's certificate is not issued for " + host + " (" + detail + ")";
    }
    if (find(failure, CertificateException.class) != null) {
      return "the server's certificate was refused (" + detail + ")";
    }
    if (lower.contains("unrecognized ssl message") || lower.contains("plaintext connection")) {
      return "the server did not answer in TLS (" + detail + "; is it running without TLS?)";
    }
    return "the TLS handshake failed (" + detail + ")";
  }

  private static <T extends Throwable> T find(Throwable failure, Class<T> type) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }
}
