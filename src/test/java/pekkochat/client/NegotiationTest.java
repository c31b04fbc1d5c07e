package pekkochat.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import pekkochat.client.Negotiation.Outcome;
import pekkochat.client.Negotiation.State;
import pekkochat.protocol.Event;
import pekkochat.protocol.Message;

/** The client finding out whether its server speaks the extended protocol. */
class NegotiationTest {

  private static final Message HELLO =
      new Message.Event(new Event(Event.Kind.HELLO, "", 0, 0, "", "alice", "pekko-chat 2.0"));
  private static final Message REFUSAL = new Message.Error("Unknown command. Type /help.");
  private static final Message LINE = new Message.Text("bob::hi");

  @Test
  void asksWithExactlyTheRequestOfTheProtocol() {
    Negotiation n = new Negotiation();
    assertEquals(State.NOT_ASKED, n.state());
    assertEquals("/extended 1", n.ask());
    assertTrue(n.pending());
  }

  @Test
  void anExtendedServerSaysHello() {
    Negotiation n = new Negotiation();
    n.ask();
    assertEquals(Outcome.NOT_AN_ANSWER, n.onMessage(LINE), "others' lines may come first");
    assertEquals(Outcome.EXTENDED, n.onMessage(HELLO));
    assertTrue(n.extended());
    assertFalse(n.pending());
    assertEquals(Outcome.NOT_AN_ANSWER, n.onMessage(REFUSAL), "later errors are the user's");
  }

  @Test
  void theOriginalServerRefusesAndThatOneErrorIsNotShown() {
    Negotiation n = new Negotiation();
    n.ask();
    assertEquals(Outcome.REFUSED, n.onMessage(REFUSAL));
    assertEquals(State.PLAIN, n.state());
    assertEquals(Outcome.NOT_AN_ANSWER, n.onMessage(REFUSAL), "the user's own unknown command is shown");
  }

  @Test
  void anotherErrorWhileAskingMeansPlainAndIsShown() {
    Negotiation n = new Negotiation();
    n.ask();
    assertEquals(Outcome.PLAIN, n.onMessage(new Message.Error("Not now.")));
    assertEquals(State.PLAIN, n.state());
  }

  @Test
  void aLateAnswerAfterTheTimeOutIsStillRecognised() {
    Negotiation refused = new Negotiation();
    refused.ask();
    refused.timedOut();
    assertEquals(State.PLAIN, refused.state());
    assertFalse(refused.pending());
    assertEquals(Outcome.REFUSED, refused.onMessage(REFUSAL));
    assertEquals(Outcome.NOT_AN_ANSWER, refused.onMessage(REFUSAL));

    Negotiation late = new Negotiation();
    late.ask();
    late.timedOut();
    assertEquals(Outcome.EXTENDED, late.onMessage(HELLO));
    assertTrue(late.extended());
  }

  @Test
  void nothingIsAnAnswerBeforeAsking() {
    Negotiation n = new Negotiation();
    assertEquals(Outcome.NOT_AN_ANSWER, n.onMessage(REFUSAL));
    assertEquals(Outcome.NOT_AN_ANSWER, n.onMessage(HELLO));
    assertEquals(State.NOT_ASKED, n.state());
  }
}
