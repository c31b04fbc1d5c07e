package pekkochat.tls;

/** A key store or trust store cannot be used; the message is a one-line reason for the user. */
public final class TlsSetupException extends Exception {

  TlsSetupException(String message) {
    super(message);
  }

  TlsSetupException(String message, Throwable cause) {
    super(message, cause);
  }
}
