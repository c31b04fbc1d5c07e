package pekkochat.server;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One file in the spool, shared between the session writing it and the streams reading it for
 * recipients. The writer {@link #commitTo advances} the committed length after each chunk is in
 * the file and finally marks it {@link #complete} or {@link #fail failed}; readers follow the
 * committed length and are woken by listeners, so relaying can start before the upload ends.
 *
 * <p>The file is deleted (and its quota returned) once both parties have let go: the writer
 * ({@link #releaseWriter}) and the readers ({@link #releaseReaders}, by the relay when every
 * recipient is done, or at once when there is nobody to relay to).
 */
final class SpoolFile {

  enum State {
    WRITING,
    COMPLETE,
    FAILED
  }

  private final Spool spool;
  private final Path path;
  private final long size;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final AtomicInteger holders = new AtomicInteger(2);
  private volatile long committed;
  private volatile State state = State.WRITING;

  SpoolFile(Spool spool, Path path, long size) {
    this.spool = spool;
    this.path = path;
    this.size = size;
  }

  Path path() {
    return path;
  }

  /** The announced size: what every recipient's frame will carry. */
  long size() {
    return size;
  }

  long committed() {
    return committed;
  }

  State state() {
    return state;
  }

  /** The writer has put {@code bytes} bytes in the file (a total, never decreasing). */
  void commitTo(long bytes) {
    if (bytes > committed) {
      committed = bytes;
      notifyListeners();
    }
  }

  void complete() {
    state = State.COMPLETE;
    notifyListeners();
  }

  void fail() {
    state = State.FAILED;
    notifyListeners();
  }

  void addListener(Runnable listener) {
    listeners.add(listener);
  }

  void removeListener(Runnable listener) {
    listeners.remove(listener);
  }

  void releaseWriter() {
    release();
  }

  void releaseReaders() {
    release();
  }

  private void release() {
    if (holders.decrementAndGet() == 0) {
      spool.remove(this);
    }
  }

  private void notifyListeners() {
    for (Runnable listener : listeners) {
      listener.run();
    }
  }
}
