package pekkochat.client;

import java.security.SecureRandom;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import pekkochat.protocol.Event;
import pekkochat.protocol.Frames;
import pekkochat.protocol.Outbound;

/**
 * What resuming a conversation needs to remember, with a server that keeps history and offers
 * {@code /post}: the room lines sent and not yet acknowledged, what was typed while disconnected,
 * and the last line seen in each room.
 *
 * <p>A room line goes as {@code /post <id> <#room> <text>}, its id a random prefix of this client
 * and a counter, and stays here until the server's STORED for that id. After a reconnect every
 * one of them is sent again with the same id: the server stores an id once, so a line whose
 * acknowledgement was lost with the connection is not stored twice. Frames typed while
 * disconnected (posts and commands) wait here, at most {@code maxQueued}, for the new connection.
 *
 * <p>The last seq seen per room is the highest of the room's events this client received (lines,
 * topics, joins, leaves, nick changes, history included). The seq of a STORED is not counted: the
 * server may acknowledge a line before it delivers the lines stored just before it, and counting
 * it could skip those on resume. The client's own lines after the last seq seen are therefore
 * replayed too on resume; they are not shown again ({@link #hidesOnResume}), having been shown as
 * they were typed.
 *
 * <p>Not thread-safe: owned by the client actor.
 */
final class Outbox {

  /** A room line sent with {@code /post} and not acknowledged yet. */
  private record Post(String id, String room, String text, boolean pending) {}

  /** What a STORED means for the user. */
  enum Stored {
    /** Not one of ours (a {@code /post} the user typed): shown as the server sent it. */
    NOT_OURS,
    /** One of ours, acknowledged as usual: nothing to show (it was shown as it was typed). */
    QUIET,
    /** One of ours that was pending (typed while disconnected, or sent again after): shown. */
    PENDING
  }

  /** The ids' prefix: made at the first post, so that start-up does not wait for SecureRandom's providers. */
  private String prefix;
  private final int maxQueued;
  private long counter;
  /** Between {@link #lost} and {@link #resend}. */
  private boolean offline;
  /** What {@link #post} returned last (so that {@link #queue} knows a post when it sees one). */
  private Outbound lastFrame;
  private final LinkedHashMap<String, Post> unacked = new LinkedHashMap<>();
  /** Frames typed while disconnected, in order (posts among them are in {@link #unacked} too). */
  private final ArrayDeque<Outbound> queued = new ArrayDeque<>();
  /** Ids of the posts in {@link #queued}. */
  private final Set<String> queuedIds = new HashSet<>();
  /** Queued frames that are not posts (commands, private messages): pending as well. */
  private int queuedOther;
  /** The last seq seen, by room key; with the room's name as the server spells it. */
  private final Map<String, Long> seqs = new HashMap<>();
  private final Map<String, String> spelled = new HashMap<>();
  /** Rooms being replayed on resume (between HISTORY begin and end), by key. */
  private final Set<String> resuming = new HashSet<>();
  /** The current connection's resume token (EVENT RESUME); null: none, or spent. */
  private String resumeToken;
  /** PRIVATE and PRIVATE_ACTION events received live on the connection the token is of. */
  private long privatesReceived;
  /** Between HISTORY begin and end of a private conversation ({@code @nick}): those are not counted. */
  private boolean inPrivateHistory;

  Outbox(int maxQueued) {
    this(null, maxQueued);
  }

  Outbox(String prefix, int maxQueued) {
    this.prefix = prefix;
    this.maxQueued = maxQueued;
  }

  /** 10 random letters and digits: unique enough per client, and within the id rule (1-64 of [A-Za-z0-9._:-]). */
  private static String newPrefix() {
    SecureRandom random = new SecureRandom();
    String letters = "abcdefghijklmnopqrstuvwxyz0123456789";
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      b.append(letters.charAt(random.nextInt(letters.length())));
    }
    return b.toString();
  }

  // --- posting ---------------------------------------------------------------------------------

  /**
   * The frame for a room line ({@code text}, or {@code /me action}) to {@code room}: a {@code
   * /post} with a new id, kept until acknowledged (pending, if typed while disconnected).
   */
  Outbound post(String room, String text) {
    if (prefix == null) {
      prefix = newPrefix();
    }
    String id = prefix + ":" + (++counter);
    String body = isAction(text) ? "/me " + text.strip().substring(4).strip() : text;
    Post p = new Post(id, room, body, offline);
    unacked.put(id, p);
    lastFrame = frame(p);
    return lastFrame;
  }

  private static Outbound frame(Post p) {
    return Frames.text("/post " + p.id() + " " + p.room() + " " + p.text());
  }

  /** Whether {@code line} is a room action ({@code /me x}, any case). */
  static boolean isAction(String line) {
    String s = line.strip();
    return s.length() > 4 && s.substring(0, 4).toLowerCase(Locale.ROOT).equals("/me ") && !s.substring(4).isBlank();
  }

  /** Whether a line typed in a room goes as a {@code /post}: a plain line, or an action. */
  static boolean isRoomLine(String line) {
    return !line.startsWith("/") || isAction(line);
  }

  /** A refusal that names one of our posts: {@code Your line (post <id>) was not sent: ...}. */
  private static final java.util.regex.Pattern REFUSED = java.util.regex.Pattern.compile("^Your line \\(post ([A-Za-z0-9._:-]{1,64})\\) was not sent");

  /**
   * An ERROR from the server: when it refuses one of our posts, that line will never be stored
   * (the user reads why), so it is no longer pending and is not sent again after a reconnect.
   * Returns the reason as the user reads it, the id replaced by the line's first words; empty
   * when it is not about one of ours.
   */
  java.util.Optional<String> refused(String reason) {
    java.util.regex.Matcher m = REFUSED.matcher(reason);
    if (!m.find()) {
      return java.util.Optional.empty();
    }
    Post p = unacked.remove(m.group(1));
    if (p == null) {
      return java.util.Optional.empty();
    }
    String text = p.text().codePointCount(0, p.text().length()) > 40
        ? p.text().substring(0, p.text().offsetByCodePoints(0, 40)) + "..." : p.text();
    return java.util.Optional.of("Your line \"" + text + "\" in " + p.room() + reason.substring(m.end(1) + 1));
  }

  /** The server's STORED for {@code id}. */
  Stored stored(String id) {
    Post p = unacked.remove(id);
    if (p == null) {
      return Stored.NOT_OURS;
    }
    return p.pending() ? Stored.PENDING : Stored.QUIET;
  }

  // --- while disconnected ----------------------------------------------------------------------

  /** The connection was lost: every line not acknowledged is pending now. */
  void lost() {
    offline = true;
    unacked.replaceAll((id, p) -> new Post(p.id(), p.room(), p.text(), true));
  }

  /**
   * Keeps a frame typed while disconnected; false when {@code maxQueued} are waiting already (a
   * post refused so is forgotten: it was never sent).
   */
  boolean queue(Outbound frame) {
    String postId = frame == lastFrame ? prefix + ":" + counter : null;
    if (queued.size() >= maxQueued) {
      if (postId != null) {
        unacked.remove(postId);
      }
      return false;
    }
    queued.addLast(frame);
    if (postId == null) {
      queuedOther++;
    } else {
      queuedIds.add(postId);
    }
    return true;
  }

  boolean offline() {
    return offline;
  }

  int maxQueued() {
    return maxQueued;
  }

  /** Lines pending: not acknowledged since the loss, or typed while disconnected. */
  int pending() {
    int n = queuedOther;
    for (Post p : unacked.values()) {
      if (p.pending()) {
        n++;
      }
    }
    return n;
  }

  /**
   * Reconnected: what to send after rejoining, in order: every post not acknowledged that was sent
   * before (same id), then the frames typed meanwhile. The queue is empty afterwards.
   */
  List<Outbound> resend() {
    offline = false;
    List<Outbound> out = new ArrayList<>();
    for (Post p : unacked.values()) {
      if (!queuedIds.contains(p.id())) {
        out.add(frame(p));
      }
    }
    out.addAll(queued);
    queued.clear();
    queuedIds.clear();
    queuedOther = 0;
    return out;
  }

  /** The lines not acknowledged, as plain TEXT (for a server that no longer offers {@code /post}). */
  List<Outbound> resendAsText() {
    offline = false;
    List<Outbound> out = new ArrayList<>();
    for (Post p : unacked.values()) {
      if (!queuedIds.contains(p.id())) {
        out.add(Frames.text(p.text()));
      }
    }
    for (Outbound frame : queued) {
      out.add(frame);
    }
    unacked.clear();
    queued.clear();
    queuedIds.clear();
    queuedOther = 0;
    return out;
  }

  // --- what was seen ---------------------------------------------------------------------------

  /**
   * Takes in an event from the server: the last seq of its room, the connection's resume token,
   * and how many private events it received live (the server counts the same).
   */
  void seen(Event e) {
    switch (e.kind()) {
      case RESUME -> {
        resumeToken = e.text().isEmpty() ? null : e.text();
        privatesReceived = 0; // a new connection: counted afresh
        inPrivateHistory = false;
      }
      case HISTORY -> {
        if (e.room().startsWith("@")) {
          inPrivateHistory = e.text().equals("begin");
        }
      }
      case PRIVATE, PRIVATE_ACTION -> {
        if (!inPrivateHistory) {
          privatesReceived++;
        }
      }
      default -> {
        // the room's events: below
      }
    }
    if (e.seq() <= 0 || e.room().isEmpty()) {
      return;
    }
    switch (e.kind()) {
      case MESSAGE, ACTION, TOPIC, JOINED, LEFT, NICK -> {
        String key = key(e.room());
        seqs.merge(key, e.seq(), Math::max);
        spelled.put(key, e.room());
      }
      default -> {
        // ENTERED, ACTIVE, HISTORY, STORED: not a room's event in its order
      }
    }
  }

  /**
   * The {@code /resume <token> <count>} line that takes over the lost connection; null when the
   * server gave none. The token stays until the server refuses it ({@link #resumeRefused}) or
   * gives the new connection its own: an attempt cut off before the server read it tries again.
   */
  String resumeLine() {
    return resumeToken == null ? null : "/resume " + resumeToken + " " + privatesReceived;
  }

  /** The server refused the token (the connection it was for is gone): JOIN from now on. */
  void resumeRefused() {
    resumeToken = null;
  }

  /** The last seq seen in {@code room}; 0 for none. */
  long lastSeq(String room) {
    return seqs.getOrDefault(key(room), 0L);
  }

  /** {@code rooms} are being resumed: their replay is between the next HISTORY begin and end. */
  void resuming(List<String> rooms) {
    resuming.clear();
    rooms.forEach(r -> resuming.add(key(r)));
  }

  /**
   * Whether {@code e} is not to be shown: a line of the user's own ({@code me}) replayed on resume,
   * which was shown when it was typed. Also notes the end of a room's replay.
   */
  boolean hidesOnResume(Event e, String me) {
    String key = key(e.room());
    if (e.kind() == Event.Kind.HISTORY && e.text().equals("end")) {
      resuming.remove(key);
      return false;
    }
    return resuming.contains(key)
        && (e.kind() == Event.Kind.MESSAGE || e.kind() == Event.Kind.ACTION)
        && e.from().equalsIgnoreCase(me);
  }

  private static String key(String room) {
    return room.toLowerCase(Locale.ROOT);
  }
}
