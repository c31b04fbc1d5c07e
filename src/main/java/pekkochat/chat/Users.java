package pekkochat.chat;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The nick registry: who is online under which nick, unique by {@link Nicks#key} (a confusable
 * skeleton, so {@code alice} and {@code аlice} with a Cyrillic а cannot both be online), and the
 * router of private messages. It watches each user's inbox, so a nick is free again the moment its
 * session ends.
 */
public final class Users extends AbstractBehavior<Users.Command> {

  /** What the registry handles. */
  public sealed interface Command extends CborSerializable {}

  /** Take {@code nick} (already checked against the rules); answered with NickGranted or NickRefused. */
  public record Claim(@JsonProperty("nick") String nick, @JsonProperty("inbox") ActorRef<ToUser> inbox) implements Command {
    @JsonCreator
    public Claim {}
  }

  /** {@code /nick}: the user behind {@code inbox} wants {@code newNick}. */
  public record Rename(@JsonProperty("inbox") ActorRef<ToUser> inbox, @JsonProperty("newNick") String newNick) implements Command {
    @JsonCreator
    public Rename {}
  }

  /** {@code /msg}: from the user behind {@code inbox} to {@code to}. */
  public record SendPrivate(
      @JsonProperty("inbox") ActorRef<ToUser> inbox,
      @JsonProperty("to") String to,
      @JsonProperty("text") String text,
      @JsonProperty("action") boolean action)
      implements Command {
    @JsonCreator
    public SendPrivate {}
  }

  /** A file for {@code to} alone, held by the file service under {@code fileId}. */
  public record SendFile(
      @JsonProperty("inbox") ActorRef<ToUser> inbox,
      @JsonProperty("announceTo") ActorRef<FileAnnounced> announceTo,
      @JsonProperty("to") String to,
      @JsonProperty("fileId") String fileId,
      @JsonProperty("fileName") String fileName,
      @JsonProperty("size") long size)
      implements Command {
    @JsonCreator
    public SendFile {}
  }

  /** {@code /away}: {@code message} empty means back. */
  public record SetAway(@JsonProperty("inbox") ActorRef<ToUser> inbox, @JsonProperty("message") String message) implements Command {
    @JsonCreator
    public SetAway {}
  }

  /**
   * The user behind {@code inbox} logged in to the account of {@code nick} (or registered it). If
   * it goes by another nick, it takes {@code nick}: whoever holds it without being logged in to it
   * is renamed to a guest nick first (told with a Refused, then its NickGranted). One logged in to
   * it keeps it, and this user is told with a NickRefused.
   */
  public record LoggedIn(
      @JsonProperty("inbox") ActorRef<ToUser> inbox, @JsonProperty("nick") String nick, @JsonProperty("guestPrefix") String guestPrefix)
      implements Command {
    @JsonCreator
    public LoggedIn {}
  }

  /**
   * The user behind {@code inbox} did not log in to its registered nick in time: if it still goes
   * by {@code nick}, it is renamed to a free nick made of {@code prefix} and digits (NickGranted).
   */
  public record RenameToGuest(
      @JsonProperty("inbox") ActorRef<ToUser> inbox, @JsonProperty("nick") String nick, @JsonProperty("prefix") String prefix)
      implements Command {
    @JsonCreator
    public RenameToGuest {}
  }

  /**
   * The connection behind {@code inbox} can be resumed with the token whose SHA-256 is {@code
   * tokenDigest} (a new token replaces the one before).
   */
  public record Resumable(@JsonProperty("inbox") ActorRef<ToUser> inbox, @JsonProperty("tokenDigest") String tokenDigest)
      implements Command {
    @JsonCreator
    public Resumable {}
  }

  /**
   * A new connection, {@code inbox}, resumes the one whose token has the SHA-256 {@code
   * tokenDigest}; its client received that one's first {@code received} private events. The old
   * session is told ({@link ToUser.Superseded}), hands over and leaves its rooms ({@link
   * HandedOver}), or stops; then the new one gets its nick (NickGranted). A token is good once
   * (and for the connection that used it, until that one has its own): an unknown one is
   * answered with NickRefused.
   */
  public record Resume(
      @JsonProperty("tokenDigest") String tokenDigest, @JsonProperty("received") long received, @JsonProperty("inbox") ActorRef<ToUser> inbox)
      implements Command {
    @JsonCreator
    public Resume {}
  }

  /**
   * The session behind {@code inbox}, being resumed, has handed over and left its rooms: its nick
   * is its successor's now (it lingers only to forward what is still on its way to it).
   */
  public record HandedOver(@JsonProperty("inbox") ActorRef<ToUser> inbox) implements Command {
    @JsonCreator
    public HandedOver {}
  }

  /**
   * The user behind {@code inbox} changed the password of the account {@code key}: every other
   * connection logged in to it is logged out (told with ToUser.LoggedOut), as a password change
   * should end the sessions of whoever knew the old one.
   */
  public record PasswordChanged(
      @JsonProperty("inbox") ActorRef<ToUser> inbox, @JsonProperty("key") String key, @JsonProperty("nick") String nick)
      implements Command {
    @JsonCreator
    public PasswordChanged {}
  }

  private record Gone(ActorRef<ToUser> inbox) implements Command {}

  /** A resume under way: the new connection, and the digest of the token it used. */
  private record Successor(ActorRef<ToUser> inbox, String tokenDigest) {}

  private static final class User {
    String nick;
    String away = "";
    /** The key of the account it is logged in to; null: none. */
    String account;
    /** The SHA-256 of its resume token; null: none. */
    String tokenDigest;
    final ActorRef<ToUser> inbox;

    User(String nick, ActorRef<ToUser> inbox) {
      this.nick = nick;
      this.inbox = inbox;
    }
  }

  /** What a {@code /resume} with a token no connection has is told. */
  public static final String UNKNOWN_TOKEN =
      "Unknown or expired resume token (the connection it resumes is gone): JOIN with your name instead.";

  /** The original server's words for a taken name. */
  public static final String TAKEN = "Username already taken.";

  /** A registry whose private messages are stored nowhere (history off): the original server's behaviour. */
  public static Behavior<Command> create() {
    return create(null);
  }

  /**
   * A registry that hands every private message to {@code privates}, to be stored before it is
   * delivered, and kept for a registered nick that is offline; null: none is stored.
   */
  public static Behavior<Command> create(ActorRef<PrivateMessages.Command> privates) {
    return Behaviors.setup(context -> new Users(context, privates));
  }

  /** What a sender is told for a nick no one has online (and no account keeps messages for). */
  static String noSuchUser(String typed) {
    return "No such user online: " + typed + ".";
  }

  private final Map<String, User> byKey = new HashMap<>();
  private final Map<ActorRef<ToUser>, User> byInbox = new HashMap<>();
  private final Map<String, User> byToken = new HashMap<>();
  /** Resumes under way, by the old connection's inbox, until it has handed over (or stopped). */
  private final Map<ActorRef<ToUser>, Successor> resuming = new HashMap<>();
  private long changeCounter;

  /** Where private messages are stored; null: nowhere. */
  private final ActorRef<PrivateMessages.Command> privates;

  private Users(ActorContext<Command> context, ActorRef<PrivateMessages.Command> privates) {
    super(context);
    this.privates = privates;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(SendPrivate.class, this::onSendPrivate)
        .onMessage(Claim.class, this::onClaim)
        .onMessage(Rename.class, this::onRename)
        .onMessage(SendFile.class, this::onSendFile)
        .onMessage(SetAway.class, this::onSetAway)
        .onMessage(LoggedIn.class, this::onLoggedIn)
        .onMessage(RenameToGuest.class, this::onRenameToGuest)
        .onMessage(Resumable.class, this::onResumable)
        .onMessage(Resume.class, this::onResume)
        .onMessage(HandedOver.class, handedOver -> {
          succeed(handedOver.inbox());
          return this;
        })
        .onMessage(PasswordChanged.class, this::onPasswordChanged)
        .onMessage(Gone.class, this::onGone)
        .build();
  }

  private Behavior<Command> onClaim(Claim claim) {
    String key = Nicks.key(claim.nick());
    if (byInbox.containsKey(claim.inbox())) {
      claim.inbox().tell(new ToUser.NickRefused(claim.nick(), "You already have a name."));
    } else if (byKey.containsKey(key)) {
      claim.inbox().tell(new ToUser.NickRefused(claim.nick(), TAKEN));
    } else {
      User user = new User(claim.nick(), claim.inbox());
      byKey.put(key, user);
      byInbox.put(claim.inbox(), user);
      getContext().watchWith(claim.inbox(), new Gone(claim.inbox()));
      claim.inbox().tell(new ToUser.NickGranted(claim.nick(), 0));
    }
    return this;
  }

  private Behavior<Command> onRename(Rename rename) {
    User user = byInbox.get(rename.inbox());
    if (user == null) {
      return this;
    }
    String oldKey = Nicks.key(user.nick);
    String newKey = Nicks.key(rename.newNick());
    User holder = byKey.get(newKey);
    if (holder != null && holder != user) {
      rename.inbox().tell(new ToUser.NickRefused(rename.newNick(), "The name " + rename.newNick() + " is taken."));
      return this;
    }
    byKey.remove(oldKey);
    user.nick = rename.newNick();
    byKey.put(newKey, user);
    rename.inbox().tell(new ToUser.NickGranted(user.nick, ++changeCounter));
    return this;
  }

  private Behavior<Command> onLoggedIn(LoggedIn loggedIn) {
    User user = byInbox.get(loggedIn.inbox());
    if (user == null) {
      return this;
    }
    String key = Nicks.key(loggedIn.nick());
    user.account = key;
    if (privates != null) {
      privates.tell(new PrivateMessages.LoggedIn(key, user.inbox)); // what was kept for it while offline
    }
    User holder = byKey.get(key);
    if (holder == user) {
      return this;
    }
    if (holder != null) {
      if (key.equals(holder.account)) {
        user.inbox.tell(new ToUser.NickRefused(loggedIn.nick(),
            "You are logged in, but " + holder.nick + " is in use by another connection logged in to it; you keep your nick."));
        return this;
      }
      String was = holder.nick;
      renameTo(holder, guestNick(loggedIn.guestPrefix()));
      holder.inbox.tell(new ToUser.Refused("You were renamed: " + was + " logged in from another connection."));
      holder.inbox.tell(new ToUser.NickGranted(holder.nick, ++changeCounter));
    }
    renameTo(user, loggedIn.nick());
    user.inbox.tell(new ToUser.NickGranted(user.nick, ++changeCounter));
    return this;
  }

  private Behavior<Command> onRenameToGuest(RenameToGuest rename) {
    User user = byInbox.get(rename.inbox());
    if (user != null && user.nick.equals(rename.nick()) && !Nicks.key(user.nick).equals(user.account)) {
      renameTo(user, guestNick(rename.prefix()));
      user.inbox.tell(new ToUser.NickGranted(user.nick, ++changeCounter));
    }
    return this;
  }

  private void renameTo(User user, String newNick) {
    byKey.remove(Nicks.key(user.nick));
    user.nick = newNick;
    byKey.put(Nicks.key(newNick), user);
  }

  /** A nick no one online has: {@code prefix} and four random digits (more when those are crowded). */
  private String guestNick(String prefix) {
    java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
    for (int digits = 4; ; digits++) {
      int bound = (int) Math.pow(10, Math.min(digits, 9));
      for (int attempt = 0; attempt < 20; attempt++) {
        String candidate = prefix + String.format(java.util.Locale.ROOT, "%0" + Math.min(digits, 9) + "d", random.nextInt(bound));
        if (!byKey.containsKey(Nicks.key(candidate))) {
          return candidate;
        }
      }
    }
  }

  private Behavior<Command> onSendPrivate(SendPrivate send) {
    User from = byInbox.get(send.inbox());
    if (from == null) {
      return this;
    }
    User to = byKey.get(Nicks.key(Nicks.normalize(send.to())));
    if (privates != null) {
      long now = System.currentTimeMillis();
      if (to == null) {
        PrivateLine line = new PrivateLine(0, now, from.nick, Nicks.normalize(send.to()), send.text(), send.action());
        privates.tell(new PrivateMessages.SendOffline(line, send.to(), send.inbox()));
      } else {
        PrivateLine line = new PrivateLine(0, now, from.nick, to.nick, send.text(), send.action());
        privates.tell(new PrivateMessages.Send(line, to.inbox, send.inbox(), to.away));
      }
      return this;
    }
    if (to == null) {
      send.inbox().tell(new ToUser.Refused(noSuchUser(send.to())));
      return this;
    }
    var message = new ToUser.PrivateMessage(from.nick, to.nick, send.text(), send.action(), System.currentTimeMillis());
    to.inbox.tell(message);
    send.inbox().tell(new ToUser.PrivateSent(message));
    if (!to.away.isEmpty()) {
      send.inbox().tell(new ToUser.IsAway(to.nick, to.away));
    }
    return this;
  }

  private Behavior<Command> onSendFile(SendFile send) {
    User from = byInbox.get(send.inbox());
    if (from == null) {
      return this;
    }
    User to = byKey.get(Nicks.key(Nicks.normalize(send.to())));
    if (to == null) {
      send.inbox().tell(new ToUser.Failed("No such user online: " + send.to() + ". The file was not sent."));
    } else if (to == from) {
      send.inbox().tell(new ToUser.Failed("You cannot send a file to yourself."));
    } else {
      to.inbox.tell(new ToUser.PrivateFile(from.nick, send.fileId(), send.fileName(), send.size()));
      send.announceTo().tell(new FileAnnounced(send.fileId(), 1));
      return this;
    }
    send.announceTo().tell(new FileAnnounced(send.fileId(), 0));
    return this;
  }

  private Behavior<Command> onSetAway(SetAway away) {
    User user = byInbox.get(away.inbox());
    if (user != null) {
      user.away = away.message();
    }
    return this;
  }

  private Behavior<Command> onResumable(Resumable resumable) {
    User user = byInbox.get(resumable.inbox());
    if (user != null) {
      if (user.tokenDigest != null) {
        byToken.remove(user.tokenDigest);
      }
      user.tokenDigest = resumable.tokenDigest();
      byToken.put(user.tokenDigest, user);
    }
    return this;
  }

  private Behavior<Command> onResume(Resume resume) {
    User old = byToken.remove(resume.tokenDigest());
    if (byInbox.containsKey(resume.inbox())) {
      if (old != null) {
        byToken.put(old.tokenDigest, old); // not spent on a connection that cannot use it
      }
      resume.inbox().tell(new ToUser.NickRefused("", "You already have a name."));
      return this;
    }
    if (old == null) {
      resume.inbox().tell(new ToUser.NickRefused("", UNKNOWN_TOKEN));
      return this;
    }
    old.tokenDigest = null;
    // The nick stays the old session's until it has handed over and left its rooms (or stopped),
    // so no one else can take it in between; then it is the new one's (succeed).
    resuming.put(old.inbox, new Successor(resume.inbox(), resume.tokenDigest()));
    getContext().watchWith(resume.inbox(), new Gone(resume.inbox()));
    old.inbox.tell(new ToUser.Superseded(resume.inbox(), resume.received()));
    return this;
  }

  /**
   * The session behind {@code inbox} is out of the way (handed over, or stopped): if it was being
   * resumed, its nick goes to its successor, and so does the token used, until the successor has a
   * token of its own: a client whose new connection dies before it heard that token can resume
   * the new connection with the old one.
   */
  private void succeed(ActorRef<ToUser> inbox) {
    Successor successor = resuming.remove(inbox);
    User user = byInbox.remove(inbox);
    if (user == null) {
      return;
    }
    byKey.remove(Nicks.key(user.nick));
    if (user.tokenDigest != null) {
      byToken.remove(user.tokenDigest);
    }
    if (successor == null) {
      return;
    }
    User resumed = new User(user.nick, successor.inbox());
    resumed.tokenDigest = successor.tokenDigest();
    byKey.put(Nicks.key(resumed.nick), resumed);
    byInbox.put(successor.inbox(), resumed);
    byToken.put(resumed.tokenDigest, resumed);
    successor.inbox().tell(new ToUser.NickGranted(resumed.nick, 0));
  }

  private Behavior<Command> onPasswordChanged(PasswordChanged changed) {
    for (User user : byInbox.values()) {
      if (user.inbox.equals(changed.inbox()) || !changed.key().equals(user.account)) {
        continue;
      }
      user.account = null;
      if (privates != null) {
        privates.tell(new PrivateMessages.LoggedOut(changed.key(), user.inbox));
      }
      user.inbox.tell(new ToUser.LoggedOut(changed.key(),
          "The password of " + changed.nick() + " was changed from another connection: you are logged out of it."));
    }
    return this;
  }

  private Behavior<Command> onGone(Gone gone) {
    succeed(gone.inbox());
    // A resuming connection that ended before the one it resumed: nothing to hand it.
    resuming.values().removeIf(s -> s.inbox().equals(gone.inbox()));
    return this;
  }
}
