package pekkochat.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import pekkochat.config.ClientSettings;
import pekkochat.files.Sizes;
import pekkochat.protocol.Frames;
import pekkochat.protocol.Message;
import pekkochat.protocol.Outbound;

/**
 * The client's files, both ways, a child of the {@link Client} for the life of its connection:
 * files the server relays in a FILE frame ({@link Downloads}), {@code /send} ({@link Uploads}),
 * the chunked transfers of the extended protocol ({@link Transfers}) with {@code /accept},
 * {@code /decline} and {@code /cancel}, and the progress line.
 *
 * <p>The client hands it the parts of the server's stream that are about files with their {@code
 * ackTo}, so the next element is read only once this actor has handled (or, a few writes ahead,
 * started writing) this one. It never touches the screen or the outbound queue itself: what it has
 * to say and to send goes to the client ({@link Client.FileNotice}, {@link Client.SendFrame}, in
 * order with the user's lines), and the client is told how many transfers are in flight ({@link
 * Client.FilesInFlight}) for Ctrl-C's question. Only the DATA frames of chunked uploads go
 * straight into the connection's transfer hub.
 */
final class FileDesk extends AbstractBehavior<FileDesk.Command> {

  sealed interface Command {}

  /**
   * A FILE frame's part ({@link Message.FileIncoming}, {@link Message.FileChunk}, {@link
   * Message.FileEnd}) or an XFER frame; {@code activeRoom} is the room in view as it arrived.
   */
  record FromServer(Message message, String activeRoom, ActorRef<Client.Ack> ackTo) implements Command {}

  /** The server's notice that a file it relayed was cut off ({@link Downloads#isIncompleteNotice}). */
  record IncompleteNotice(String text, ActorRef<Client.Ack> ackTo) implements Command {}

  /** {@code /send PATH}; {@code ackTo} (the user's line) once the file is on its way. */
  record Send(String pathText, boolean extended, ActorRef<Client.Ack> ackTo) implements Command {}

  /** {@code /accept}, {@code /decline} or {@code /cancel}, with or without a transfer number. */
  record TransferCommand(String line, boolean extended, ActorRef<Client.Ack> ackTo) implements Command {}

  /**
   * Stop every transfer in progress (Ctrl-C, {@link ChatClient#cancelTransfers}); with {@code
   * reportLeft} the client is told how many could not be stopped ({@link Client.TransfersLeft}).
   */
  record CancelAll(boolean extended, boolean reportLeft) implements Command {}

  private record ChunkWritten(ActorRef<Client.Ack> ackTo, Throwable failure) implements Command {}

  private record DownloadClosed(ActorRef<Client.Ack> ackTo, java.util.Optional<Throwable> failure) implements Command {}

  private record UploadFinished(Uploads.Upload upload, Throwable failure) implements Command {}

  private record TransferDone(Transfers.Event event) implements Command {}

  private enum ProgressTick implements Command {
    INSTANCE
  }

  private static final Duration PROGRESS_EVERY = Duration.ofMillis(250);

  /**
   * @param hub where the DATA frames of chunked uploads go
   * @param transferring kept true while a file is being sent or received ({@link ChatClient#transferring})
   * @param lastWords prints a line when this actor stops with the client, which no longer reads
   *     messages then (thread-safe: it goes straight to the console)
   */
  static Behavior<Command> create(
      ClientSettings settings,
      Sink<Outbound, NotUsed> hub,
      ActorRef<Client.Command> client,
      AtomicBoolean transferring,
      Consumer<String> lastWords) {
    return Behaviors.setup(
        context -> Behaviors.withTimers(timers -> new FileDesk(context, timers, settings, hub, client, transferring, lastWords)));
  }

  private final TimerScheduler<Command> timers;
  private final ActorRef<Client.Command> client;
  private final AtomicBoolean transferring;
  private final Consumer<String> lastWords;
  private final Downloads downloads;
  private final Uploads uploads;
  private final Transfers transfers;
  /** Where the user's output goes: the client's screen, or {@link #lastWords} when stopping. */
  private Consumer<String> notify;
  /** The room in view as of the last frame from the server (a file offered there shows no room tag). */
  private String activeRoom = "";
  /** Writes of the current FILE frame not yet on disk: a few may be queued before reading waits. */
  private int fileWritesInFlight;
  /** What the client was last told of {@link #inFlight}. */
  private int published;

  private FileDesk(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      ClientSettings settings,
      Sink<Outbound, NotUsed> hub,
      ActorRef<Client.Command> client,
      AtomicBoolean transferring,
      Consumer<String> lastWords) {
    super(context);
    this.timers = timers;
    this.client = client;
    this.transferring = transferring;
    this.lastWords = lastWords;
    this.notify = line -> client.tell(new Client.FileNotice(line, false));
    Materializer materializer = Materializer.matFromSystem(context.getSystem());
    Executor blockingIo = context.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
    ActorRef<Command> self = context.getSelf();
    this.downloads = new Downloads(settings.downloadDirectory(), blockingIo, line -> notify.accept(line));
    this.uploads = new Uploads(settings.limits().maxFileBytes(), settings.fileChunkSize());
    this.transfers =
        new Transfers(
            hub,
            materializer,
            blockingIo,
            settings.downloadDirectory(),
            settings.autoAcceptMax(),
            settings.fileChunkSize(),
            frame -> client.tell(new Client.SendFrame(frame, null)),
            () -> activeRoom,
            line -> notify.accept(line),
            event -> self.tell(new TransferDone(event)));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(FromServer.class, this::onFromServer)
        .onMessage(IncompleteNotice.class, this::onIncompleteNotice)
        .onMessage(Send.class, this::onSend)
        .onMessage(TransferCommand.class, this::onTransferCommand)
        .onMessage(CancelAll.class, this::onCancelAll)
        .onMessage(ChunkWritten.class, this::onChunkWritten)
        .onMessage(DownloadClosed.class, this::onDownloadClosed)
        .onMessage(UploadFinished.class, this::onUploadFinished)
        .onMessage(TransferDone.class, this::onTransferDone)
        .onMessageEquals(ProgressTick.INSTANCE, this::onProgressTick)
        .onSignal(PostStop.class, signal -> onPostStop())
        .build();
  }

  // --- frames from the server ---------------------------------------------------------------

  private Behavior<Command> onFromServer(FromServer received) {
    Message message = received.message();
    ActorRef<Client.Ack> ackTo = received.ackTo();
    activeRoom = received.activeRoom();
    if (message instanceof Message.Xfer xfer) {
      transfers.onFrame(xfer.transfer(), () -> ackTo.tell(Client.Ack.INSTANCE));
      startProgress();
    } else if (message instanceof Message.FileIncoming incoming) {
      downloads.start(incoming);
      startProgress();
      ackTo.tell(Client.Ack.INSTANCE);
    } else if (message instanceof Message.FileChunk chunk) {
      // Write-ahead: the next slice is read from the network while this one is written, up to
      // WRITES_AHEAD slices; then reading waits for the disk. Memory stays bounded.
      fileWritesInFlight++;
      boolean ackNow = fileWritesInFlight < Transfers.WRITES_AHEAD;
      getContext().pipeToSelf(downloads.write(chunk), (done, failure) -> new ChunkWritten(ackNow ? null : ackTo, failure));
      if (ackNow) {
        ackTo.tell(Client.Ack.INSTANCE);
      }
    } else if (message == Message.FileEnd.INSTANCE) {
      getContext().pipeToSelf(downloads.end(), (outcome, failure) -> new DownloadClosed(ackTo, outcome));
    } else {
      ackTo.tell(Client.Ack.INSTANCE); // not about files
    }
    return published();
  }

  private Behavior<Command> onIncompleteNotice(IncompleteNotice notice) {
    downloads.onServerText(notice.text());
    notice.ackTo().tell(Client.Ack.INSTANCE);
    return this;
  }

  private Behavior<Command> onChunkWritten(ChunkWritten written) {
    fileWritesInFlight--;
    downloads.written(written.failure());
    if (written.ackTo() != null) {
      written.ackTo().tell(Client.Ack.INSTANCE);
    }
    return published();
  }

  private Behavior<Command> onDownloadClosed(DownloadClosed closed) {
    downloads.closed(closed.failure());
    closed.ackTo().tell(Client.Ack.INSTANCE);
    return published();
  }

  private Behavior<Command> onTransferDone(TransferDone done) {
    transfers.onEvent(done.event());
    return published();
  }

  // --- the user's commands ------------------------------------------------------------------

  private Behavior<Command> onSend(Send send) {
    Uploads.Check check = uploads.check(send.pathText());
    if (check instanceof Uploads.Refused refused) {
      client.tell(new Client.FileNotice(refused.reason(), true));
      send.ackTo().tell(Client.Ack.INSTANCE);
      return this;
    }
    Uploads.Checked file = ((Uploads.Ready) check).file();
    if (send.extended()) {
      // In chunks, between the lines typed meanwhile; the server knows where it goes (/sendto).
      transfers.send(file, "");
      startProgress();
      send.ackTo().tell(Client.Ack.INSTANCE);
      return published();
    }
    ActorRef<Command> self = getContext().getSelf();
    Source<ByteString, NotUsed> body = uploads.start(file, (upload, failure) -> self.tell(new UploadFinished(upload, failure)));
    notify.accept(
        "Sending " + file.fileName() + " (" + Sizes.human(file.size()) + ")... Lines you type meanwhile are sent after it.");
    startProgress();
    client.tell(new Client.SendFrame(Frames.file(Frames.clientFilePrefix(file.fileName()), file.size(), body), send.ackTo()));
    return published();
  }

  private Behavior<Command> onUploadFinished(UploadFinished finished) {
    notify.accept(uploads.finished(finished.upload(), finished.failure()));
    onProgressTick();
    return published();
  }

  private Behavior<Command> onTransferCommand(TransferCommand command) {
    String line = command.line();
    int space = line.indexOf(' ');
    String name = space < 0 ? line : line.substring(0, space);
    String argument = space < 0 ? "" : line.substring(space + 1).strip();
    if (name.equals("/cancel")) {
      cancel(argument, command.extended());
    } else if (!command.extended()) {
      notify.accept("This server sends files the original way: they are saved as they come.");
    } else if (name.equals("/accept")) {
      transfers.acceptCommand(argument);
    } else {
      transfers.declineCommand(argument);
    }
    command.ackTo().tell(Client.Ack.INSTANCE);
    return published();
  }

  private Behavior<Command> onCancelAll(CancelAll cancel) {
    cancel("", cancel.extended());
    if (cancel.reportLeft()) {
      client.tell(new Client.TransfersLeft(inFlight()));
    }
    return published();
  }

  /**
   * {@code /cancel [n]}: with an extended server, stops transfer n or all of them; with the
   * original protocol a file is one frame, so a transfer under way cannot be stopped without
   * closing the connection, and the user is told so, and what to do.
   */
  private void cancel(String argument, boolean extended) {
    if (extended) {
      transfers.cancelCommand(argument);
    } else if (inFlight() == 0) {
      notify.accept("No file is being sent or received.");
    } else {
      notify.accept(
          "A file is sent as one frame, so a transfer under way cannot be stopped without closing the"
              + " connection: it goes on (/quit closes the connection and stops it).");
    }
  }

  // --- progress -----------------------------------------------------------------------------

  /** Files being sent or received now (one progress line each). */
  private int inFlight() {
    return uploads.inFlight() + (downloads.active() ? 1 : 0) + transfers.inFlight();
  }

  /** Tells the client how many transfers are in flight, if that changed. */
  private Behavior<Command> published() {
    int now = inFlight();
    if (now != published) {
      published = now;
      client.tell(new Client.FilesInFlight(now));
    }
    return this;
  }

  private void startProgress() {
    transferring.set(true); // until a progress tick finds nothing going on
    if (!timers.isTimerActive(ProgressTick.INSTANCE)) {
      timers.startTimerAtFixedRate(ProgressTick.INSTANCE, PROGRESS_EVERY);
    }
  }

  private Behavior<Command> onProgressTick() {
    List<String> lines = new ArrayList<>();
    long now = System.nanoTime();
    uploads.progress(lines, now);
    downloads.progress(lines, now);
    transfers.progress(lines, now);
    client.tell(new Client.FileProgress(List.copyOf(lines)));
    transferring.set(!lines.isEmpty());
    if (lines.isEmpty()) {
      timers.cancel(ProgressTick.INSTANCE);
    }
    return this;
  }

  // --- stopping -----------------------------------------------------------------------------

  /** Stopping with the client: files still arriving are deleted, uploads stopped. */
  private Behavior<Command> onPostStop() {
    notify = lastWords;
    downloads.discardAll();
    transfers.discardAll();
    return this;
  }
}
