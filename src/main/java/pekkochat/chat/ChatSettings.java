package pekkochat.chat;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * The chat core's settings, read once from {@code pekko-chat.chat}.
 *
 * @param defaultRoom the room everyone starts in (display form, e.g. {@code #lobby})
 * @param maxRooms most rooms at once on this server
 * @param maxRoomsPerUser most rooms one user may be in at once
 * @param maxTopicLength longest topic, in characters
 * @param maxAwayLength longest away message, in characters
 * @param flushIntervalPerUser how long a room waits after a flush, per member it reached, before the next
 * @param noticeFlushFactor how many times longer it waits when it has only joins and leaves to send
 * @param roomsQueryTimeout how long {@code /rooms} waits for every room to answer
 * @param historyReplay lines of history an extended client is sent on entering a room (0 with history off)
 * @param historyEnabled whether rooms store their events
 */
public record ChatSettings(
    String defaultRoom,
    int maxRooms,
    int maxRoomsPerUser,
    int maxTopicLength,
    int maxAwayLength,
    Duration flushIntervalPerUser,
    int noticeFlushFactor,
    Duration roomsQueryTimeout,
    int historyReplay,
    boolean historyEnabled) {

  public static ChatSettings fromConfig(Config config) {
    Config c = config.getConfig("pekko-chat.chat");
    String room = RoomNames.normalize(c.getString("default-room"));
    RoomNames.problem(room).ifPresent(p -> {
      throw new IllegalArgumentException("pekko-chat.chat.default-room: " + p);
    });
    return new ChatSettings(
        room,
        c.getInt("max-rooms"),
        c.getInt("max-rooms-per-user"),
        c.getInt("max-topic-length"),
        c.getInt("max-away-length"),
        config.getDuration("pekko-chat.server.broadcast-flush-interval-per-user"),
        config.getInt("pekko-chat.server.notice-flush-factor"),
        c.getDuration("rooms-query-timeout"),
        config.getBoolean("pekko-chat.history.enabled") ? config.getInt("pekko-chat.history.replay-on-join") : 0,
        config.getBoolean("pekko-chat.history.enabled"));
  }
}
