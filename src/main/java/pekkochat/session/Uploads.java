package pekkochat.session;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import pekkochat.chat.ChatCore;
import pekkochat.chat.Room;
import pekkochat.chat.ToUser;
import pekkochat.chat.Users;
import pekkochat.config.ServerSettings;
import pekkochat.files.SafeFileNames;
import pekkochat.files.Sizes;
import pekkochat.files.Spool;
import pekkochat.files.SpoolFile;
import pekkochat.protocol.Message;
import pekkochat.protocol.Transfer;

/**
 * The files one {@link Session}'s user is sending: the one FILE frame being read (original
 * protocol) and the XFER uploads by the ids the client gave them (extended protocol), each an
 * {@link Upload} child of the session that writes the bytes to the spool and announces the file.
 * Not an actor: owned by the session, called from its message handlers only. Each method says how
 * the frame it was handed is to be acknowledged ({@link Acked}); the session does that, since
 * flood control is its business.
 */
final class Uploads {

  /** How the frame handed in is acknowledged. */
  enum Acked {
    /** By the session, counted towards flood control (an offer counts like a line). */
    COUNTED,
    /** By the session at once, not counted (the bytes of a file being dropped). */
    NOW,
    /** By the upload child, once it has written the bytes. */
    BY_CHILD
  }

  /** What the uploads need of their session. */
  interface Host {
    /** Sends a port call's outcome; false means the user's queue is full (the session then closes). */
    boolean sendOrClose(boolean accepted);

    /** The active room; null when in no room. */
    ActorRef<Room.Command> activeRoom();

    /** The room named {@code name} ({@code #dev}) the user is in; null when not in it (or not a room name). */
    ActorRef<Room.Command> room(String name);

    /** The user's nick (for the log). */
    String nick();
  }

  /** Ids of XFER uploads remembered as ended, so that DATA still on its way for them is dropped quietly. */
  private static final int ENDED_REMEMBERED = 256;

  private final ActorContext<Session.Command> context;
  private final ClientPort port;
  private final Spool spool;
  private final ServerSettings settings;
  private final ChatCore core;
  private final ActorRef<ToUser> inbox;
  private final Upload.Limits limits;
  private final Host host;

  /** {@code /sendto}: the user the next file goes to. */
  private String fileTarget;
  /** The FILE frame's upload being read; null: none. */
  private ActorRef<Upload.Command> upload;
  /** Set while the rest of a FILE frame is read and dropped (refused or its upload ended). */
  private boolean discardingFile;
  /** XFER uploads in progress, by the id the client gave them. */
  private final Map<Long, ActorRef<Upload.Command>> transferUploads = new HashMap<>();
  private final Set<Long> endedTransfers =
      Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
          return size() > ENDED_REMEMBERED;
        }
      });

  Uploads(
      ActorContext<Session.Command> context,
      ClientPort port,
      Spool spool,
      ServerSettings settings,
      ChatCore core,
      ActorRef<ToUser> inbox,
      Host host) {
    this.context = context;
    this.port = port;
    this.spool = spool;
    this.settings = settings;
    this.core = core;
    this.inbox = inbox;
    this.host = host;
    this.limits =
        new Upload.Limits(
            settings.relayLeadTime(), settings.relayCompletionTimeout(), settings.uploadMinRate(), settings.uploadRateWindow(),
            settings.fileAnnounceHold());
  }

  static boolean isFilePart(Message m) {
    return m instanceof Message.FileOffer || m instanceof Message.FileChunk || m == Message.FileEnd.INSTANCE;
  }

  /** {@code /sendto <nick>}: the next file (FILE frame, or XFER OFFER naming no one) goes to nick alone. */
  void sendTo(String nick) {
    fileTarget = nick;
  }

  // --- FILE frames ----------------------------------------------------------------------------

  Acked fileOffer(Message.FileOffer offer) {
    String fileName = SafeFileNames.baseName(offer.fileName());
    String target = fileTarget;
    fileTarget = null;
    String refusal = null;
    if (target == null && host.activeRoom() == null) {
      refusal = "you are in no room (/join one, or /sendto <nick> first)";
    }
    Spool.Reservation reservation = refusal == null ? spool.reserve(offer.size()) : null;
    if (reservation != null && reservation.file() == null) {
      refusal = reservation.refusal();
    }
    if (refusal != null) {
      context.getLog().info("Refused file {} ({} bytes) from {}: {}", fileName, offer.size(), host.nick(), refusal);
      discardingFile = true;
      host.sendOrClose(port.error("Could not receive file " + fileName + " (" + Sizes.human(offer.size()) + "): "
          + refusal + ". It was not sent."));
      return Acked.COUNTED;
    }
    SpoolFile file = reservation.file();
    discardingFile = false;
    upload = context.spawnAnonymous(Upload.create(Upload.FILE_FRAME, fileName, file, context.getSelf(), announcement(target), limits));
    context.watchWith(upload, new Session.UploadChildStopped(upload));
    // A FILE counts towards flood control like a line: 300 tiny files are 300 messages.
    return Acked.COUNTED;
  }

  Acked fileChunk(Message.FileChunk chunk, ActorRef<Session.Ack> ackTo) {
    if (upload != null && !discardingFile) {
      upload.tell(new Upload.Chunk(chunk.bytes(), ackTo));
      return Acked.BY_CHILD;
    }
    return Acked.NOW;
  }

  Acked fileEnd(ActorRef<Session.Ack> ackTo) {
    if (upload != null && !discardingFile) {
      upload.tell(new Upload.End(ackTo));
      upload = null; // the child stops once the file is stored
      return Acked.BY_CHILD;
    }
    discardingFile = false;
    return Acked.NOW;
  }

  /**
   * How an upload announces its file: to {@code nick} alone, or to the active room as it is now.
   * Recipients acquire the file when the announcement reaches them; it is held until as many as it
   * reached have (the core tells the file service how many), or at the latest for
   * file-announce-hold (scheduled by the Upload).
   */
  private Upload.Announcement announcement(String nick) {
    ActorRef<ToUser> from = inbox;
    ChatCore chat = core;
    if (nick != null) {
      return (file, name) -> chat.users().tell(new Users.SendFile(from, chat.files(), nick, file.id(), name, file.size()));
    }
    return roomAnnouncement(host.activeRoom());
  }

  private Upload.Announcement roomAnnouncement(ActorRef<Room.Command> room) {
    ActorRef<ToUser> from = inbox;
    ChatCore chat = core;
    return (file, name) -> room.tell(new Room.ShareFile(from, chat.files(), file.id(), name, file.size()));
  }

  // --- XFER uploads ---------------------------------------------------------------------------

  /** An XFER frame about one of the client's uploads: OFFER, DATA, END or CANCEL. */
  Acked transfer(Transfer t, ActorRef<Session.Ack> ackTo) {
    long id = t.id();
    String shown = Long.toUnsignedString(id);
    switch (t.kind()) {
      case OFFER -> {
        return offer(t);
      }
      case DATA -> {
        ActorRef<Upload.Command> up = transferUploads.get(id);
        if (up != null) {
          up.tell(new Upload.Chunk(t.data(), ackTo));
          return Acked.BY_CHILD;
        }
        if (endedTransfers.contains(id)) {
          return Acked.NOW; // sent before the client heard its upload had ended
        }
        host.sendOrClose(port.error("No upload with id " + shown + " is in progress (OFFER it first): DATA dropped."));
        return Acked.COUNTED;
      }
      case END -> {
        ActorRef<Upload.Command> up = transferUploads.remove(id);
        if (up != null) {
          endedTransfers.add(id);
          up.tell(new Upload.End(ackTo));
          return Acked.BY_CHILD;
        }
        if (!endedTransfers.contains(id)) {
          host.sendOrClose(port.error("No upload with id " + shown + " is in progress: END ignored."));
        }
        return Acked.COUNTED;
      }
      case CANCEL -> {
        ActorRef<Upload.Command> up = transferUploads.remove(id);
        if (up != null) {
          endedTransfers.add(id);
          up.tell(Upload.Abandon.CANCELLED);
        } else if (!endedTransfers.contains(id)) {
          host.sendOrClose(port.error("No upload with id " + shown + " is in progress: CANCEL ignored."));
        }
        return Acked.COUNTED;
      }
      default -> throw new IllegalArgumentException("not about an upload: " + t.kind());
    }
  }

  private Acked offer(Transfer t) {
    long id = t.id();
    if (transferUploads.containsKey(id)) {
      host.sendOrClose(port.error("Transfer id " + Long.toUnsignedString(id) + " is already in use by an upload in progress."));
      return Acked.COUNTED;
    }
    String fileName = SafeFileNames.baseName(t.text());
    String target = t.who().strip();
    Upload.Announcement announcement = null;
    String refusal = null;
    if (transferUploads.size() >= settings.transfers().maxPerConnection()) {
      refusal = "at most " + settings.transfers().maxPerConnection() + " uploads at once";
    } else if (t.size() > settings.limits().maxFileBytes()) {
      refusal = "the limit is " + Sizes.human(settings.limits().maxFileBytes());
    } else if (target.isEmpty() && fileTarget != null) {
      announcement = announcement(fileTarget); // after /sendto
      fileTarget = null;
    } else if (target.isEmpty()) {
      ActorRef<Room.Command> room = host.activeRoom();
      if (room == null) {
        refusal = "you are in no room (/join one, or send it to a nick)";
      } else {
        announcement = roomAnnouncement(room);
      }
    } else if (target.startsWith("#")) {
      ActorRef<Room.Command> room = host.room(target);
      if (room == null) {
        refusal = "you are not in " + target;
      } else {
        announcement = roomAnnouncement(room);
      }
    } else {
      announcement = announcement(target);
    }
    Spool.Reservation reservation = refusal == null ? spool.reserve(t.size()) : null;
    if (reservation != null && reservation.file() == null) {
      refusal = reservation.refusal();
    }
    if (refusal != null) {
      context.getLog().info("Refused transfer {} ({} bytes) from {}: {}", fileName, t.size(), host.nick(), refusal);
      endedTransfers.add(id);
      host.sendOrClose(port.transfer(Transfer.decline(id, "Could not send " + fileName + " (" + Sizes.human(t.size()) + "): " + refusal + ".")));
      return Acked.COUNTED;
    }
    SpoolFile file = reservation.file();
    ActorRef<Session.Command> self = context.getSelf();
    file.onResponse((who, outcome) -> self.tell(new Session.TransferResponse(id, who, outcome)));
    endedTransfers.remove(id);
    ActorRef<Upload.Command> child = context.spawnAnonymous(Upload.create(id, fileName, file, self, announcement, limits));
    context.watchWith(child, new Session.UploadChildStopped(child));
    transferUploads.put(id, child);
    return Acked.COUNTED;
  }

  // --- how uploads end ------------------------------------------------------------------------

  /** An upload child stopped; the FILE frame's mid-frame: the rest of the frame is dropped. */
  void childStopped(ActorRef<Upload.Command> child) {
    if (child.equals(upload)) {
      upload = null; // it failed mid-frame: the rest of the frame is dropped here
      discardingFile = true;
    }
    transferUploads.values().removeIf(child::equals);
  }

  /** An upload ended: a failed XFER one is declined to the client, a failed FILE frame's said. */
  void ended(Session.UploadEnded ended) {
    if (ended.transferId() != Upload.FILE_FRAME) {
      long id = ended.transferId();
      if (!ended.complete()) {
        ActorRef<Upload.Command> child = transferUploads.remove(id);
        endedTransfers.add(id);
        if (child != null) {
          child.tell(Upload.Abandon.INSTANCE);
        }
        if (ended.error() != null) {
          host.sendOrClose(port.transfer(Transfer.decline(id, "Could not send " + ended.fileName() + ": " + ended.error() + ".")));
        }
      }
      return;
    }
    // A failed upload's child goes on taking the rest of its frame (dropping it) until the frame's
    // end, then stops: the session keeps handing it the chunks. (Dropping them here instead left
    // the child waiting for an end it never got, one stray actor per failed upload.)
    if (!ended.complete() && ended.error() != null) {
      host.sendOrClose(port.error("Could not receive file " + ended.fileName() + ": " + ended.error() + ". It was not sent completely."));
    }
  }

  /** The connection is closing: every upload in progress is abandoned (its partial file deleted). */
  void abandonAll() {
    if (upload != null) {
      upload.tell(Upload.Abandon.INSTANCE);
      upload = null;
    }
    transferUploads.values().forEach(up -> up.tell(Upload.Abandon.INSTANCE));
    transferUploads.clear();
  }
}
