package pekkochat.account;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Accounts' settings, read once from {@code pekko-chat.accounts} (reference.conf explains each).
 *
 * @param enabled whether accounts can be used: the history store is on (they live in it)
 * @param loginGrace how long a connection using a registered nick has to log in before it is renamed
 * @param guestPrefix what a renamed connection's nick starts with ({@code guest-4821})
 * @param minPasswordLength shortest password accepted by {@code /register}, in characters
 * @param maxPasswordLength longest password accepted, in characters
 * @param maxFailuresPerAccount failed logins to one account within {@code failureWindow} before it cools down
 * @param maxFailuresPerAddress failed logins from one address within {@code failureWindow} before it cools down
 * @param failureWindow the window failures are counted over
 * @param coolDown how long logins are refused once a limit is reached
 * @param passivateAfter an account's actor stops after this long unused
 * @param hash the Argon2id parameters of new hashes
 */
public record AccountSettings(
    boolean enabled,
    Duration loginGrace,
    String guestPrefix,
    int minPasswordLength,
    int maxPasswordLength,
    int maxFailuresPerAccount,
    int maxFailuresPerAddress,
    Duration failureWindow,
    Duration coolDown,
    Duration passivateAfter,
    PasswordHash hash) {

  /** The dispatcher passwords are hashed on (a small pool of its own, see reference.conf). */
  public static final String HASHING_DISPATCHER = "pekko-chat.accounts.hashing-dispatcher";

  public static AccountSettings fromConfig(Config config) {
    Config c = config.getConfig("pekko-chat.accounts");
    Config a = c.getConfig("argon2");
    return new AccountSettings(
        config.getBoolean("pekko-chat.history.enabled"),
        c.getDuration("login-grace"),
        c.getString("guest-prefix"),
        Math.max(1, c.getInt("min-password-length")),
        Math.max(1, c.getInt("max-password-length")),
        Math.max(1, c.getInt("max-failures-per-account")),
        Math.max(1, c.getInt("max-failures-per-address")),
        c.getDuration("failure-window"),
        c.getDuration("cool-down"),
        c.getDuration("passivate-after"),
        new PasswordHash((int) (a.getBytes("memory") / 1024), a.getInt("iterations"), a.getInt("parallelism")));
  }
}
