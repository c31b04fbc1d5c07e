package pekkochat.session;

import java.util.BitSet;
import pekkochat.chat.ToUser;
import java.util.Optional;
import pekkochat.protocol.Event;
import pekkochat.protocol.Transfer;

/**
 * What a {@link Session} needs of its transport: a way to put things in front of its user. The
 * session decides <em>what</em> the user gets (which events are for it, which room is active);
 * the port decides how that looks on its wire (the original protocol's frames, the extended
 * protocol's EVENT frames, later a web socket) and queues it. The session is the only caller, from
 * inside the actor: each connection's outbound queue has exactly one writer.
 *
 * <p>Every method returns false when the user cannot take more (its queue is full: it is not
 * reading); the session then closes the connection.
 */
public interface ClientPort {

  /** A server notice or reply as a TEXT line. */
  boolean text(String text);

  /** An ERROR with a reason. */
  boolean error(String reason);

  /** The original's {@code /quit_ack}. */
  boolean quitAck();

  /**
   * Events of one room. {@code skip} marks, by index into the batch, events not for this user
   * (before it joined, its own lines, a nick change it was already told of). {@code active}: the
   * room is this user's active room, where the original protocol shows lines without a room tag.
   * A {@link pekkochat.chat.RoomEvent.FileShared} that is not skipped is delivered as the file.
   */
  boolean roomEvents(ToUser.RoomEvents batch, BitSet skip, boolean active);

  /** A private message to this user, or with {@code echo} the copy of one it sent. */
  boolean privateMessage(ToUser.PrivateMessage message, boolean echo);

  /** A file sent to this user alone, held by the file service under {@code fileId}. */
  boolean privateFile(String from, String fileId, String fileName);

  /**
   * A file this connection was told of while its upload was young may now begin as a FILE frame
   * ({@link Session.FileFrameReady}, from the port itself by way of the session, so that the
   * session stays the one writer of the connection's queue).
   */
  default boolean fileFrameReady(long delivery) {
    return true;
  }

  /** The user's nick, for what senders of files to it are told. */
  default void named(String nick) {}

  /** Extended: an XFER frame for this connection (a RESPONSE or CANCEL about one of its uploads). */
  boolean transfer(Transfer transfer);

  /** Extended: the user accepts offered file {@code id}; empty if it starts, otherwise why not. */
  Optional<String> acceptTransfer(long id);

  /** Extended: the user declines offered file {@code id}; empty if done, otherwise why not. */
  Optional<String> declineTransfer(long id);

  /** Extended: the user cancels file {@code id} coming to it, offered or on its way. */
  Optional<String> cancelTransfer(long id);

  /**
   * Extended: withdraws offer {@code id} if it is still unanswered (it timed out, or its upload
   * failed), telling the user with a CANCEL for {@code reason} and the sender {@code outcome}.
   */
  boolean withdrawTransfer(long id, String outcome, String reason);

  /** Switches this connection to the extended protocol (after {@code /extended 1}). */
  void extend();

  boolean extended();

  /** An extended-protocol event for this connection only (HELLO, ENTERED, ACTIVE, PARTED, AWAY). */
  boolean event(Event event);

  /**
   * Lines from a room's history: for an extended client between HISTORY events, for an original
   * one as TEXT lines with their time.
   */
  boolean history(ToUser.History history);

  /** Lines of a private conversation ({@code /history @nick}), as {@link #history} shows a room's. */
  boolean privateHistory(ToUser.PrivateHistory history);

  /**
   * The session is about to send its last frame (why it closes): the port takes it even past its
   * limits, so the user learns why.
   */
  void closing();

  /** Sends what is queued, then closes the connection. */
  void close();

  /** Closes at once, dropping what is queued. */
  void abort();
}
