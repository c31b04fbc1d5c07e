package pekkochat.client;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.FileIO;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import pekkochat.Failures;
import pekkochat.files.Sizes;
import pekkochat.protocol.Outbound;
import pekkochat.protocol.Transfer;

/**
 * The uploads of the chunked transfers ({@link Transfers}): a file is its OFFER, DATA frames read
 * from disk and END, streamed into the connection's transfer hub, which the outbound stream takes
 * from only when no line the user typed is waiting; and what the server says of it (DECLINE, and
 * the recipients' RESPONSE). An upload lately sent is remembered a while, to name it when
 * recipients answer.
 *
 * <p>{@link Transfers} owns it, on the {@link FileDesk} actor; a stream's end comes back as
 * {@link Transfers.UploadEnded} through {@code self}.
 */
final class ChunkedUploads {

  private final Sink<Outbound, NotUsed> hub;
  private final Materializer materializer;
  private final int chunkSize;
  private final Consumer<Outbound> send;
  private final Consumer<String> notify;
  private final Consumer<Transfers.Event> self;
  private long nextUploadId;
  private final Map<Long, OutgoingTransfer> uploads = new LinkedHashMap<>();
  /** Uploads sent lately, for naming them when recipients answer. */
  private final Map<Long, OutgoingTransfer> sent =
      new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, OutgoingTransfer> eldest) {
          return size() > 64;
        }
      };

  /** As {@link Transfers}' parameters of the same names; {@code chunkSize} is checked already. */
  ChunkedUploads(
      Sink<Outbound, NotUsed> hub,
      Materializer materializer,
      int chunkSize,
      Consumer<Outbound> send,
      Consumer<String> notify,
      Consumer<Transfers.Event> self) {
    this.hub = hub;
    this.materializer = materializer;
    this.chunkSize = chunkSize;
    this.send = send;
    this.notify = notify;
    this.self = self;
  }

  /** Starts sending a checked file to {@code target}, as the transfer the user knows by {@code number}. */
  void send(Uploads.Checked file, String target, int number) {
    long id = ++nextUploadId;
    OutgoingTransfer t = new OutgoingTransfer(id, number, file.fileName(), file.size());
    uploads.put(id, t);
    Source<Outbound, NotUsed> frames =
        Source.single(Transfers.frame(Transfer.offer(id, file.size(), target, file.fileName())))
            .concat(
                FileIO.fromPath(file.path(), chunkSize)
                    .map(bytes -> {
                      t.count(bytes.size());
                      return (Outbound) new Outbound.Frame(Transfer.dataFrame(id, bytes));
                    })
                    .mapMaterializedValue(io -> NotUsed.getInstance()))
            .concat(Source.lazySingle(() -> Transfers.frame(Transfer.end(id, file.size()))));
    t.killSwitch =
        frames
            .viaMat(KillSwitches.single(), Keep.right())
            .watchTermination((ks, done) -> {
              done.whenComplete((d, failure) -> self.accept(new Transfers.UploadEnded(t, failure)));
              return ks;
            })
            .recoverWithRetries(1, Throwable.class, Source::empty)
            .to(hub)
            .run(materializer);
    notify.accept(
        "Sending " + Display.inline(file.fileName()) + " (" + Sizes.human(file.size()) + ") as transfer " + t.number
            + "; chat goes on meanwhile (/cancel " + t.number + " stops it).");
  }

  void onEnded(OutgoingTransfer t, Throwable failure) {
    if (uploads.remove(t.id) == null || t.stopped) {
      return;
    }
    if (failure == null) {
      sent.put(t.id, t);
      notify.accept(
          "Sent " + Display.inline(t.fileName) + " (" + Sizes.human(t.size) + ") "
              + Progress.summary(t.size, Duration.ofNanos(System.nanoTime() - t.startNanos)) + ".");
    } else {
      send.accept(Transfers.frame(Transfer.cancel(t.id, "the sender could not read the file")));
      notify.accept("Sending " + Display.inline(t.fileName) + " failed: " + Failures.rootMessage(failure));
    }
  }

  private void stop(OutgoingTransfer t) {
    t.stopped = true;
    uploads.remove(t.id);
    if (t.killSwitch != null) {
      t.killSwitch.abort(new Transfers.Stopped());
    }
  }

  /** The server refused or stopped one of our uploads. */
  void onDeclined(Transfer t) {
    OutgoingTransfer out = uploads.get(t.id());
    if (out != null) {
      stop(out);
    }
    notify.accept(t.text().isEmpty() ? "The server stopped transfer " + (out == null ? t.id() : out.number) + "." : Display.inline(t.text()));
  }

  /** A recipient's answer about one of our uploads. */
  void onResponse(Transfer t) {
    OutgoingTransfer out = uploads.containsKey(t.id()) ? uploads.get(t.id()) : sent.get(t.id());
    String file = out == null ? "your file" : Display.inline(out.fileName);
    String who = Display.inline(t.who());
    String line =
        switch (t.text()) {
          case "accepted" -> who + " accepted " + file + ".";
          case "declined" -> who + " declined " + file + ".";
          case "received" -> who + " received " + file + ".";
          case "cancelled" -> who + " stopped receiving " + file + ".";
          case "left" -> who + " left before receiving " + file + ".";
          case "did not answer" -> who + " did not answer the offer of " + file + ".";
          case "stalled" -> who + " stopped reading " + file + "; it was not delivered.";
          default -> who + ": " + Display.inline(t.text()) + " (" + file + ").";
        };
    notify.accept(line);
  }

  /** For {@code /cancel [n]}: adds what stops upload n (without a number: every upload) to {@code stops}. */
  void stops(String argument, List<Runnable> stops) {
    for (OutgoingTransfer out : List.copyOf(uploads.values())) {
      if (argument.isEmpty() || argument.equals(Integer.toString(out.number))) {
        stops.add(() -> {
          stop(out);
          send.accept(Transfers.frame(Transfer.cancel(out.id, "the sender cancelled it")));
          notify.accept("Cancelled sending " + Display.inline(out.fileName) + ".");
        });
      }
    }
  }

  /** How many uploads are going on. */
  int inFlight() {
    return uploads.size();
  }

  /** The progress lines of the uploads going on. */
  void progress(List<String> lines, long nowNanos) {
    for (OutgoingTransfer out : uploads.values()) {
      lines.add(Progress.line("\u2191 " + out.number, out.fileName, out.sent.get(), out.size, Duration.ofNanos(nowNanos - out.startNanos)));
    }
  }

  /** The client is stopping: every upload is stopped. */
  void stopAll() {
    for (OutgoingTransfer out : List.copyOf(uploads.values())) {
      stop(out);
    }
  }
}
