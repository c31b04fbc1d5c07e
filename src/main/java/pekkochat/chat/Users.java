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

  private record Gone(ActorRef<ToUser> inbox) implements Command {}

  private static final class User {
    String nick;
    String away = "";
    final ActorRef<ToUser> inbox;

    User(String nick, ActorRef<ToUser> inbox) {
      this.nick = nick;
      this.inbox = inbox;
    }
  }

  /** The original server's words for a taken name. */
  public static final String TAKEN = "Username already taken.";

  public static Behavior<Command> create() {
    return Behaviors.setup(Users::new);
  }

  private final Map<String, User> byKey = new HashMap<>();
  private final Map<ActorRef<ToUser>, User> byInbox = new HashMap<>();
  private long changeCounter;

  private Users(ActorContext<Command> context) {
    super(context);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(SendPrivate.class, this::onSendPrivate)
        .onMessage(Claim.class, this::onClaim)
        .onMessage(Rename.class, this::onRename)
        .onMessage(SendFile.class, this::onSendFile)
        .onMessage(SetAway.class, this::onSetAway)
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

  private Behavior<Command> onSendPrivate(SendPrivate send) {
    User from = byInbox.get(send.inbox());
    if (from == null) {
      return this;
    }
    User to = byKey.get(Nicks.key(Nicks.normalize(send.to())));
    if (to == null) {
      send.inbox().tell(new ToUser.Refused("No such user online: " + send.to() + "."));
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

  private Behavior<Command> onGone(Gone gone) {
    User user = byInbox.remove(gone.inbox());
    if (user != null) {
      byKey.remove(Nicks.key(user.nick));
    }
    return this;
  }
}
