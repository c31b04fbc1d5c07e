package pekkochat.client;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.stream.UniqueKillSwitch;

/** A file this client is sending as a chunked (XFER) transfer: its bytes counted as they leave. */
final class OutgoingTransfer {

  /** The id on the wire, chosen by this client. */
  final long id;
  /** The number the user knows it by ({@code /cancel 2}). */
  final int number;
  final String fileName;
  final long size;
  final AtomicLong sent = new AtomicLong();
  volatile long startNanos = System.nanoTime();
  UniqueKillSwitch killSwitch;
  /** Stopped by the user or refused by the server: its stream's end is not reported as "Sent". */
  boolean stopped;

  OutgoingTransfer(long id, int number, String fileName, long size) {
    this.id = id;
    this.number = number;
    this.fileName = fileName;
    this.size = size;
  }

  void count(int bytes) {
    sent.addAndGet(bytes);
  }
}
