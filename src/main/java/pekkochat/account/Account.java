package pekkochat.account;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandlerBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import pekkochat.chat.CborSerializable;
import pekkochat.chat.Nicks;

/**
 * One registered nick, or one that could be: an event-sourced entity per nick key (persistence id
 * {@code account|<key>}, the key of {@link Nicks#key}, so {@code Alice} and {@code аlice} with a
 * Cyrillic а are one account). Its whole state is the password's Argon2id hash; its events are
 * {@link Registered} and {@link PasswordChanged}. Shaped for Cluster Sharding: it needs nothing but
 * its key, and {@link Accounts} only routes to it and passivates it.
 *
 * <p>Hashing and verifying run on the hashing dispatcher ({@link AccountSettings#HASHING_DISPATCHER})
 * and come back as messages; while one runs, further requests wait (stashed), so the per-account
 * throttle sees every failure before the next attempt is checked, however many connections try at
 * once. Passwords are in memory only for that while; the records that carry them never print them.
 */
public final class Account extends EventSourcedBehavior<Account.Command, Account.Event, Account.State> {

  /** What an account handles. */
  public sealed interface Command extends CborSerializable {}

  /** Is this nick registered? Answered with {@link Accounts.Status}. */
  public record Lookup(@JsonProperty("nick") String nick, @JsonProperty("replyTo") ActorRef<Accounts.Reply> replyTo)
      implements Command {
    @JsonCreator
    public Lookup {}
  }

  /** Register {@code nick} with {@code password}; answered with Registered or Refused. */
  public record Register(
      @JsonProperty("nick") String nick,
      @JsonProperty("password") String password,
      @JsonProperty("replyTo") ActorRef<Accounts.Reply> replyTo)
      implements Command {
    @JsonCreator
    public Register {}

    @Override
    public String toString() {
      return "Register[nick=" + nick + ", password=***]";
    }
  }

  /** Check {@code password}, from {@code address}; answered with LoggedIn or Refused, and the registry told the outcome. */
  public record Login(
      @JsonProperty("nick") String nick,
      @JsonProperty("password") String password,
      @JsonProperty("address") String address,
      @JsonProperty("replyTo") ActorRef<Accounts.Reply> replyTo,
      @JsonProperty("registry") ActorRef<Accounts.Command> registry)
      implements Command {
    @JsonCreator
    public Login {}

    @Override
    public String toString() {
      return "Login[nick=" + nick + ", password=***, address=" + address + "]";
    }
  }

  /**
   * Change the password from {@code oldPassword} (checked as a login's, and throttled with them) to
   * {@code newPassword}, for a connection at {@code address}; answered with PasswordChanged or
   * Refused, and the registry told the outcome as of a login.
   */
  public record ChangePassword(
      @JsonProperty("nick") String nick,
      @JsonProperty("oldPassword") String oldPassword,
      @JsonProperty("newPassword") String newPassword,
      @JsonProperty("address") String address,
      @JsonProperty("replyTo") ActorRef<Accounts.Reply> replyTo,
      @JsonProperty("registry") ActorRef<Accounts.Command> registry)
      implements Command {
    @JsonCreator
    public ChangePassword {}

    @Override
    public String toString() {
      return "ChangePassword[nick=" + nick + ", oldPassword=***, newPassword=***, address=" + address + "]";
    }
  }

  /** From the registry: stop now (it passivates this account and holds what comes meanwhile). */
  public enum Stop implements Command {
    INSTANCE
  }

  private record Hashed(String nick, String hash, Throwable failure, ActorRef<Accounts.Reply> replyTo) implements Command {
    @Override
    public String toString() {
      return "Hashed[nick=" + nick + "]";
    }
  }

  private record Verified(boolean match, Throwable failure, Login login) implements Command {}

  /** The old password checked and, if it matched, the new one hashed ({@code hash}; empty: it did not match). */
  private record Rehashed(String hash, Throwable failure, ChangePassword change) implements Command {
    @Override
    public String toString() {
      return "Rehashed[" + change + "]";
    }
  }

  private enum Idle implements Command {
    INSTANCE
  }

  /** What is stored. */
  public sealed interface Event extends CborSerializable {}

  /** The nick was registered; {@code hash} is the password's PHC string. */
  public record Registered(@JsonProperty("hash") String hash, @JsonProperty("time") long time) implements Event {
    @JsonCreator
    public Registered {}

    @Override
    public String toString() {
      return "Registered[time=" + time + "]";
    }
  }

  /** The password was changed; {@code hash} is the new one's PHC string. */
  public record PasswordChanged(@JsonProperty("hash") String hash, @JsonProperty("time") long time) implements Event {
    @JsonCreator
    public PasswordChanged {}

    @Override
    public String toString() {
      return "PasswordChanged[time=" + time + "]";
    }
  }

  /** The current hash; empty: not registered. */
  /**
   * @param hash the password's hash; empty: not registered
   * @param since when the nick was registered (ms since 1970; 0: not registered)
   */
  public record State(@JsonProperty("hash") String hash, @JsonProperty("since") long since) implements CborSerializable {
    @JsonCreator
    public State {
      hash = hash == null ? "" : hash;
    }

    boolean registered() {
      return !hash.isEmpty();
    }

    @Override
    public String toString() {
      return "State[registered=" + registered() + "]";
    }
  }

  /** What every account's persistence id starts with. */
  static final String PERSISTENCE_PREFIX = "account|";

  /** The persistence id of the account of {@code key} (a {@link Nicks#key}). */
  public static PersistenceId persistenceId(String key) {
    return PersistenceId.of("account", key, "|");
  }

  static Behavior<Command> create(String key, AccountSettings settings, ActorRef<Accounts.Command> registry) {
    return Behaviors.setup(
        context -> Behaviors.withTimers(timers -> new Account(context, timers, key, settings, registry)));
  }

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final String key;
  private final AccountSettings settings;
  private final ActorRef<Accounts.Command> registry;
  private final Executor hashing;
  private final LoginThrottle throttle;
  /** A hash or a verification is running: requests wait for it (stashed). */
  private boolean busy;

  private Account(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      String key,
      AccountSettings settings,
      ActorRef<Accounts.Command> registry) {
    super(persistenceId(key));
    this.context = context;
    this.timers = timers;
    this.key = key;
    this.settings = settings;
    this.registry = registry;
    this.hashing = context.getSystem().dispatchers().lookup(
        org.apache.pekko.actor.typed.DispatcherSelector.fromConfig(AccountSettings.HASHING_DISPATCHER));
    this.throttle = new LoginThrottle(settings.maxFailuresPerAccount(), settings.failureWindow(), settings.coolDown());
    idleFromNow();
  }

  @Override
  public State emptyState() {
    return new State("", 0);
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Lookup.class, this::onLookup)
        .onCommand(Register.class, this::onRegister)
        .onCommand(Login.class, this::onLogin)
        .onCommand(Hashed.class, this::onHashed)
        .onCommand(Verified.class, this::onVerified)
        .onCommand(ChangePassword.class, this::onChangePassword)
        .onCommand(Rehashed.class, this::onRehashed)
        .onCommand(Idle.class, (state, idle) -> {
          registry.tell(new Accounts.Passivate(key, context.getSelf()));
          return Effect().none();
        })
        .onCommand(Stop.class, (state, stop) -> Effect().stop())
        .build();
  }

  private void idleFromNow() {
    timers.startSingleTimer(Idle.INSTANCE, settings.passivateAfter());
  }

  private Effect<Event, State> onLookup(State state, Lookup lookup) {
    idleFromNow();
    lookup.replyTo().tell(new Accounts.Status(lookup.nick(), state.registered()));
    return Effect().none();
  }

  private Effect<Event, State> onRegister(State state, Register register) {
    idleFromNow();
    if (busy) {
      return Effect().stash();
    }
    if (state.registered()) {
      register.replyTo().tell(new Accounts.Refused(register.nick(), register.nick() + " is registered already."));
      return Effect().none();
    }
    busy = true;
    String password = register.password();
    PasswordHash hash = settings.hash();
    context.pipeToSelf(
        CompletableFuture.supplyAsync(() -> hash.hash(password), hashing),
        (phc, failure) -> new Hashed(register.nick(), phc, failure, register.replyTo()));
    return Effect().none();
  }

  private Effect<Event, State> onHashed(State state, Hashed hashed) {
    busy = false;
    if (hashed.failure() != null) {
      context.getLog().warn("Could not hash a password for {}: {}", hashed.nick(), hashed.failure().toString());
      hashed.replyTo().tell(new Accounts.Refused(hashed.nick(), "Could not register " + hashed.nick() + ": the server failed to hash the password."));
      return Effect().unstashAll();
    }
    return Effect()
        .persist(new Registered(hashed.hash(), System.currentTimeMillis()))
        .thenRun(after -> {
          context.getLog().info("{} registered", hashed.nick());
          registry.tell(new Accounts.KeyRegistered(key));
          hashed.replyTo().tell(new Accounts.Registered(hashed.nick(), after.since()));
        })
        .thenUnstashAll();
  }

  private Effect<Event, State> onLogin(State state, Login login) {
    idleFromNow();
    if (busy) {
      return Effect().stash();
    }
    if (!state.registered()) {
      login.registry().tell(new Accounts.LoginEnded(login.address(), false));
      login.replyTo().tell(new Accounts.Refused(login.nick(), login.nick() + " is not registered (/register <password> registers the nick you have)."));
      return Effect().none();
    }
    Duration wait = throttle.waitFor(key, System.nanoTime());
    if (!wait.isZero()) {
      login.registry().tell(new Accounts.LoginEnded(login.address(), false));
      login.replyTo().tell(new Accounts.Refused(login.nick(), tooMany("for " + login.nick(), wait)));
      return Effect().none();
    }
    busy = true;
    String password = login.password();
    String phc = state.hash();
    context.pipeToSelf(
        CompletableFuture.supplyAsync(() -> PasswordHash.verify(password, phc), hashing),
        (match, failure) -> new Verified(failure == null && match, failure, login));
    return Effect().none();
  }

  /**
   * The registry hears of the outcome before the user does: the user's next attempt can then not
   * reach the registry before this one is counted.
   */
  private Effect<Event, State> onVerified(State state, Verified verified) {
    busy = false;
    Login login = verified.login();
    if (verified.failure() != null) {
      context.getLog().warn("Could not check a password for {}: {}", login.nick(), verified.failure().toString());
      login.registry().tell(new Accounts.LoginEnded(login.address(), false));
      login.replyTo().tell(new Accounts.Refused(login.nick(), "Could not log in as " + login.nick() + ": the server failed to check the password."));
    } else if (verified.match()) {
      throttle.succeeded(key);
      context.getLog().info("{} logged in from {}", login.nick(), login.address());
      login.registry().tell(new Accounts.LoginEnded(login.address(), false));
      login.replyTo().tell(new Accounts.LoggedIn(login.nick(), state.since()));
    } else {
      Duration wait = throttle.failed(key, System.nanoTime());
      context.getLog().info("Failed login as {} from {}", login.nick(), login.address());
      login.registry().tell(new Accounts.LoginEnded(login.address(), true));
      login.replyTo().tell(new Accounts.Refused(login.nick(), "Wrong password for " + login.nick() + "."
          + (wait.isZero() ? "" : " " + tooMany("for " + login.nick(), wait))));
    }
    return Effect().unstashAll();
  }

  private Effect<Event, State> onChangePassword(State state, ChangePassword change) {
    idleFromNow();
    if (busy) {
      return Effect().stash();
    }
    String unchanged = " Your password was not changed.";
    if (!state.registered()) {
      change.registry().tell(new Accounts.LoginEnded(change.address(), false));
      change.replyTo().tell(new Accounts.Refused(change.nick(), change.nick() + " is not registered." + unchanged));
      return Effect().none();
    }
    Duration wait = throttle.waitFor(key, System.nanoTime());
    if (!wait.isZero()) {
      change.registry().tell(new Accounts.LoginEnded(change.address(), false));
      change.replyTo().tell(new Accounts.Refused(change.nick(), tooMany("for " + change.nick(), wait) + unchanged));
      return Effect().none();
    }
    busy = true;
    String oldPassword = change.oldPassword();
    String newPassword = change.newPassword();
    String phc = state.hash();
    PasswordHash hash = settings.hash();
    // One task on the hashing dispatcher: the new password is hashed only if the old one matched.
    context.pipeToSelf(
        CompletableFuture.supplyAsync(() -> PasswordHash.verify(oldPassword, phc) ? hash.hash(newPassword) : "", hashing),
        (newHash, failure) -> new Rehashed(newHash, failure, change));
    return Effect().none();
  }

  /** As {@link #onVerified}: the registry hears of the outcome before the user does. */
  private Effect<Event, State> onRehashed(State state, Rehashed rehashed) {
    busy = false;
    ChangePassword change = rehashed.change();
    String unchanged = " Your password was not changed.";
    if (rehashed.failure() != null) {
      context.getLog().warn("Could not change the password of {}: {}", change.nick(), rehashed.failure().toString());
      change.registry().tell(new Accounts.LoginEnded(change.address(), false));
      change.replyTo().tell(new Accounts.Refused(change.nick(), "The server failed to check or hash the password." + unchanged));
      return Effect().unstashAll();
    }
    if (rehashed.hash().isEmpty()) {
      Duration wait = throttle.failed(key, System.nanoTime());
      context.getLog().info("Failed password change for {} from {}", change.nick(), change.address());
      change.registry().tell(new Accounts.LoginEnded(change.address(), true));
      change.replyTo().tell(new Accounts.Refused(change.nick(), "Wrong password for " + change.nick() + "." + unchanged
          + (wait.isZero() ? "" : " " + tooMany("for " + change.nick(), wait))));
      return Effect().unstashAll();
    }
    throttle.succeeded(key);
    change.registry().tell(new Accounts.LoginEnded(change.address(), false));
    return Effect()
        .persist(new PasswordChanged(rehashed.hash(), System.currentTimeMillis()))
        .thenRun(after -> {
          context.getLog().info("{} changed its password from {}", change.nick(), change.address());
          change.replyTo().tell(new Accounts.PasswordChanged(change.nick()));
        })
        .thenUnstashAll();
  }

  /** {@code Too many login attempts for alice; try again in 42 s.} */
  static String tooMany(String what, Duration wait) {
    return "Too many login attempts " + what + "; try again in " + LoginThrottle.seconds(wait) + " s.";
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    EventHandlerBuilder<State, Event> builder = newEventHandlerBuilder();
    return builder
        .forAnyState()
        .onEvent(Registered.class, (state, e) -> new State(e.hash(), e.time()))
        .onEvent(PasswordChanged.class, (state, e) -> new State(e.hash(), state.since()))
        .build();
  }
}
