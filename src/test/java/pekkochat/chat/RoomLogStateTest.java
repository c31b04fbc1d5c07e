package pekkochat.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.typesafe.config.ConfigFactory;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A room log's snapshot through the serializer the store uses: it keeps the room's name, and a
 * snapshot written before the name was kept (no {@code name} field) still reads, with no name,
 * which the first event replayed after it then gives.
 */
class RoomLogStateTest {

  private static final ActorTestKit testKit = ActorTestKit.create("room-log-state-test", ConfigFactory.load());

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void aSnapshotKeepsTheNameAndOneWrittenBeforeTheNameWasKeptStillReads() throws Exception {
    Serialization serialization = SerializationExtension.get(Adapter.toClassic(testKit.system()));
    RoomLog.State now = new RoomLog.State(7, "release on friday", "#dev");
    Serializer serializer = serialization.findSerializerFor(now);
    String manifest = Serializers.manifestFor(serializer, now);
    byte[] bytes = serialization.serialize(now).get();
    assertEquals(now, serialization.deserialize(bytes, serializer.identifier(), manifest).get());

    byte[] before = new CBORMapper().writeValueAsBytes(Map.of("lastSeq", 7, "topic", "release on friday"));
    assertEquals(new RoomLog.State(7, "release on friday", ""), serialization.deserialize(before, serializer.identifier(), manifest).get());
  }
}
