package pekkochat.chat;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A private message as stored in its conversation ({@link PrivateLog}): {@code seq} is its number
 * in the conversation (the journal's sequence number, 0 until stored), {@code time} the server time
 * it was sent, {@code from} and {@code to} the nicks as they were then.
 */
public record PrivateLine(
    @JsonProperty("seq") long seq,
    @JsonProperty("time") long time,
    @JsonProperty("from") String from,
    @JsonProperty("to") String to,
    @JsonProperty("text") String text,
    @JsonProperty("action") boolean action)
    implements CborSerializable {
  @JsonCreator
  public PrivateLine {}

  PrivateLine withSeq(long seq) {
    return new PrivateLine(seq, time, from, to, text, action);
  }

  /** As a session shows it. */
  public ToUser.PrivateMessage message() {
    return new ToUser.PrivateMessage(from, to, text, action, time);
  }
}
