package pekkochat.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The ceiling server speaks the part of the protocol the load generator needs, as the real one does. */
class CeilingServerTest {

  private RunningCeiling server;

  @BeforeEach
  void start() throws IOException {
    server = new RunningCeiling();
  }

  @AfterEach
  void stop() throws InterruptedException {
    server.close();
  }

  private String next(ChatPeer peer) throws IOException {
    ChatPeer.Header h = peer.readHeader();
    return ChatPeer.typeName(h.type()) + " " + peer.readText(h);
  }

  @Test
  void welcomesAnnouncesRelaysAndSaysGoodbye() throws IOException {
    try (ChatPeer alice = ChatPeer.connect("127.0.0.1", server.port(), "alice");
         ChatPeer bob = ChatPeer.connect("127.0.0.1", server.port(), "bob")) {
      alice.send(ChatPeer.TEXT, "before joining: ignored");
      alice.send(ChatPeer.JOIN, "alice");
      assertEquals("TEXT " + CeilingServer.WELCOME, next(alice));
      bob.send(ChatPeer.JOIN, "bob");
      assertEquals("TEXT " + CeilingServer.WELCOME, next(bob));
      assertEquals("JOIN bob joined the chat.", next(alice));

      alice.send(ChatPeer.TEXT, "hi bob");
      assertEquals("TEXT alice::hi bob", next(bob));
      bob.send(ChatPeer.TEXT, "/users");
      assertEquals("TEXT bob::/users", next(alice), "no commands: everything is relayed");

      bob.close();
      assertEquals("LEAVE bob left the chat.", next(alice));
    }
  }

  private ChatPeer joined(String name) throws IOException {
    ChatPeer peer = ChatPeer.connect("127.0.0.1", server.port(), name);
    peer.send(ChatPeer.JOIN, name);
    assertEquals("TEXT " + CeilingServer.WELCOME, next(peer));
    return peer;
  }

  /** Waits until the server has handled everything {@code peer} sent: an invalid room name is answered. */
  private void sync(ChatPeer peer) throws IOException {
    peer.send(ChatPeer.TEXT, "/part no-hash");
    assertEquals("ERROR Invalid room name: 'no-hash'.", next(peer));
  }

  @Test
  @Timeout(20)
  void linesGoToTheSendersActiveRoomOnly() throws IOException {
    try (ChatPeer alice = joined("alice"); ChatPeer bob = joined("bob"); ChatPeer carol = joined("carol")) {
      assertEquals("JOIN bob joined the chat.", next(alice));
      assertEquals("JOIN carol joined the chat.", next(alice));
      assertEquals("JOIN carol joined the chat.", next(bob));
      alice.send(ChatPeer.TEXT, "/join #r1");
      alice.send(ChatPeer.TEXT, "/part #lobby");
      sync(alice);
      bob.send(ChatPeer.TEXT, "/JOIN #R1");
      bob.send(ChatPeer.TEXT, "/part #lobby");
      sync(bob);

      bob.send(ChatPeer.TEXT, "in r1");
      assertEquals("TEXT bob::in r1", next(alice));
      carol.send(ChatPeer.TEXT, "in the lobby"); // nobody else is in the lobby: goes nowhere
      sync(carol);
      carol.send(ChatPeer.TEXT, "/join #r1");
      carol.send(ChatPeer.TEXT, "hello r1");
      assertEquals("TEXT carol::hello r1", next(alice), "the lobby line went nowhere");
      assertEquals("TEXT carol::hello r1", next(bob));

      carol.send(ChatPeer.TEXT, "/part #r1"); // back to the lobby, where nobody is
      carol.send(ChatPeer.TEXT, "lonely");
      sync(carol);
      alice.send(ChatPeer.TEXT, "after carol left r1");
      assertEquals("TEXT alice::after carol left r1", next(bob));

      carol.close(); // in the lobby only: nobody to tell
      bob.close();
      assertEquals("LEAVE bob left the chat.", next(alice), "carol's lines and leave never reached alice");
    }
  }
}
