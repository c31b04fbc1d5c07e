package pekkochat.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameCounterTest {

  private record Seen(int type, String text) {}

  private static byte[] frame(int type, String payload) {
    byte[] p = payload.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(5 + p.length).putInt(1 + p.length).put((byte) type).put(p).array();
  }

  private static byte[] stream() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    b.write(frame(ChatPeer.JOIN, "bench-u1 joined the chat."));
    b.write(frame(ChatPeer.TEXT, "Welcome! Type /help for commands."));
    b.write(frame(ChatPeer.JOIN, "bench-u2 joined the chat."));
    b.write(frame(ChatPeer.LEAVE, ""));
    b.write(frame(ChatPeer.TEXT, "bench-u0::bench broadcast"));
    b.write(frame(ChatPeer.ERROR, "Disconnected: too slow."));
    return b.toByteArray();
  }

  private static final List<Seen> EXPECTED = List.of(
      new Seen(ChatPeer.JOIN, null),
      new Seen(ChatPeer.TEXT, "Welcome! Type /help for commands."),
      new Seen(ChatPeer.JOIN, null),
      new Seen(ChatPeer.LEAVE, null),
      new Seen(ChatPeer.TEXT, "bench-u0::bench broadcast"),
      new Seen(ChatPeer.ERROR, "Disconnected: too slow."));

  @Test
  void framesInOneReadAreAllSeenWithTheTextOfTextAndErrorFrames() throws IOException {
    FrameCounter c = new FrameCounter();
    List<Seen> seen = new ArrayList<>();
    c.feed(ByteBuffer.wrap(stream()), (type, text) -> seen.add(new Seen(type, text)));
    assertEquals(EXPECTED, seen);
    assertEquals(6, c.frames());
    assertTrue(c.atBoundary());
  }

  @Test
  void framesSplitAtEveryPossibleByteAreTheSame() throws IOException {
    byte[] bytes = stream();
    for (int chunk = 1; chunk <= 7; chunk++) {
      FrameCounter c = new FrameCounter();
      List<Seen> seen = new ArrayList<>();
      for (int i = 0; i < bytes.length; i += chunk) {
        ByteBuffer piece = ByteBuffer.wrap(bytes, i, Math.min(chunk, bytes.length - i)).slice();
        c.feed(piece, (type, text) -> seen.add(new Seen(type, text)));
        assertFalse(piece.hasRemaining(), "feed consumes everything it is given");
      }
      assertEquals(EXPECTED, seen, "in pieces of " + chunk + " byte(s)");
    }
  }

  @Test
  void aLongTextIsCutToTheCaptureSizeButSkippedWhole() throws IOException {
    String longText = "x".repeat(FrameCounter.CAPTURE * 3);
    byte[] bytes = ByteBuffer.allocate(1000)
        .put(frame(ChatPeer.TEXT, longText)).put(frame(ChatPeer.JOIN, "a joined the chat.")).flip().array();
    FrameCounter c = new FrameCounter();
    List<Seen> seen = new ArrayList<>();
    ByteBuffer in = ByteBuffer.wrap(bytes, 0, 5 + longText.length() + 5 + 18);
    c.feed(in, (type, text) -> seen.add(new Seen(type, text)));
    assertEquals(List.of(new Seen(ChatPeer.TEXT, "x".repeat(FrameCounter.CAPTURE)), new Seen(ChatPeer.JOIN, null)), seen);
  }

  @Test
  void aMidFrameEndIsNotABoundary() throws IOException {
    FrameCounter c = new FrameCounter();
    byte[] f = frame(ChatPeer.JOIN, "a joined the chat.");
    c.feed(ByteBuffer.wrap(f, 0, 3), (type, text) -> {});
    assertFalse(c.atBoundary());
    assertEquals(0, c.frames());
  }

  @Test
  void lengthZeroAndHugeFramesAreErrors() {
    FrameCounter c = new FrameCounter();
    assertThrows(IOException.class,
        () -> c.feed(ByteBuffer.wrap(new byte[] {0, 0, 0, 0, 1}), (type, text) -> {}));
    FrameCounter d = new FrameCounter();
    assertThrows(IOException.class,
        () -> d.feed(ByteBuffer.allocate(5).putInt(Integer.MAX_VALUE).put((byte) 1).flip(), (type, text) -> {}));
  }
}
