package pekkochat.client;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import pekkochat.Failures;
import pekkochat.files.ChunkWriter;
import pekkochat.files.SafeFileNames;
import pekkochat.files.Sizes;
import pekkochat.protocol.Outbound;
import pekkochat.protocol.Transfer;

/**
 * Chunked file transfers with an extended server (XFER frames, docs/PROTOCOL.md), both ways and
 * several at once, so that chat goes on while files move. An upload is its OFFER, DATA frames read
 * from disk and END, streamed into the connection's transfer hub, which the outbound stream takes
 * from only when no line the user typed is waiting. A file offered by the server is saved at once
 * up to {@code auto-accept-max}, otherwise after {@code /accept}; it is written to a {@code .part}
 * file a few chunks ahead of the disk at most (DATA frames are acknowledged to the inbound stream
 * as their writes keep up), and renamed to a free, safe name when complete. {@code /cancel},
 * {@code /decline} and the server's CANCEL stop a transfer and delete its partial file.
 *
 * <p>The uploads are {@link ChunkedUploads}'; this class has the downloads, and numbers the
 * transfers both ways as the user knows them ({@code /cancel 2}).
 *
 * <p>{@link FileDesk} owns it: every method is called on that actor, and what completes elsewhere
 * (a stream's end, a write) comes back as an {@link Event} through {@code self}.
 */
final class Transfers {

  /** What completes off the actor, for the actor to hand back to {@link #onEvent}. */
  sealed interface Event {}

  record UploadEnded(OutgoingTransfer transfer, Throwable failure) implements Event {}

  record Written(IncomingTransfer transfer, Throwable failure) implements Event {}

  record Closed(IncomingTransfer transfer, Throwable failure) implements Event {}

  /** Writes one download may have queued before its DATA frames wait for the disk. */
  static final int WRITES_AHEAD = 8;

  private final ChunkedUploads uploads;
  private final Executor blockingIo;
  private final Path directory;
  private final long autoAcceptMax;
  private final Consumer<String> notify;
  private final Consumer<Event> self;
  private final Consumer<Outbound> send;
  private final java.util.function.Supplier<String> activeRoom;
  private int nextNumber;
  private final Map<Long, IncomingTransfer> downloads = new LinkedHashMap<>();

  /**
   * @param hub where DATA frames go (taken only when no chat frame waits)
   * @param send queues a control frame (ACCEPT, DECLINE, CANCEL) in order with the user's lines
   * @param activeRoom the room plain lines go to now (a file offered there shows no room tag)
   * @param notify a line for the user, unstamped
   * @param self hands an {@link Event} to the actor that owns this
   */
  Transfers(
      Sink<Outbound, NotUsed> hub,
      Materializer materializer,
      Executor blockingIo,
      Path directory,
      long autoAcceptMax,
      int chunkSize,
      Consumer<Outbound> send,
      java.util.function.Supplier<String> activeRoom,
      Consumer<String> notify,
      Consumer<Event> self) {
    this.activeRoom = activeRoom;
    this.blockingIo = blockingIo;
    this.directory = directory;
    this.autoAcceptMax = autoAcceptMax;
    this.uploads = new ChunkedUploads(hub, materializer, Math.max(1, Math.min(chunkSize, Transfer.MAX_DATA_BYTES)), send, notify, self);
    this.send = send;
    this.notify = notify;
    this.self = self;
  }

  // --- sending ------------------------------------------------------------------------------

  /** Starts sending a checked file to {@code target} ({@code #room}, a nick, or empty: the active room). */
  void send(Uploads.Checked file, String target) {
    uploads.send(file, target, ++nextNumber);
  }

  // --- frames from the server ---------------------------------------------------------------

  /**
   * An XFER frame from the server; {@code ack} lets the next frame be read, at once or, for a
   * DATA frame while the disk is behind, once a write has completed.
   */
  void onFrame(Transfer t, Runnable ack) {
    switch (t.kind()) {
      case OFFERED -> onOffered(t);
      case DATA -> {
        onData(t, ack);
        return;
      }
      case END -> onEnd(t);
      case CANCEL -> onCancel(t);
      case DECLINE -> uploads.onDeclined(t);
      case RESPONSE -> uploads.onResponse(t);
      default -> {
        // OFFER, ACCEPT: a client's kinds; a server does not send them.
      }
    }
    ack.run();
  }

  private void onOffered(Transfer t) {
    String name = SafeFileNames.baseName(t.text());
    IncomingTransfer in = new IncomingTransfer(t.id(), ++nextNumber, t.who(), t.room(), name, t.size());
    in.label =
        t.room().isEmpty() ? "[PM] " + Display.inline(t.who())
            : t.room().equalsIgnoreCase(activeRoom.get()) ? Display.inline(t.who())
            : "[" + Display.inline(t.room()) + "] " + Display.inline(t.who());
    IncomingTransfer earlier = downloads.put(t.id(), in);
    if (earlier != null) {
      discard(earlier); // a server reusing an id: the earlier one is over
    }
    if (autoAcceptMax > 0 && t.size() <= autoAcceptMax) {
      accept(in);
    } else {
      notify.accept(
          in.sender() + " offers " + Display.inline(name) + " (" + Sizes.human(t.size()) + "): /accept " + in.number
              + " saves it, /decline " + in.number + " refuses it.");
    }
  }

  private void accept(IncomingTransfer in) {
    try {
      in.partFile = SafeFileNames.createUnique(directory, in.fileName, Downloads.PART);
    } catch (IOException e) {
      downloads.remove(in.id);
      send.accept(frame(Transfer.decline(in.id, "the recipient cannot save it")));
      notify.accept("Cannot save " + Display.inline(in.fileName) + " from " + in.sender() + ": " + e.getMessage());
      return;
    }
    in.writer = ChunkWriter.open(in.partFile, blockingIo);
    in.state = IncomingTransfer.State.RECEIVING;
    in.startNanos = System.nanoTime();
    send.accept(frame(Transfer.accept(in.id)));
    notify.accept(
        "Receiving " + Display.inline(in.fileName) + " (" + Sizes.human(in.size) + ") from " + in.sender() + " as transfer "
            + in.number + " (/cancel " + in.number + " stops it).");
  }

  private void onData(Transfer t, Runnable ack) {
    IncomingTransfer in = downloads.get(t.id());
    if (in == null || in.state != IncomingTransfer.State.RECEIVING) {
      ack.run(); // stopped here already, or never accepted: dropped
      return;
    }
    in.received += t.data().size();
    if (in.received > in.size) {
      fail(in, "more bytes came than the " + in.size + " offered");
      ack.run();
      return;
    }
    in.writesInFlight++;
    in.writer.write(t.data()).whenComplete((d, failure) -> self.accept(new Written(in, failure)));
    if (in.writesInFlight < WRITES_AHEAD) {
      ack.run();
    } else {
      in.heldAck = ack;
    }
  }

  private void onEnd(Transfer t) {
    IncomingTransfer in = downloads.get(t.id());
    if (in == null || in.state != IncomingTransfer.State.RECEIVING) {
      return;
    }
    if (in.received != in.size) {
      fail(in, "it ended after " + in.received + " of " + in.size + " bytes");
      return;
    }
    in.state = IncomingTransfer.State.CLOSING;
    // The writer closes after every write queued before it.
    in.writer.close().whenComplete((d, failure) -> self.accept(new Closed(in, failure)));
  }

  private void onCancel(Transfer t) {
    IncomingTransfer in = downloads.remove(t.id());
    if (in == null) {
      return;
    }
    boolean partial = in.state != IncomingTransfer.State.OFFERED;
    discard(in);
    notify.accept(
        in.sender() + " " + (partial ? "stopped sending " : "withdrew ") + Display.inline(in.fileName) + " ("
            + Display.inline(t.text()) + ")." + (partial ? " The partial file was deleted." : ""));
  }

  // --- completions --------------------------------------------------------------------------

  void onEvent(Event event) {
    if (event instanceof UploadEnded ended) {
      uploads.onEnded(ended.transfer(), ended.failure());
    } else if (event instanceof Written written) {
      onWritten(written.transfer(), written.failure());
    } else if (event instanceof Closed closed) {
      onClosed(closed.transfer(), closed.failure());
    }
  }

  private void onWritten(IncomingTransfer in, Throwable failure) {
    in.writesInFlight--;
    if (failure != null && downloads.get(in.id) == in && in.state != IncomingTransfer.State.OFFERED) {
      fail(in, "could not save it: " + Failures.rootMessage(failure));
    }
    if (in.heldAck != null) {
      Runnable ack = in.heldAck;
      in.heldAck = null;
      ack.run();
    }
  }

  private void onClosed(IncomingTransfer in, Throwable failure) {
    if (downloads.get(in.id) != in) {
      return;
    }
    downloads.remove(in.id);
    if (failure != null) {
      discard(in);
      notify.accept("Could not save " + Display.inline(in.fileName) + " from " + in.sender() + ": "
          + Failures.rootMessage(failure) + ". The partial file was deleted.");
      return;
    }
    Path target;
    try {
      target = Downloads.moveToFinalName(in.partFile);
    } catch (IOException e) {
      notify.accept("Cannot finish saving " + Display.inline(in.fileName) + ": " + e.getMessage());
      return;
    }
    notify.accept(
        in.sender() + " sent " + Display.inline(in.fileName) + " (" + Sizes.human(in.size) + "), saved to "
            + directory.resolve(target.getFileName()) + " ("
            + Progress.summary(in.size, Duration.ofNanos(System.nanoTime() - in.startNanos)) + ")");
  }

  // --- the user's commands ------------------------------------------------------------------

  /** {@code /accept [n]}: saves an offered file (the oldest waiting one without a number). */
  void acceptCommand(String argument) {
    Optional<IncomingTransfer> in = pick(argument, IncomingTransfer.State.OFFERED);
    if (in.isEmpty()) {
      notify.accept(argument.isEmpty() ? "No file is waiting for /accept." : "No file offered as " + Display.inline(argument) + ".");
      return;
    }
    accept(in.get());
  }

  /** {@code /decline [n]}: refuses an offered file (the oldest waiting one without a number). */
  void declineCommand(String argument) {
    Optional<IncomingTransfer> in = pick(argument, IncomingTransfer.State.OFFERED);
    if (in.isEmpty()) {
      notify.accept(argument.isEmpty() ? "No file is waiting for /decline." : "No file offered as " + Display.inline(argument) + ".");
      return;
    }
    downloads.remove(in.get().id);
    send.accept(frame(Transfer.decline(in.get().id, "declined")));
    notify.accept("Declined " + Display.inline(in.get().fileName) + " from " + in.get().sender() + ".");
  }

  /**
   * {@code /cancel [n]}: stops transfer n, either way; without a number, every transfer in
   * progress (what Ctrl-C asks for). Returns how many were stopped.
   */
  int cancelCommand(String argument) {
    List<Runnable> stops = new ArrayList<>();
    uploads.stops(argument, stops);
    for (IncomingTransfer in : List.copyOf(downloads.values())) {
      boolean running = in.state != IncomingTransfer.State.OFFERED;
      if (argument.isEmpty() ? running : argument.equals(Integer.toString(in.number))) {
        stops.add(() -> {
          downloads.remove(in.id);
          discard(in);
          send.accept(frame(Transfer.decline(in.id, "the recipient cancelled it")));
          notify.accept("Cancelled receiving " + Display.inline(in.fileName) + " from " + in.sender() + "."
              + (running ? " The partial file was deleted." : ""));
        });
      }
    }
    stops.forEach(Runnable::run);
    if (stops.isEmpty()) {
      notify.accept(argument.isEmpty() ? "No transfer in progress." : "No transfer " + Display.inline(argument) + ".");
    }
    return stops.size();
  }

  /** Whether any transfer is going on (for Ctrl-C: cancel rather than quit). */
  boolean active() {
    return uploads.inFlight() > 0 || downloads.values().stream().anyMatch(in -> in.state != IncomingTransfer.State.OFFERED);
  }

  /** How many transfers are going on (one progress line each; an offer waiting for an answer is not one). */
  int inFlight() {
    return uploads.inFlight() + (int) downloads.values().stream().filter(in -> in.state != IncomingTransfer.State.OFFERED).count();
  }

  /** The progress lines of the transfers going on. */
  void progress(List<String> lines, long nowNanos) {
    uploads.progress(lines, nowNanos);
    for (IncomingTransfer in : downloads.values()) {
      if (in.state != IncomingTransfer.State.OFFERED) {
        lines.add(Progress.line("\u2193 " + in.number + " " + in.sender() + ":", in.fileName, in.writer.written(), in.size,
            Duration.ofNanos(nowNanos - in.startNanos)));
      }
    }
  }

  /** The client is stopping: partial files are deleted, uploads stopped. */
  void discardAll() {
    uploads.stopAll();
    for (IncomingTransfer in : List.copyOf(downloads.values())) {
      if (in.state != IncomingTransfer.State.OFFERED) {
        notify.accept("Incomplete file " + Display.inline(in.fileName) + " was discarded.");
      }
      discard(in);
    }
    downloads.clear();
  }

  private Optional<IncomingTransfer> pick(String argument, IncomingTransfer.State state) {
    return downloads.values().stream()
        .filter(in -> in.state == state && (argument.isEmpty() || argument.equals(Integer.toString(in.number))))
        .findFirst();
  }

  /** Stops writing {@code in} and deletes its partial file (after any write in progress). */
  private void discard(IncomingTransfer in) {
    if (in.writer != null) {
      in.writer.discard();
    }
    in.state = IncomingTransfer.State.OFFERED;
    if (in.heldAck != null) {
      Runnable ack = in.heldAck;
      in.heldAck = null;
      ack.run();
    }
  }

  private void fail(IncomingTransfer in, String why) {
    downloads.remove(in.id);
    discard(in);
    send.accept(frame(Transfer.decline(in.id, "the recipient " + why)));
    notify.accept("Could not save " + Display.inline(in.fileName) + " from " + in.sender() + ": " + why + ". The partial file was deleted.");
  }

  static Outbound frame(Transfer t) {
    return new Outbound.Frame(t.encodeFrame());
  }

  /** Why an upload's stream was stopped. */
  static final class Stopped extends RuntimeException {
    Stopped() {
      super("transfer stopped", null, false, false);
    }
  }
}
