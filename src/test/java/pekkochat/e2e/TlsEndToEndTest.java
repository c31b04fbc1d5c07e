package pekkochat.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import pekkochat.client.ChatClient;
import pekkochat.client.ClientMain;
import pekkochat.config.ClientSettings;
import pekkochat.server.ChatServer;
import pekkochat.server.ServerMain;
import pekkochat.testing.RawPeer;
import pekkochat.testing.Servers;
import pekkochat.testing.TestCertificates;
import pekkochat.testing.TestConsole;

/**
 * TLS end to end: a server listening with TLS on loopback, the project's client and a raw TLS
 * peer talking to it, and the ways it must fail: an untrusted certificate, a certificate for
 * another host, a plaintext peer, an unusable key store. Key stores are made once per class with
 * the JDK's keytool.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TlsEndToEndTest {

  private static final String STAMP = "^\\[\\d{2}:\\d{2}:\\d{2}\\] ";
  private static final String WELCOME = STAMP + "\\[Server\\]: Welcome! Type /help for commands\\.$";

  @TempDir static Path certs;

  /** The server's key store: self-signed, for localhost and 127.0.0.1. */
  private static Path serverKeyStore;
  /** Trusts the server's certificate. */
  private static Path trusted;
  /** Another self-signed pair, for a host that is not this one. */
  private static Path otherKeyStore;
  /** Trusts only the other certificate. */
  private static Path otherTrusted;

  @TempDir Path tmp;

  private ChatServer server;
  private final List<ChatClient> clients = new ArrayList<>();
  private final List<TestConsole> consoles = new ArrayList<>();
  private final List<RawPeer> peers = new ArrayList<>();

  @BeforeAll
  static void makeCertificates() throws Exception {
    serverKeyStore = certs.resolve("server.p12");
    otherKeyStore = certs.resolve("other.p12");
    TestCertificates.generate(
        List.of(
            new TestCertificates.Spec(serverKeyStore, "CN=localhost", "dns:localhost,ip:127.0.0.1"),
            new TestCertificates.Spec(otherKeyStore, "CN=elsewhere.invalid", "dns:elsewhere.invalid")));
    trusted = TestCertificates.trustStoreFor(serverKeyStore, certs.resolve("trusted.p12"));
    otherTrusted = TestCertificates.trustStoreFor(otherKeyStore, certs.resolve("other-trusted.p12"));
  }

  @AfterEach
  void tearDown() throws Exception {
    for (TestConsole console : consoles) {
      console.endInput();
    }
    for (ChatClient client : clients) {
      client.stop();
    }
    for (ChatClient client : clients) {
      client.system().getWhenTerminated().toCompletableFuture().get(15, TimeUnit.SECONDS);
    }
    for (RawPeer peer : peers) {
      peer.close();
    }
    if (server != null) {
      server.close();
    }
  }

  // --- helpers ------------------------------------------------------------------------------

  private static Map<String, Object> tlsServer(Path keyStore) {
    Map<String, Object> overrides = new HashMap<>();
    overrides.put("pekko-chat.server.tls.enabled", true);
    overrides.put("pekko-chat.server.tls.key-store", keyStore.toString());
    overrides.put("pekko-chat.server.tls.key-store-password", TestCertificates.PASSWORD);
    return overrides;
  }

  private InetSocketAddress startServer(Path keyStore) throws Exception {
    server = Servers.start(dir("spool"), tlsServer(keyStore));
    return server.address();
  }

  private Path dir(String name) throws IOException {
    return Files.createDirectories(tmp.resolve(name));
  }

  /** Starts the project's client with TLS, trusting {@code trustStore}. */
  private ChatClient client(InetSocketAddress address, String name, TestConsole console, Path trustStore)
      throws IOException {
    consoles.add(console);
    ClientSettings settings =
        Servers.clientSettings(dir(name + "-downloads"))
            .withTls(new ClientSettings.Tls(true, Optional.of(trustStore), TestCertificates.PASSWORD));
    ChatClient client =
        ChatClient.start(
            Servers.clientConfig(), settings, new InetSocketAddress("127.0.0.1", address.getPort()), name, console);
    clients.add(client);
    return client;
  }

  private RawPeer tlsPeer(InetSocketAddress address, String name) throws Exception {
    RawPeer peer = RawPeer.joinedTls(address, TestCertificates.clientContext(trusted), name);
    peers.add(peer);
    return peer;
  }

  private static int exitCode(ChatClient client) throws Exception {
    return client.exitCode().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  // --- a session over TLS -------------------------------------------------------------------

  @Test
  void chatAndFilesTravelOverTlsBetweenTheClientAndARawPeer() throws Exception {
    InetSocketAddress address = startServer(serverKeyStore);
    RawPeer bob = tlsPeer(address, "bob");
    TestConsole alice = new TestConsole(false);
    ChatClient client = client(address, "alice", alice, trusted);
    alice.await(STAMP + "Connected to 127\\.0\\.0\\.1:" + address.getPort() + " \\(TLSv1\\.[23]\\) as alice\\.");
    alice.await(WELCOME);
    bob.expect(RawPeer.JOIN, "alice joined the chat.");

    alice.type("hello over TLS");
    bob.expect(RawPeer.TEXT, "alice::hello over TLS");
    bob.send(RawPeer.TEXT, "hi alice");
    alice.await(STAMP + "bob: hi alice$");

    byte[] up = new byte[300_000];
    new Random(4).nextBytes(up);
    Path upFile = Files.write(dir("src").resolve("up.bin"), up);
    alice.type("/send " + upFile);
    bob.expectFile("alice", "up.bin", up);
    alice.await(STAMP + "Sent up\\.bin");

    byte[] down = "a small file, encrypted on the way".getBytes(StandardCharsets.UTF_8);
    bob.sendFile("down.txt", down);
    Path saved = tmp.resolve("alice-downloads").resolve("down.txt");
    alice.await(STAMP + "bob sent down\\.txt \\(.+\\), saved to " + Pattern.quote(saved.toString()));
    assertArrayEquals(down, Files.readAllBytes(saved));

    alice.type("/quit");
    bob.expect(RawPeer.LEAVE, "alice left the chat.");
    assertEquals(0, exitCode(client));

    // The server still closes after a last frame, now with TLS close_notify.
    bob.send(RawPeer.TEXT, "/quit");
    bob.expect(RawPeer.COMMAND, "/quit_ack");
    bob.expectClosed();
  }

  // --- refusing the server's certificate ----------------------------------------------------

  @Test
  void clientRefusesAnUntrustedCertificateAndTheServerServesOthers() throws Exception {
    InetSocketAddress address = startServer(serverKeyStore);
    TestConsole mallory = new TestConsole(false);
    ChatClient refused = client(address, "mallory", mallory, otherTrusted);
    assertEquals(1, exitCode(refused));
    String line =
        mallory.await(
            "^Could not connect securely to 127\\.0\\.0\\.1:" + address.getPort()
                + ": the server's certificate is not trusted \\(.+\\)$");
    assertFalse(line.contains("Exception"), line);
    for (String printed : mallory.printed()) {
      assertFalse(printed.contains("Connected to"), () -> "claimed a connection: " + printed);
    }

    RawPeer bob = tlsPeer(address, "bob");
    TestConsole alice = new TestConsole(false);
    client(address, "alice", alice, trusted);
    alice.await(WELCOME);
    bob.expect(RawPeer.JOIN, "alice joined the chat.");
    bob.send(RawPeer.TEXT, "/users");
    bob.expect(RawPeer.TEXT, "[Server] Online users: bob, alice");
  }

  @Test
  void clientRefusesACertificateIssuedForAnotherHost() throws Exception {
    InetSocketAddress address = startServer(otherKeyStore);
    TestConsole console = new TestConsole(false);
    ChatClient client = client(address, "alice", console, otherTrusted);
    assertEquals(1, exitCode(client));
    console.await(
        "^Could not connect securely to 127\\.0\\.0\\.1:" + address.getPort()
            + ": the server's certificate is not issued for 127\\.0\\.0\\.1 \\(.+\\)$");
  }

  @Test
  void tlsClientAgainstAPlaintextServerSaysSo() throws Exception {
    server = Servers.start(dir("spool"));
    TestConsole console = new TestConsole(false);
    ChatClient client = client(server.address(), "alice", console, trusted);
    assertEquals(1, exitCode(client));
    console.await(
        "^Could not connect securely to 127\\.0\\.0\\.1:" + server.address().getPort()
            + ": .*\\(.*is it running without TLS\\?\\)$");
  }

  @Test
  void aServerThatNeverAnswersTheHandshakeIsGivenUpOnAfterTheConnectTimeout() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      TestConsole console = new TestConsole(false);
      consoles.add(console);
      ClientSettings settings =
          ClientSettings.fromConfig(Servers.config(Map.of("pekko-chat.client.connect-timeout", "1s")))
              .withDownloadDirectory(dir("downloads"))
              .withTls(new ClientSettings.Tls(true, Optional.of(trusted), TestCertificates.PASSWORD));
      ChatClient client =
          ChatClient.start(
              Servers.clientConfig(), settings, new InetSocketAddress("127.0.0.1", silent.getLocalPort()), "alice", console);
      clients.add(client);
      Socket accepted = silent.accept(); // and never a byte back
      try {
        assertEquals(1, exitCode(client));
      } finally {
        accepted.close();
      }
      console.await(
          "^Could not connect securely to 127\\.0\\.0\\.1:" + silent.getLocalPort()
              + ": no TLS handshake within 1 s \\(is it running without TLS\\?\\)$");
    }
  }

  // --- what a TLS server does with peers that do not speak TLS ------------------------------

  @Test
  void aPlaintextPeerOnlyLosesItsOwnConnection() throws Exception {
    InetSocketAddress address = startServer(serverKeyStore);
    RawPeer bob = tlsPeer(address, "bob");

    try (RawPeer plain = RawPeer.connect(address)) {
      plain.send(RawPeer.JOIN, "eve");
      plain.expectClosed();
    }
    try (RawPeer garbage = RawPeer.connect(address)) {
      byte[] noise = new byte[4096];
      new Random(7).nextBytes(noise);
      garbage.sendRaw(noise);
      garbage.expectClosed();
    }

    bob.send(RawPeer.TEXT, "/users");
    bob.expect(RawPeer.TEXT, "[Server] Online users: bob");
    TestConsole alice = new TestConsole(false);
    client(address, "alice", alice, trusted);
    alice.await(WELCOME);
    bob.expect(RawPeer.JOIN, "alice joined the chat.");
    alice.type("still here?");
    bob.expect(RawPeer.TEXT, "alice::still here?");
  }

  // --- an unusable key store ----------------------------------------------------------------

  @Test
  void serverWithAnUnusableKeyStoreDoesNotStartAndSaysWhyInOneLine() throws Exception {
    Map<String, Object> missing = tlsServer(tmp.resolve("nothing-here.p12"));
    assertStartFails(missing, "cannot use TLS key store .*nothing-here\\.p12: no such file");

    Map<String, Object> wrongPassword = tlsServer(serverKeyStore);
    wrongPassword.put("pekko-chat.server.tls.key-store-password", "not-the-password");
    assertStartFails(wrongPassword, "cannot use TLS key store .*server\\.p12: wrong password");

    assertStartFails(tlsServer(trusted), "cannot use TLS key store .*trusted\\.p12: it holds no private key .*");

    Path notPkcs12 = Files.writeString(tmp.resolve("notes.p12"), "not a key store\n");
    assertStartFails(tlsServer(notPkcs12), "cannot use TLS key store .*notes\\.p12: not a readable PKCS12 file .*");

    Map<String, Object> unset = tlsServer(serverKeyStore);
    unset.put("pekko-chat.server.tls.key-store", "");
    assertStartFails(unset, "TLS is on but no key store is set \\(--key-store FILE, or pekko-chat\\.server\\.tls\\.key-store\\)");
  }

  // --- the command lines ---------------------------------------------------------------------

  @Test
  void commandLineTlsFlagsReachTheSettings() throws Exception {
    Path missing = tmp.resolve("missing.p12");
    // Both stop at the missing store, before anything listens or connects.
    assertEquals(
        1,
        new CommandLine(new ServerMain())
            .execute("--host", "127.0.0.1", "--port", "0", "--key-store", missing.toString(), "--key-store-password", "x"));
    assertEquals(
        2, ClientMain.run(new String[] {"127.0.0.1", "-u", "alice", "--trust-store", missing.toString()}));
  }

  private void assertStartFails(Map<String, Object> overrides, String regex) throws IOException {
    ChatServer.StartFailed failed =
        assertThrows(ChatServer.StartFailed.class, () -> Servers.start(dir("spool"), overrides).close());
    String message = failed.getMessage();
    assertTrue(message.matches(regex), () -> "message /" + regex + "/: " + message);
    assertFalse(message.contains("\n"), message);
  }
}
