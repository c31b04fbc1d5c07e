package pekkochat.client;

import java.nio.file.Path;
import pekkochat.files.ChunkWriter;

/**
 * A file an extended server offered this client: waiting for the user's answer, then written to a
 * {@code .part} file as its DATA frames arrive (a few writes ahead of the disk at most).
 */
final class IncomingTransfer {

  enum State {
    OFFERED,
    RECEIVING,
    CLOSING
  }

  /** The id on the wire, chosen by the server. */
  final long id;
  /** The number the user knows it by ({@code /accept 3}). */
  final int number;
  final String from;
  /** The room it was sent to; empty when sent to this user alone. */
  final String room;
  final String fileName;
  final long size;
  State state = State.OFFERED;
  Path partFile;
  ChunkWriter writer;
  long received;
  int writesInFlight;
  /** The acknowledgement of a DATA frame, held while the disk is behind. */
  Runnable heldAck;
  long startNanos;

  IncomingTransfer(long id, int number, String from, String room, String fileName, long size) {
    this.id = id;
    this.number = number;
    this.from = from;
    this.room = room;
    this.fileName = fileName;
    this.size = size;
  }

  /** How the sender is shown, as for a FILE: {@code alice} (active room), {@code [#dev] alice} or {@code [PM] alice}. */
  String sender() {
    return label;
  }

  /** Set once when offered, from the active room then. */
  String label = "";
}
