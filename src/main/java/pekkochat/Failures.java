package pekkochat;

/** Turns a failure into the short reason a user should see. */
public final class Failures {

  private Failures() {}

  /**
   * The innermost cause's message, without Pekko's "Tcp command [...] failed because of" wrapper:
   * for example {@code Connection refused} or {@code Address already in use}.
   */
  public static String rootMessage(Throwable t) {
    if (t == null) {
      return "unknown reason";
    }
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    if (message != null && message.contains("because of ")) {
      message = message.substring(message.lastIndexOf("because of ") + "because of ".length());
      int colon = message.indexOf(": ");
      if (message.startsWith("java.") && colon > 0) {
        message = message.substring(colon + 2);
      }
    }
    return message == null || message.isBlank() ? root.getClass().getSimpleName() : message;
  }
}
