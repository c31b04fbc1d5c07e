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
 * @param maxLinesPerConversation retention by count: lines kept per conversation (0: no limit)
 * @param maxAge retention by age: lines older than this are deleted and never shown (zero: no limit)
 * @param snapshotEvery lines between a conversation's snapshots (the rooms' {@code snapshot-every})
 */
public record PrivateSettings(
    boolean enabled,
    int maxKeptPerRecipient,
    Duration passivateAfter,
    Duration writeTimeout,
    int maxPage,
    long maxLinesPerConversation,
    Duration maxAge,
    int snapshotEvery) {

  public static PrivateSettings fromConfig(Config config) {
    Config c = config.getConfig("pekko-chat.private");
    int kept = c.getInt("max-kept-per-recipient");
    if (kept < 0) {
      throw new IllegalArgumentException("pekko-chat.private.max-kept-per-recipient: " + kept + " is below 0");
    }
    long maxLines = c.getLong("max-lines-per-conversation");
    if (maxLines < 0) {
      throw new IllegalArgumentException("pekko-chat.private.max-lines-per-conversation: " + maxLines + " is below 0");
    }
    Duration maxAge = c.getDuration("max-age");
    if (maxAge.isNegative()) {
      throw new IllegalArgumentException("pekko-chat.private.max-age: " + maxAge + " is below 0");
    }
    return new PrivateSettings(
        config.getBoolean("pekko-chat.history.enabled"),
        kept,
        c.getDuration("passivate-after"),
        c.getDuration("write-timeout"),
        Math.max(1, config.getInt("pekko-chat.history.max-page")),
        maxLines,
        maxAge,
        Math.max(1, config.getInt("pekko-chat.history.snapshot-every")));
  }

  /** The oldest time (ms since the epoch) a line may have to be shown now: 0 with no max-age. */
  public long oldestShown() {
    return maxAge.isZero() ? 0 : System.currentTimeMillis() - maxAge.toMillis();
  }
}
