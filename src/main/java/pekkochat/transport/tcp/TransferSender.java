package pekkochat.transport.tcp;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.NotUsed;
import org.apache.pekko.japi.pf.PFBuilder;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import pekkochat.files.SpoolFile;
import pekkochat.files.SpoolReader;
import pekkochat.protocol.Outbound;
import pekkochat.protocol.Transfer;

/**
 * The files one extended connection is offered and sent as chunked (XFER) transfers. Each offer
 * holds its spool file until the user accepts, declines or cancels it, the offer times out, or
 * the connection ends. An accepted file is streamed from the spool (following it while it is
 * still being written) as DATA frames into the connection's transfer hub, which the outbound
 * stream takes from only when no chat frame is waiting: chat never waits behind a file. Several
 * files go at once (at most {@code maxActive}), one chunk of each in turn.
 *
 * <p>Called by the session (through its port) and by stream completions: its maps are concurrent,
 * and every offer and delivery is let go of exactly once (whoever removes it from its map).
 */
final class TransferSender {

  /** An offer waiting for the user's answer. */
  private record Offer(long id, SpoolFile file, String from, String room, String name, Runnable listener) {}

  /** A file being sent; {@code outcome} is what its sender is told when it ends. */
  private static final class Active {
    final long id;
    final SpoolFile file;
    volatile String outcome = "received";
    volatile UniqueKillSwitch killSwitch;

    Active(long id, SpoolFile file) {
      this.id = id;
      this.file = file;
    }
  }

  private final Sink<Outbound, NotUsed> hub;
  private final Materializer materializer;
  private final int chunkSize;
  private final Duration stallTimeout;
  private final int maxActive;
  private final AtomicLong nextId = new AtomicLong();
  private final Map<Long, Offer> offers = new ConcurrentHashMap<>();
  private final Map<Long, Active> active = new ConcurrentHashMap<>();
  private final SharedKillSwitch all = KillSwitches.shared("transfers");
  /** The user's nick, as the senders are told it. */
  private volatile String recipient = "";

  TransferSender(Sink<Outbound, NotUsed> hub, Materializer materializer, int chunkSize, Duration stallTimeout, int maxActive) {
    this.hub = hub;
    this.materializer = materializer;
    this.chunkSize = Math.min(chunkSize, Transfer.MAX_DATA_BYTES);
    this.stallTimeout = stallTimeout;
    this.maxActive = maxActive;
  }

  void named(String nick) {
    recipient = nick;
  }

  /**
   * Registers an offer of {@code file} (already acquired for this connection) and returns its id;
   * {@code withdrawn} runs if the upload fails before the user answers.
   */
  long offer(SpoolFile file, String from, String room, String name, java.util.function.LongConsumer withdrawn) {
    long id = nextId.incrementAndGet();
    Runnable listener = () -> {
      if (file.state() == SpoolFile.State.FAILED && offers.containsKey(id)) {
        withdrawn.accept(id);
      }
    };
    offers.put(id, new Offer(id, file, from, room, name, listener));
    file.addListener(listener);
    return id;
  }

  /** The OFFERED frame of offer {@code id}, or empty if it is gone. */
  Optional<Transfer> offered(long id) {
    Offer o = offers.get(id);
    return o == null ? Optional.empty() : Optional.of(Transfer.offered(id, o.file.size(), o.from, o.room, o.name));
  }

  /** The user accepted offer {@code id}: sending starts. Empty if done, otherwise why not. */
  Optional<String> accept(long id) {
    if (!offers.containsKey(id)) {
      return Optional.of(active.containsKey(id)
          ? "File " + Long.toUnsignedString(id) + " is already on its way."
          : "No file is offered to you with id " + Long.toUnsignedString(id) + ".");
    }
    if (active.size() >= maxActive) {
      return Optional.of("At most " + maxActive + " files can come at once: accept " + Long.toUnsignedString(id)
          + " again when one is done.");
    }
    Offer o = offers.remove(id);
    if (o == null) {
      return Optional.of("No file is offered to you with id " + Long.toUnsignedString(id) + ".");
    }
    o.file.removeListener(o.listener);
    o.file.respond(recipient, "accepted");
    start(o);
    return Optional.empty();
  }

  /** The user declined offer {@code id}. Empty if done, otherwise why not. */
  Optional<String> decline(long id) {
    Offer o = offers.remove(id);
    if (o == null) {
      return Optional.of("No file is offered to you with id " + Long.toUnsignedString(id) + ".");
    }
    letGo(o, "declined");
    return Optional.empty();
  }

  /** The user cancelled {@code id}, offered or on its way. Empty if done, otherwise why not. */
  Optional<String> cancel(long id) {
    Offer o = offers.remove(id);
    if (o != null) {
      letGo(o, "declined");
      return Optional.empty();
    }
    Active a = active.get(id);
    if (a == null) {
      return Optional.of("No file with id " + Long.toUnsignedString(id) + " is coming to you.");
    }
    a.outcome = "cancelled";
    UniqueKillSwitch ks = a.killSwitch;
    if (ks != null) {
      ks.abort(new Cancelled());
    }
    return Optional.empty();
  }

  /** The offer {@code id} was not answered in time (or its upload failed): true if it was still open. */
  boolean withdraw(long id, String outcome) {
    Offer o = offers.remove(id);
    if (o == null) {
      return false;
    }
    letGo(o, outcome);
    return true;
  }

  /** The connection ended: every offer and delivery is let go of, their senders told. */
  void releaseAll() {
    for (Long id : offers.keySet()) {
      Offer o = offers.remove(id);
      if (o != null) {
        letGo(o, "left");
      }
    }
    for (Active a : active.values()) {
      a.outcome = "left";
    }
    all.abort(new Cancelled());
  }

  private void letGo(Offer o, String outcome) {
    o.file.removeListener(o.listener);
    if (o.file.state() != SpoolFile.State.FAILED) {
      o.file.respond(recipient, outcome);
    }
    o.file.release();
  }

  private void start(Offer o) {
    long id = o.id;
    Active a = new Active(id, o.file);
    active.put(id, a);
    long size = o.file.size();
    Source<Outbound, NotUsed> frames =
        SpoolReader.chunks(o.file, chunkSize, stallTimeout)
            .map(bytes -> (Outbound) new Outbound.Frame(Transfer.dataFrame(id, bytes)))
            .concat(Source.lazySingle(() -> frame(Transfer.end(id, size))))
            .recover(
                new PFBuilder<Throwable, Outbound>()
                    // Each ends the delivery at once, releasing the spool file: the CANCEL
                    // frame may never be taken (a recipient that stalled reads nothing), and a
                    // delivery that waited for it would hold the file, and its share of the
                    // spool quota, for as long as that recipient stays connected.
                    .match(SpoolReader.UploadFailed.class, e -> {
                      a.outcome = null; // the sender's own upload ended it: nothing to tell them
                      finished(a);
                      return frame(Transfer.cancel(id, e.getMessage()));
                    })
                    .match(SpoolReader.RecipientStalled.class, e -> {
                      a.outcome = "stalled";
                      finished(a);
                      return frame(Transfer.cancel(id, "you took none of it for " + stallTimeout.toSeconds() + " s"));
                    })
                    .match(Throwable.class, e -> {
                      a.outcome = "failed";
                      finished(a);
                      return frame(Transfer.cancel(id, "the server could not read it"));
                    })
                    .build());
    a.killSwitch =
        frames
            .viaMat(KillSwitches.single(), Keep.right())
            .via(all.flow())
            .watchTermination((ks, done) -> {
              done.whenComplete((d, failure) -> finished(a));
              return ks;
            })
            // A delivery ending early must never fail the connection's hub.
            .recoverWithRetries(1, Throwable.class, Source::empty)
            .to(hub)
            .run(materializer);
  }

  private void finished(Active a) {
    if (active.remove(a.id) != null) {
      String outcome = a.outcome;
      if (outcome != null && a.file.state() != SpoolFile.State.FAILED) {
        a.file.respond(recipient, outcome);
      }
      a.file.release();
    }
  }

  private static Outbound frame(Transfer t) {
    return new Outbound.Frame(t.encodeFrame());
  }

  /** Why a delivery's stream was stopped by its recipient or the connection's end. */
  static final class Cancelled extends RuntimeException {
    Cancelled() {
      super("transfer cancelled", null, false, false);
    }
  }
}
