package pekkochat.client;

/**
 * What Ctrl-C on an empty line does once the chat has started: with a file transfer in flight it
 * asks {@code Cancel N transfers? [y/N]}, otherwise {@code Quit? [y/N]}. The next line answers
 * ({@code y} or {@code yes}: yes; anything else: no), and so does a second Ctrl-C (yes: pressing
 * it twice means it). A transfer that could not be cancelled makes the next Ctrl-C ask to quit
 * instead, the only way left to stop it.
 *
 * <p>Not thread-safe: owned by the client actor.
 */
final class CtrlC {

  /** What the client is to do. */
  enum Action {
    /** Nothing (a question is now asked, or the answer was no). */
    NONE,
    QUIT,
    /** Handle the line {@code /cancel}. */
    CANCEL
  }

  private enum Question {
    QUIT,
    CANCEL
  }

  private Question asked;
  private boolean cancelRefused;

  /** Whether a question waits for its answer (the next line is it). */
  boolean asking() {
    return asked != null;
  }

  /** Ctrl-C, with {@code transfers} files in flight. */
  Action pressed(int transfers, Screen screen) {
    if (asked != null) {
      return answer(true, screen);
    }
    if (transfers > 0 && cancelRefused) {
      asked = Question.QUIT;
      screen.ask("Quit? The file" + (transfers == 1 ? " in flight is" : "s in flight are") + " cut off. [y/N] ");
    } else if (transfers > 0) {
      asked = Question.CANCEL;
      screen.ask("Cancel " + transfers + " transfer" + (transfers == 1 ? "" : "s") + "? [y/N] ");
    } else {
      asked = Question.QUIT;
      screen.ask("Quit? [y/N] ");
    }
    return Action.NONE;
  }

  /** The line typed while a question is asked. */
  Action answered(String line, Screen screen) {
    String answer = line.strip().toLowerCase(java.util.Locale.ROOT);
    return answer(answer.equals("y") || answer.equals("yes"), screen);
  }

  /** After {@link Action#CANCEL} was handled: {@code transfersLeft} could not be cancelled. */
  void cancelled(int transfersLeft) {
    cancelRefused = transfersLeft > 0;
  }

  private Action answer(boolean yes, Screen screen) {
    Question question = asked;
    asked = null;
    screen.endQuestion();
    if (!yes) {
      return Action.NONE;
    }
    return question == Question.QUIT ? Action.QUIT : Action.CANCEL;
  }
}
