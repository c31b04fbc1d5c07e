package pekkochat.chat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.persistence.typed.PersistenceId;
import pekkochat.account.Accounts;
import pekkochat.history.StoreUsage;

/**
 * Stored private messages: routes to the {@link PrivateLog} of each conversation and the {@link
 * Mailbox} of each registered nick, spawning them on demand and passivating them when idle (as
 * Cluster Sharding would: entities addressed by persistence id; a passivating one is sent Stop,
 * and what arrives for it meanwhile waits here until it has stopped, so two incarnations of one
 * persistence id never run at once). The nick registry ({@link Users}) sends it every private
 * message while the history store is on; none is delivered before it is stored.
 */
public final class PrivateMessages extends AbstractBehavior<PrivateMessages.Command> {

  /** What the registry handles. */
  public sealed interface Command {}

  /**
   * A private message to a user online: stored in its conversation, then given to {@code recipient}
   * and confirmed to {@code sender} (told {@code away} too, when the recipient is away).
   */
  public record Send(PrivateLine line, ActorRef<ToUser> recipient, ActorRef<ToUser> sender, String away) implements Command {}

  /**
   * A private message to {@code line.to()}, who is not online: kept for it if it is a registered
   * nick, else refused as an unknown user ({@code typed}: the nick as the sender typed it).
   */
  public record SendOffline(PrivateLine line, String typed, ActorRef<ToUser> sender) implements Command {}

  /** {@code nick} (of key {@code key}) logged in on the session behind {@code inbox}: it gets what was kept for it. */
  public record LoggedIn(String key, ActorRef<ToUser> inbox) implements Command {}

  /** The session behind {@code inbox} is logged out of the account {@code key}: its mailbox forgets it. */
  public record LoggedOut(String key, ActorRef<ToUser> inbox) implements Command {}

  /**
   * {@code /history @peer}: lines of the conversation between {@code asker} and {@code peer} (nicks,
   * normalized), the last {@code limit} below {@code beforeSeq} and none older than {@code
   * notBefore} (ms since 1970: when the asker's nick was registered); answered with {@link
   * ToUser.PrivateHistory}.
   */
  public record Read(String asker, String peer, long beforeSeq, int limit, long notBefore, ActorRef<ToUser> replyTo) implements Command {}

  /** From a mailbox: store {@code line} in its conversation; answered with {@link PrivateLog.Stored}. */
  record Append(PrivateLine line, ActorRef<PrivateLog.Stored> replyTo) implements Command {}

  /** From an idle entity: it may be stopped. */
  record Passivate(String id) implements Command {}

  private record Stopped(String id, ActorRef<?> entity) implements Command {}

  private record Sent(Send send, PrivateLog.Stored stored, Throwable failure) implements Command {}

  private record LookedUp(SendOffline send, boolean registered, Throwable failure) implements Command {}

  /** {@code usage}: the store's size, checked against its quota before each message is stored. */
  public static Behavior<Command> create(PrivateSettings settings, ActorRef<Accounts.Command> accounts, StoreUsage usage) {
    return Behaviors.setup(context -> new PrivateMessages(context, settings, accounts, usage));
  }

  /** What a sender is told when the store did not take its message. */
  static String notStored(Throwable failure) {
    return "Your private message was not sent: the history store did not store it"
        + (failure instanceof java.util.concurrent.TimeoutException ? " in time" : "") + ".";
  }

  private final PrivateSettings settings;
  private final ActorRef<Accounts.Command> accounts;
  private final Shelf<PrivateLog.Command> logs;
  private final Shelf<Mailbox.Command> mailboxes;
  private final StoreUsage usage;

  private PrivateMessages(ActorContext<Command> context, PrivateSettings settings, ActorRef<Accounts.Command> accounts, StoreUsage usage) {
    super(context);
    this.settings = settings;
    this.accounts = accounts;
    this.usage = usage;
    this.logs = new Shelf<>("pm-", id -> PrivateLog.create(PersistenceId.ofUniqueId(id), settings, context.getSelf()), PrivateLog.Stop.INSTANCE);
    this.mailboxes = new Shelf<>("mailbox-",
        id -> Mailbox.create(id.substring("mailbox|".length()), settings, context.getSelf()), Mailbox.Stop.INSTANCE);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Send.class, this::onSend)
        .onMessage(Sent.class, this::onSent)
        .onMessage(SendOffline.class, this::onSendOffline)
        .onMessage(LookedUp.class, this::onLookedUp)
        .onMessage(LoggedIn.class, in -> {
          mailboxes.route(Mailbox.persistenceId(in.key()).id(), new Mailbox.Deliver(in.inbox()));
          return this;
        })
        .onMessage(LoggedOut.class, out -> {
          mailboxes.route(Mailbox.persistenceId(out.key()).id(), new Mailbox.LoggedOut(out.inbox()));
          return this;
        })
        .onMessage(Read.class, this::onRead)
        .onMessage(Append.class, append -> {
          logs.route(conversation(append.line().from(), append.line().to()), new PrivateLog.Append(append.line(), append.replyTo()));
          return this;
        })
        .onMessage(Passivate.class, p -> {
          (p.id().startsWith("mailbox|") ? mailboxes : logs).passivate(p.id());
          return this;
        })
        .onMessage(Stopped.class, s -> {
          (s.id().startsWith("mailbox|") ? mailboxes : logs).stopped(s.id(), s.entity());
          return this;
        })
        .build();
  }

  private static String conversation(String a, String b) {
    return PrivateLog.persistenceId(Nicks.key(a), Nicks.key(b)).id();
  }

  /** Over the store's quota nothing more is stored, so nothing is sent (as a room refuses lines). */
  private boolean refusedFull(ActorRef<ToUser> sender) {
    if (usage.full()) {
      sender.tell(new ToUser.Refused("Your private message was not sent: the history store is full (" + usage.describe() + ")."));
      return true;
    }
    return false;
  }

  private Behavior<Command> onSend(Send send) {
    if (refusedFull(send.sender())) {
      return this;
    }
    getContext().ask(PrivateLog.Stored.class, getContext().getSelf(), settings.writeTimeout(),
        ref -> new Append(send.line(), ref),
        (stored, failure) -> new Sent(send, stored, failure));
    return this;
  }

  private Behavior<Command> onSent(Sent sent) {
    Send send = sent.send();
    if (sent.failure() != null) {
      getContext().getLog().warn("A private message could not be stored: {}", sent.failure().toString());
      send.sender().tell(new ToUser.Refused(notStored(sent.failure())));
      return this;
    }
    ToUser.PrivateMessage message = sent.stored().line().message();
    send.recipient().tell(message);
    send.sender().tell(new ToUser.PrivateSent(message));
    if (!send.away().isEmpty()) {
      send.sender().tell(new ToUser.IsAway(message.to(), send.away()));
    }
    return this;
  }

  private Behavior<Command> onSendOffline(SendOffline send) {
    if (refusedFull(send.sender())) {
      return this;
    }
    getContext().ask(Accounts.Reply.class, accounts, settings.writeTimeout(),
        ref -> new Accounts.Lookup(send.line().to(), ref),
        (reply, failure) -> new LookedUp(send, reply instanceof Accounts.Status s && s.registered(), failure));
    return this;
  }

  private Behavior<Command> onLookedUp(LookedUp looked) {
    SendOffline send = looked.send();
    if (looked.registered()) {
      mailboxes.route(Mailbox.persistenceId(Nicks.key(send.line().to())).id(), new Mailbox.Keep(send.line(), send.sender()));
    } else {
      // Not registered (or the accounts did not answer): the answer of a server that keeps nothing.
      send.sender().tell(new ToUser.Refused(Users.noSuchUser(send.typed())));
    }
    return this;
  }

  private Behavior<Command> onRead(Read read) {
    logs.route(conversation(read.asker(), read.peer()), new PrivateLog.Read(read.peer(), read.beforeSeq(), read.limit(), read.notBefore(), read.replyTo()));
    return this;
  }

  /** The running entities of one kind, by persistence id, and those stopping with what waits for them. */
  private final class Shelf<C> {
    private final String namePrefix;
    private final Function<String, Behavior<C>> factory;
    private final C stop;
    private final Map<String, ActorRef<C>> running = new HashMap<>();
    private final Map<String, List<C>> stopping = new HashMap<>();
    private long spawned;

    Shelf(String namePrefix, Function<String, Behavior<C>> factory, C stop) {
      this.namePrefix = namePrefix;
      this.factory = factory;
      this.stop = stop;
    }

    void route(String id, C command) {
      List<C> waiting = stopping.get(id);
      if (waiting != null) {
        waiting.add(command);
      } else {
        running.computeIfAbsent(id, this::spawn).tell(command);
      }
    }

    private ActorRef<C> spawn(String id) {
      ActorRef<C> ref = getContext().spawn(factory.apply(id), namePrefix + (++spawned));
      getContext().watchWith(ref, new Stopped(id, ref));
      return ref;
    }

    void passivate(String id) {
      ActorRef<C> ref = running.remove(id);
      if (ref != null) {
        stopping.put(id, new ArrayList<>());
        ref.tell(stop);
      }
    }

    void stopped(String id, ActorRef<?> entity) {
      if (entity.equals(running.get(id))) {
        running.remove(id); // it failed (the store): the next request starts it again
        getContext().getLog().warn("The actor of {} stopped unexpectedly", id);
      }
      List<C> waiting = stopping.remove(id);
      if (waiting != null && !waiting.isEmpty()) {
        ActorRef<C> fresh = running.computeIfAbsent(id, this::spawn);
        waiting.forEach(fresh::tell);
      }
    }
  }
}
