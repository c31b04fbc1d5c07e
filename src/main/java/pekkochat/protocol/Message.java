package pekkochat.protocol;

import org.apache.pekko.util.ByteString;

/**
 * A decoded frame, as the application sees it. Small frames become one message each; a FILE frame
 * becomes a header message ({@link FileOffer} from a client, {@link FileIncoming} from a server),
 * then {@link FileChunk}s with the file's bytes, then {@link FileEnd}.
 */
public sealed interface Message {

  /** TEXT: a chat line or {@code /command} from a client; {@code sender::line} or a notice from a server. */
  record Text(String text) implements Message {}

  /** JOIN: the wanted name from a client; {@code <name> joined the chat.} from a server. */
  record Join(String payload) implements Message {}

  /** LEAVE: {@code <name> left the chat.} (server to client only). */
  record Leave(String payload) implements Message {}

  /** ERROR: a human-readable reason (server to client only). */
  record Error(String reason) implements Message {}

  /** COMMAND: {@code /quit_ack} (server to client only). */
  record Command(String payload) implements Message {}

  /** A client offers a file of {@code size} bytes named {@code fileName}; chunks follow. */
  record FileOffer(String fileName, long size) implements Message {}

  /** A server relays a file from {@code sender}; chunks follow. */
  record FileIncoming(String sender, String fileName, long size) implements Message {}

  /** A slice of the current file's bytes. */
  record FileChunk(ByteString bytes) implements Message {}

  /** The current file is complete. */
  enum FileEnd implements Message {
    INSTANCE
  }

  /** EVENT (extended protocol, server to client only): a structured chat event. */
  record Event(pekkochat.protocol.Event event) implements Message {}

  /** XFER (extended protocol, both directions): one element of a chunked file transfer. */
  record Xfer(Transfer transfer) implements Message {}

  /** A frame this version skips on purpose (an EVENT of a kind it does not know). */
  enum Ignored implements Message {
    INSTANCE
  }

  /** What the peer sent could not be accepted; see {@link FramingError#fatal()}. */
  record Malformed(FramingError error) implements Message {}
}
