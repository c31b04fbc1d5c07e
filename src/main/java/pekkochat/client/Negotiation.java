package pekkochat.client;

import pekkochat.protocol.Event;
import pekkochat.protocol.Message;

/**
 * Finds out whether the server speaks the extended protocol, by asking once, right after the
 * welcome, with the TEXT {@value #REQUEST}.
 *
 * <p>An extended server answers with an EVENT {@code HELLO}. The original server knows no such
 * command and answers {@code ERROR "}{@value #REFUSAL}{@code "}: the server is then plain, and
 * that one error is the client's business, not the user's, so it is not shown. A server answers
 * a connection's commands in order, so the first such error after the request is the answer to
 * it, even one that comes after {@link #timedOut()} gave up waiting (when the user may have
 * typed an unknown command of their own since: one of the two identical errors is still shown).
 *
 * <p>Not thread-safe: owned by the client actor.
 */
final class Negotiation {

  /** The request, sent as TEXT after the welcome. */
  static final String REQUEST = "/extended 1";

  /** The original server's answer to a command it does not know. */
  static final String REFUSAL = "Unknown command. Type /help.";

  /** Where the negotiation stands. */
  enum State {
    /** Not asked yet (not joined yet). */
    NOT_ASKED,
    /** Asked; no answer yet. */
    ASKED,
    /** The server does not speak the extended protocol (or did not answer in time). */
    PLAIN,
    /** The server said HELLO: room events arrive as EVENT frames. */
    EXTENDED
  }

  /** What a message from the server means for the negotiation. */
  enum Outcome {
    /** Not an answer: show it as usual. */
    NOT_AN_ANSWER,
    /** The server's HELLO: it is extended. Show it (it names the server). */
    EXTENDED,
    /** The original server's refusal of the request: plain, and not to be shown. */
    REFUSED,
    /** Another error while the answer was awaited: taken as plain, and shown. */
    PLAIN
  }

  private State state = State.NOT_ASKED;
  /** What the server's HELLO says it offers ({@code history}, {@code post}); empty before. */
  private java.util.Set<String> offers = java.util.Set.of();
  /** The request's answer has not been seen (also after a time-out). */
  private boolean answerOwed;

  /** Records that the request is being sent; returns it. */
  String ask() {
    return ask("");
  }

  /**
   * As {@link #ask()}, with {@code after} (empty, or {@code " after #lobby=120"}: a client
   * resuming) after the request; the answer is recognised the same way.
   */
  String ask(String after) {
    state = State.ASKED;
    answerOwed = true;
    offers = java.util.Set.of();
    return REQUEST + after;
  }

  /** Looks at a message from the server, in order of arrival. */
  Outcome onMessage(Message message) {
    if (!answerOwed) {
      return Outcome.NOT_AN_ANSWER;
    }
    if (message instanceof Message.Event event && event.event().kind() == Event.Kind.HELLO) {
      answerOwed = false;
      state = State.EXTENDED;
      offers = offered(event.event().text());
      return Outcome.EXTENDED;
    }
    if (message instanceof Message.Error error) {
      if (error.reason().equals(REFUSAL)) {
        answerOwed = false;
        state = State.PLAIN;
        return Outcome.REFUSED;
      }
      if (state == State.ASKED) {
        answerOwed = false;
        state = State.PLAIN;
        return Outcome.PLAIN;
      }
    }
    return Outcome.NOT_AN_ANSWER;
  }

  /** No answer in time: go on as with a plain server (a late answer is still recognised). */
  void timedOut() {
    if (state == State.ASKED) {
      state = State.PLAIN;
    }
  }

  State state() {
    return state;
  }

  /** Whether the answer is still awaited (the user's lines wait meanwhile). */
  boolean pending() {
    return state == State.ASKED;
  }

  boolean extended() {
    return state == State.EXTENDED;
  }

  /** Whether the extended server's HELLO offers {@code what} ({@code history}, {@code post}). */
  boolean offers(String what) {
    return extended() && offers.contains(what);
  }

  /** {@code pekko-chat 1; history, post}: what follows {@code "; "}, comma-separated. */
  static java.util.Set<String> offered(String helloText) {
    int at = helloText.indexOf("; ");
    if (at < 0) {
      return java.util.Set.of();
    }
    java.util.Set<String> out = new java.util.HashSet<>();
    for (String offer : helloText.substring(at + 2).split(",")) {
      if (!offer.isBlank()) {
        out.add(offer.strip());
      }
    }
    return java.util.Set.copyOf(out);
  }
}
