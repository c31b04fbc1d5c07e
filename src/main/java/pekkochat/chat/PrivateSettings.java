package pekkochat.chat;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Stored private messages' settings, read once from {@code pekko-chat.private} (reference.conf
 * explains each) and {@code pekko-chat.history}.
 *
 * @param enabled whether private messages are stored at all (the history store is on)
 * @param maxKeptPerRecipient most messages kept for one registered nick while it is offline
 * @param passivateAfter a conversation's or a mailbox's actor stops after this long unused
 * @param writeTimeout a message not stored in this long is refused
 * @param maxPage most lines one {@code /history @nick} returns (the rooms' {@code max-page})
 */
public record PrivateSettings(
    boolean enabled, int maxKeptPerRecipient, Duration passivateAfter, Duration writeTimeout, int maxPage) {

  public static PrivateSettings fromConfig(Config config) {
    Config c = config.getConfig("pekko-chat.private");
    int kept = c.getInt("max-kept-per-recipient");
    if (kept < 0) {
      throw new IllegalArgumentException("pekko-chat.private.max-kept-per-recipient: " + kept + " is below 0");
    }
    return new PrivateSettings(
        config.getBoolean("pekko-chat.history.enabled"),
        kept,
        c.getDuration("passivate-after"),
        c.getDuration("write-timeout"),
        Math.max(1, config.getInt("pekko-chat.history.max-page")));
  }
}
