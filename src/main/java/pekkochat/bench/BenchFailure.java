package pekkochat.bench;

/** A run that cannot produce a valid result: the reason is printed and the bench exits non-zero. */
final class BenchFailure extends Exception {

  BenchFailure(String message) {
    super(message);
  }

  BenchFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
