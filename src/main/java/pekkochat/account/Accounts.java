package pekkochat.account;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import pekkochat.chat.CborSerializable;
import pekkochat.chat.Nicks;

/**
 * The accounts registry: routes each request to the {@link Account} entity of its nick's key,
 * spawning it on demand and passivating it when idle (as Cluster Sharding would: a passivating
 * entity is sent {@link Account.Stop}, and what arrives for it meanwhile waits here until it has
 * stopped, so two incarnations of one persistence id never run at once). It also throttles failed
 * logins per remote address, and checks what {@code /register} is given before anything is hashed.
 *
 * <p>With the history store off there is nothing to keep accounts in: nothing is registered, and
 * {@code /register} and {@code /login} are refused with {@link #NO_STORE}.
 */
public final class Accounts extends AbstractBehavior<Accounts.Command> {

  /** What the registry handles. */
  public sealed interface Command extends CborSerializable {}

  /** Is {@code nick} (normalized) registered? Answered with {@link Status}. */
  public record Lookup(@JsonProperty("nick") String nick, @JsonProperty("replyTo") ActorRef<Reply> replyTo) implements Command {
    @JsonCreator
    public Lookup {}
  }

  /** {@code /register}: register {@code nick} (the sender's) with {@code password}. */
  public record Register(
      @JsonProperty("nick") String nick, @JsonProperty("password") String password, @JsonProperty("replyTo") ActorRef<Reply> replyTo)
      implements Command {
    @JsonCreator
    public Register {}

    @Override
    public String toString() {
      return "Register[nick=" + nick + ", password=***]";
    }
  }

  /** {@code /login}: from a connection at {@code address} (its IP address, no port). */
  public record Login(
      @JsonProperty("nick") String nick,
      @JsonProperty("password") String password,
      @JsonProperty("address") String address,
      @JsonProperty("replyTo") ActorRef<Reply> replyTo)
      implements Command {
    @JsonCreator
    public Login {}

    @Override
    public String toString() {
      return "Login[nick=" + nick + ", password=***, address=" + address + "]";
    }
  }

  /**
   * {@code /password}: from a connection at {@code address} logged in to {@code nick}, change its
   * password from {@code oldPassword} (checked, and throttled, as a login) to {@code newPassword}
   * (held to /register's rules).
   */
  public record ChangePassword(
      @JsonProperty("nick") String nick,
      @JsonProperty("oldPassword") String oldPassword,
      @JsonProperty("newPassword") String newPassword,
      @JsonProperty("address") String address,
      @JsonProperty("replyTo") ActorRef<Reply> replyTo)
      implements Command {
    @JsonCreator
    public ChangePassword {}

    @Override
    public String toString() {
      return "ChangePassword[nick=" + nick + ", oldPassword=***, newPassword=***, address=" + address + "]";
    }
  }

  /** From an idle account: it may be stopped. */
  public record Passivate(@JsonProperty("key") String key, @JsonProperty("account") ActorRef<Account.Command> account)
      implements Command {
    @JsonCreator
    public Passivate {}
  }

  /** From an account: a login from {@code address} ended; {@code failed} if the password was checked and wrong. */
  public record LoginEnded(@JsonProperty("address") String address, @JsonProperty("failed") boolean failed) implements Command {
    @JsonCreator
    public LoginEnded {}
  }

  private record AccountStopped(String key, ActorRef<Account.Command> account) implements Command {}

  private enum Sweep implements Command {
    INSTANCE
  }

  /** The keys of every registered account, read from the store at start (null: it failed). */
  private record KeysLoaded(Set<String> keys, Throwable failure) implements Command {}

  /** From an account: {@code key} is registered now. */
  record KeyRegistered(String key) implements Command {}

  /** What a session is told. */
  public sealed interface Reply extends CborSerializable {
    String nick();
  }

  /** Whether {@code nick} is registered. */
  public record Status(@JsonProperty("nick") String nick, @JsonProperty("registered") boolean registered) implements Reply {
    @JsonCreator
    public Status {}
  }

  /** {@code nick} is registered now (at {@code since}, ms since 1970), with the password given. */
  public record Registered(@JsonProperty("nick") String nick, @JsonProperty("since") long since) implements Reply {
    @JsonCreator
    public Registered {}
  }

  /** The password for {@code nick}, registered at {@code since} (ms since 1970), was right. */
  public record LoggedIn(@JsonProperty("nick") String nick, @JsonProperty("since") long since) implements Reply {
    @JsonCreator
    public LoggedIn {}
  }

  /** The password of {@code nick} is the new one now. */
  public record PasswordChanged(@JsonProperty("nick") String nick) implements Reply {
    @JsonCreator
    public PasswordChanged {}
  }

  /** A {@code /register}, {@code /login} or {@code /password} for {@code nick} was refused: {@code reason} is for the user. */
  public record Refused(@JsonProperty("nick") String nick, @JsonProperty("reason") String reason) implements Reply {
    @JsonCreator
    public Refused {}
  }

  /** The answer to /register, /login and /password on a server with history off. */
  public static final String NO_STORE =
      "Accounts need the history store, which is off on this server (pekko-chat.history.enabled).";

  public static Behavior<Command> create(AccountSettings settings) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(Sweep.INSTANCE, settings.failureWindow());
      if (settings.enabled()) {
        context.pipeToSelf(registeredKeys(context), KeysLoaded::new);
      }
      return new Accounts(context, settings);
    }));
  }

  /**
   * Every registered account's key: the persistence ids of the journal that are accounts' (an
   * account exists in the journal only once registered). Read once at start, so that the lookup on
   * every JOIN is answered from memory, without starting an account or reading the store.
   */
  private static CompletionStage<Set<String>> registeredKeys(ActorContext<Command> context) {
    JdbcReadJournal journal =
        PersistenceQuery.get(context.getSystem()).getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
    return journal
        .currentPersistenceIds()
        .filter(id -> id.startsWith(Account.PERSISTENCE_PREFIX))
        .map(id -> id.substring(Account.PERSISTENCE_PREFIX.length()))
        .runWith(Sink.seq(), context.getSystem())
        .thenApply(keys -> (Set<String>) new HashSet<>(keys));
  }

  private final AccountSettings settings;
  private final Map<String, ActorRef<Account.Command>> accounts = new HashMap<>();
  /** Accounts stopping (passivated), with what arrived for them meanwhile. */
  private final Map<String, List<Account.Command>> stopping = new HashMap<>();
  private final LoginThrottle byAddress;
  /** Logins being checked, per address: they count as failures until they are known not to be. */
  private final Map<String, Integer> inFlight = new HashMap<>();
  private long spawned;
  /** Registered keys; null until read from the store (lookups wait in {@link #earlyLookups}) or if that failed. */
  private Set<String> registered;
  private boolean keysKnown;
  private final List<Lookup> earlyLookups = new ArrayList<>();

  private Accounts(ActorContext<Command> context, AccountSettings settings) {
    super(context);
    this.settings = settings;
    this.byAddress = new LoginThrottle(settings.maxFailuresPerAddress(), settings.failureWindow(), settings.coolDown());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Lookup.class, this::onLookup)
        .onMessage(Register.class, this::onRegister)
        .onMessage(Login.class, this::onLogin)
        .onMessage(ChangePassword.class, this::onChangePassword)
        .onMessage(LoginEnded.class, this::onLoginEnded)
        .onMessage(Passivate.class, this::onPassivate)
        .onMessage(AccountStopped.class, this::onAccountStopped)
        .onMessage(KeysLoaded.class, this::onKeysLoaded)
        .onMessage(KeyRegistered.class, k -> {
          if (registered != null) {
            registered.add(k.key());
          }
          return this;
        })
        .onMessageEquals(Sweep.INSTANCE, () -> {
          byAddress.sweep(System.nanoTime());
          return this;
        })
        .build();
  }

  private Behavior<Command> onLookup(Lookup lookup) {
    if (!settings.enabled()) {
      lookup.replyTo().tell(new Status(lookup.nick(), false));
    } else if (!keysKnown) {
      earlyLookups.add(lookup);
    } else if (registered != null) {
      lookup.replyTo().tell(new Status(lookup.nick(), registered.contains(Nicks.key(lookup.nick()))));
    } else {
      route(Nicks.key(lookup.nick()), new Account.Lookup(lookup.nick(), lookup.replyTo()));
    }
    return this;
  }

  private Behavior<Command> onKeysLoaded(KeysLoaded loaded) {
    keysKnown = true;
    if (loaded.failure() != null) {
      // Each lookup then asks its account, which reads the store.
      getContext().getLog().warn("Could not read the registered accounts: {}", loaded.failure().toString());
    } else {
      registered = loaded.keys();
      getContext().getLog().debug("{} registered account(s)", registered.size());
    }
    List<Lookup> waiting = new ArrayList<>(earlyLookups);
    earlyLookups.clear();
    waiting.forEach(this::onLookup);
    return this;
  }

  private Behavior<Command> onRegister(Register register) {
    int length = register.password().codePointCount(0, register.password().length());
    if (!settings.enabled()) {
      register.replyTo().tell(new Refused(register.nick(), NO_STORE));
    } else if (length < settings.minPasswordLength()) {
      register.replyTo().tell(new Refused(register.nick(),
          "Password too short: at least " + settings.minPasswordLength() + " characters. " + register.nick() + " was not registered."));
    } else if (length > settings.maxPasswordLength()) {
      register.replyTo().tell(new Refused(register.nick(),
          "Password too long: at most " + settings.maxPasswordLength() + " characters. " + register.nick() + " was not registered."));
    } else {
      route(Nicks.key(register.nick()), new Account.Register(register.nick(), register.password(), register.replyTo()));
    }
    return this;
  }

  private Behavior<Command> onLogin(Login login) {
    if (!settings.enabled()) {
      login.replyTo().tell(new Refused(login.nick(), NO_STORE));
      return this;
    }
    if (login.password().length() > 4 * settings.maxPasswordLength()) {
      // No such password was ever registered: not worth hashing.
      login.replyTo().tell(new Refused(login.nick(), "Wrong password for " + login.nick() + "."));
      return this;
    }
    Duration wait = addressWait(login.address());
    if (!wait.isZero()) {
      login.replyTo().tell(new Refused(login.nick(), Account.tooMany("from your address", wait)));
      return this;
    }
    inFlight.merge(login.address(), 1, Integer::sum);
    route(Nicks.key(login.nick()),
        new Account.Login(login.nick(), login.password(), login.address(), login.replyTo(), getContext().getSelf()));
    return this;
  }

  /** How long {@code address} must wait before a password of its is checked: zero when it may now. */
  private Duration addressWait(String address) {
    Duration wait = byAddress.waitFor(address, System.nanoTime());
    if (wait.isZero() && inFlight.getOrDefault(address, 0) >= settings.maxFailuresPerAddress()) {
      wait = Duration.ofSeconds(1); // as many being checked as may fail: the next waits for them
    }
    return wait;
  }

  /**
   * The new password is held to /register's rules before anything is hashed; the old one is
   * checked as a login's password is, counted by the same throttles (per account, per address),
   * since a wrong one is a guess as much as a wrong /login.
   */
  private Behavior<Command> onChangePassword(ChangePassword change) {
    String nick = change.nick();
    String unchanged = " Your password was not changed.";
    int length = change.newPassword().codePointCount(0, change.newPassword().length());
    if (!settings.enabled()) {
      change.replyTo().tell(new Refused(nick, NO_STORE));
      return this;
    }
    if (length < settings.minPasswordLength()) {
      change.replyTo().tell(new Refused(nick, "New password too short: at least " + settings.minPasswordLength() + " characters." + unchanged));
      return this;
    }
    if (length > settings.maxPasswordLength()) {
      change.replyTo().tell(new Refused(nick, "New password too long: at most " + settings.maxPasswordLength() + " characters." + unchanged));
      return this;
    }
    if (change.oldPassword().length() > 4 * settings.maxPasswordLength()) {
      change.replyTo().tell(new Refused(nick, "Wrong password for " + nick + "." + unchanged)); // never registered: not worth hashing
      return this;
    }
    if (change.newPassword().equals(change.oldPassword())) {
      change.replyTo().tell(new Refused(nick, "The new password is the old one." + unchanged));
      return this;
    }
    Duration wait = addressWait(change.address());
    if (!wait.isZero()) {
      change.replyTo().tell(new Refused(nick, Account.tooMany("from your address", wait) + unchanged));
      return this;
    }
    inFlight.merge(change.address(), 1, Integer::sum);
    route(Nicks.key(nick), new Account.ChangePassword(nick, change.oldPassword(), change.newPassword(), change.address(),
        change.replyTo(), getContext().getSelf()));
    return this;
  }

  private Behavior<Command> onLoginEnded(LoginEnded ended) {
    inFlight.computeIfPresent(ended.address(), (a, n) -> n <= 1 ? null : n - 1);
    // A success does not clear the address's failures: else logging in to an account of one's own
    // between guesses would lift the limit.
    if (ended.failed()) {
      byAddress.failed(ended.address(), System.nanoTime());
    }
    return this;
  }

  private void route(String key, Account.Command command) {
    List<Account.Command> waiting = stopping.get(key);
    if (waiting != null) {
      waiting.add(command);
      return;
    }
    accounts.computeIfAbsent(key, this::spawn).tell(command);
  }

  private ActorRef<Account.Command> spawn(String key) {
    ActorRef<Account.Command> ref = getContext().spawn(Account.create(key, settings, getContext().getSelf()), "account-" + (++spawned));
    getContext().watchWith(ref, new AccountStopped(key, ref));
    return ref;
  }

  private Behavior<Command> onPassivate(Passivate passivate) {
    if (passivate.account().equals(accounts.get(passivate.key()))) {
      accounts.remove(passivate.key());
      stopping.put(passivate.key(), new ArrayList<>());
      passivate.account().tell(Account.Stop.INSTANCE);
    }
    return this;
  }

  private Behavior<Command> onAccountStopped(AccountStopped stopped) {
    if (stopped.account().equals(accounts.get(stopped.key()))) {
      accounts.remove(stopped.key()); // it failed (the store): the next request starts it again
      getContext().getLog().warn("The account actor of key {} stopped unexpectedly", stopped.key());
    }
    List<Account.Command> waiting = stopping.remove(stopped.key());
    if (waiting != null && !waiting.isEmpty()) {
      ActorRef<Account.Command> fresh = accounts.computeIfAbsent(stopped.key(), this::spawn);
      waiting.forEach(fresh::tell);
    }
    return this;
  }
}
