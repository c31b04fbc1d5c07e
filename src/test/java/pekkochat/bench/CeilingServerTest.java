package pekkochat.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The ceiling server speaks the part of the protocol the load generator needs, as the real one does. */
class CeilingServerTest {

  private CeilingServer server;
  private Thread serving;

  @BeforeEach
  void start() throws IOException {
    server = CeilingServer.bind(new InetSocketAddress("127.0.0.1", 0));
    serving = new Thread(() -> {
      try {
        server.run();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }, "ceiling");
    serving.start();
  }

  @AfterEach
  void stop() throws InterruptedException {
    server.close();
    serving.join(5000);
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
}
