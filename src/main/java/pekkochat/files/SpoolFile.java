package pekkochat.files;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One file in the spool, shared between the session writing it and the streams reading it for
 * recipients. The writer {@link #commitTo advances} the committed length after each chunk is in
 * the file and finally marks it {@link #complete} or {@link #fail failed}; readers follow the
 * committed length and are woken by listeners, so relaying can start before the upload ends.
 * Chunked (XFER) recipients read it from the first committed byte; a FILE frame, which holds its
 * recipient's connection until it ends, begins only once the writer says {@link #frameReady} (the
 * upload is close enough to its end: {@code relay-lead-time}), see {@code Upload}.
 *
 * <p>Who holds the file is counted: the writer, each recipient that {@link #acquire acquired} it,
 * and the <em>share hold</em> that keeps it while the rooms' events announcing it are on their way
 * to recipients ({@link #releaseShareHold}). The file is deleted, and its quota returned, once
 * nobody holds it; after that it cannot be acquired.
 */
public final class SpoolFile {

  public enum State {
    WRITING,
    COMPLETE,
    FAILED
  }

  private final Spool spool;
  private final String id;
  private final Path path;
  private final long size;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final AtomicInteger holders = new AtomicInteger(2); // the writer and the share hold
  private volatile long committed;
  private volatile State state = State.WRITING;
  private volatile boolean frameReady;
  private volatile String failure = "";
  private final java.util.concurrent.atomic.AtomicBoolean shareHeld = new java.util.concurrent.atomic.AtomicBoolean(true);
  private final AtomicInteger acquired = new AtomicInteger();
  /** How many recipients the announcement reached; the share hold goes once that many acquired. */
  private volatile int expectedReaders = Integer.MAX_VALUE;

  /** Where recipients' answers about a chunked offer go (the sender's session); none by default. */
  private volatile java.util.function.BiConsumer<String, String> responses = (who, outcome) -> {};

  SpoolFile(Spool spool, String id, Path path, long size) {
    this.spool = spool;
    this.id = id;
    this.path = path;
    this.size = size;
  }

  /** The id rooms carry in their events instead of the file itself. */
  public String id() {
    return id;
  }

  public Path path() {
    return path;
  }

  /** The announced size: what every recipient's frame will carry. */
  public long size() {
    return size;
  }

  public long committed() {
    return committed;
  }

  public State state() {
    return state;
  }

  /** Why the upload failed (empty unless {@link State#FAILED}). */
  public String failure() {
    return failure;
  }

  /** The writer has put {@code bytes} bytes in the file (a total, never decreasing). */
  public void commitTo(long bytes) {
    long before = committed;
    if (bytes > before) {
      committed = bytes;
      spool.written(bytes - before);
      notifyListeners();
    }
  }

  public void complete() {
    state = State.COMPLETE;
    notifyListeners();
  }

  /**
   * Whether a FILE frame of this file may begin: the writer said so ({@link #markFrameReady}), or
   * every byte is in. Until then only chunked transfers, which never hold their recipient's chat
   * back, read it.
   */
  public boolean frameReady() {
    return frameReady || state == State.COMPLETE;
  }

  /** The rest of the upload is expected soon enough for FILE frames of it to begin (listeners are told). */
  public void markFrameReady() {
    frameReady = true;
    notifyListeners();
  }

  /** The upload will not be completed, because {@code why}; readers finish their frame with zeros. */
  public void fail(String why) {
    failure = why;
    state = State.FAILED;
    notifyListeners();
  }

  /** The sender wants to hear how recipients answered (accepted, declined, received, ...). */
  public void onResponse(java.util.function.BiConsumer<String, String> sink) {
    responses = sink;
  }

  /** A recipient {@code who} answered or ended its transfer: {@code outcome} for the sender. */
  public void respond(String who, String outcome) {
    responses.accept(who, outcome);
  }

  public void addListener(Runnable listener) {
    listeners.add(listener);
  }

  public void removeListener(Runnable listener) {
    listeners.remove(listener);
  }

  /** A recipient takes hold of the file; false if it is already gone (or going). */
  public boolean acquire() {
    while (true) {
      int h = holders.get();
      if (h == 0) {
        return false;
      }
      if (holders.compareAndSet(h, h + 1)) {
        if (acquired.incrementAndGet() >= expectedReaders) {
          releaseShareHold();
        }
        return true;
      }
    }
  }

  /** A recipient that {@link #acquire acquired} the file is done with it. */
  public void release() {
    if (holders.decrementAndGet() == 0) {
      spool.remove(this);
    }
  }

  public void releaseWriter() {
    release();
  }

  /**
   * The announcement of the file reached {@code readers} recipients: once that many have acquired
   * it, nobody else will, and the share hold goes (a recipient that vanished before acquiring
   * leaves it to the fallback, {@code file-announce-hold}).
   */
  public void expectReaders(int readers) {
    expectedReaders = readers;
    if (acquired.get() >= readers) {
      releaseShareHold();
    }
  }

  /** The announcements of the file have reached whoever will read it (or nobody will). Idempotent. */
  public void releaseShareHold() {
    if (shareHeld.compareAndSet(true, false)) {
      release();
    }
  }

  private void notifyListeners() {
    for (Runnable listener : listeners) {
      listener.run();
    }
  }
}
