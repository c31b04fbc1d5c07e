package pekkochat.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.List;
import java.util.ArrayList;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A blocking socket peer that speaks the seed protocol byte for byte, independent of the
 * project's codec: what an original client looks like to the server.
 */
public final class RawPeer implements AutoCloseable {

  public static final int TEXT = 1;
  public static final int FILE = 2;
  public static final int JOIN = 3;
  public static final int LEAVE = 4;
  public static final int ERROR = 5;
  public static final int COMMAND = 6;

  /** One received frame. */
  public record Frame(int type, byte[] payload) {
    public String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return "Frame(" + type + ", " + (payload.length > 200 ? payload.length + " bytes" : "\"" + text() + "\"") + ")";
    }
  }

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  private RawPeer(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  public static RawPeer connect(InetSocketAddress address) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", address.getPort()), 5000);
    s.setSoTimeout(10_000);
    return new RawPeer(s);
  }

  /**
   * Connects from {@code localAddress} (any 127.x.y.z works on Linux loopback), so that the
   * server sees a different remote address than 127.0.0.1.
   */
  public static RawPeer connectFrom(InetSocketAddress address, String localAddress) throws IOException {
    Socket s = new Socket();
    s.bind(new InetSocketAddress(localAddress, 0));
    s.connect(new InetSocketAddress("127.0.0.1", address.getPort()), 5000);
    s.setSoTimeout(10_000);
    return new RawPeer(s);
  }

  /** A peer on an accepted socket: the test acting as a server. */
  public static RawPeer accepted(Socket socket) throws IOException {
    socket.setSoTimeout(10_000);
    return new RawPeer(socket);
  }

  /** The local port of this peer's socket. */
  public int localPort() {
    return socket.getLocalPort();
  }

  /** A peer whose receive buffer is tiny, to act as a slow reader. */
  public static RawPeer connectWithReceiveBuffer(InetSocketAddress address, int bytes) throws IOException {
    Socket s = new Socket();
    s.setReceiveBufferSize(bytes);
    s.connect(new InetSocketAddress("127.0.0.1", address.getPort()), 5000);
    s.setSoTimeout(10_000);
    return new RawPeer(s);
  }

  /**
   * A peer over TLS: the same bytes, encrypted. The handshake is done here, verifying the server's
   * certificate against {@code tls} and that it names 127.0.0.1, as the project's client does.
   */
  public static RawPeer connectTls(InetSocketAddress address, javax.net.ssl.SSLContext tls) throws IOException {
    Socket plain = new Socket();
    plain.connect(new InetSocketAddress("127.0.0.1", address.getPort()), 5000);
    javax.net.ssl.SSLSocket s =
        (javax.net.ssl.SSLSocket) tls.getSocketFactory().createSocket(plain, "127.0.0.1", address.getPort(), true);
    javax.net.ssl.SSLParameters parameters = s.getSSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    s.setSSLParameters(parameters);
    s.setSoTimeout(10_000);
    s.startHandshake();
    return new RawPeer(s);
  }

  /** Connects over TLS and joins, consuming the welcome. */
  public static RawPeer joinedTls(InetSocketAddress address, javax.net.ssl.SSLContext tls, String name) throws IOException {
    RawPeer peer = connectTls(address, tls);
    peer.send(JOIN, name);
    peer.expect(TEXT, "Welcome! Type /help for commands.");
    return peer;
  }

  /** Connects and joins, consuming the welcome. */
  /**
   * Joins as {@code name} once the server has let go of it: a connection that just closed holds
   * its nick until its session has stopped, a moment later (only that refusal is waited out).
   */
  public static RawPeer joinedOnceFree(InetSocketAddress address, String name) throws IOException {
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
    while (true) {
      RawPeer peer = connect(address);
      peer.send(JOIN, name);
      Frame f = peer.read(java.time.Duration.ofSeconds(10));
      if (f.type() == TEXT && f.text().equals("Welcome! Type /help for commands.")) {
        return peer;
      }
      peer.close();
      assertEquals("Username already taken.", f.text(), "the only refusal waited out");
      if (System.nanoTime() > deadline) {
        throw new AssertionError(name + " still taken after 10 s");
      }
      try {
        Thread.sleep(20); // the previous holder's session is stopping
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
    }
  }

  /**
   * Reads until a TEXT or ERROR frame whose text starts with {@code prefix} and returns its text;
   * what comes before it is skipped (at most 200 frames, then the test fails, saying what came).
   */
  public String awaitText(String prefix) throws IOException {
    List<String> seen = new ArrayList<>();
    while (true) {
      Frame f = read(java.time.Duration.ofSeconds(10));
      if ((f.type() == TEXT || f.type() == ERROR) && f.text().startsWith(prefix)) {
        return f.text();
      }
      seen.add(f.toString());
      if (seen.size() >= 200) {
        throw new AssertionError("nothing starting with " + prefix + " in " + seen);
      }
    }
  }

  /** An EVENT frame's payload, decoded (the extended protocol's structured events). */
  public static pekkochat.protocol.Event event(Frame frame) {
    return pekkochat.protocol.Event.decodePayload(org.apache.pekko.util.ByteString.fromArray(frame.payload())).orElseThrow();
  }

  public static RawPeer joined(InetSocketAddress address, String name) throws IOException {
    RawPeer peer = connect(address);
    peer.send(JOIN, name);
    peer.expect(TEXT, "Welcome! Type /help for commands.");
    return peer;
  }

  public static byte[] frame(int type, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(5 + payload.length);
    b.putInt(payload.length + 1).put((byte) type).put(payload);
    return b.array();
  }

  public void send(int type, String payload) throws IOException {
    send(type, payload.getBytes(StandardCharsets.UTF_8));
  }

  public void send(int type, byte[] payload) throws IOException {
    sendRaw(frame(type, payload));
  }

  public void sendRaw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** A FILE frame as a client sends it: {@code name::bytes}. */
  public void sendFile(String name, byte[] content) throws IOException {
    byte[] prefix = (name + "::").getBytes(StandardCharsets.UTF_8);
    byte[] payload = new byte[prefix.length + content.length];
    System.arraycopy(prefix, 0, payload, 0, prefix.length);
    System.arraycopy(content, 0, payload, prefix.length, content.length);
    send(FILE, payload);
  }

  /**
   * Streams a FILE frame of {@code size} bytes of a repeating pattern (never held whole) and
   * returns the CRC32 of the content. With {@code stopAfter} less than {@code size}, writes only
   * that many content bytes (a sender vanishing mid-file).
   */
  public long sendPatternFile(String name, long size, long stopAfter) throws IOException {
    byte[] prefix = (name + "::").getBytes(StandardCharsets.UTF_8);
    ByteBuffer header = ByteBuffer.allocate(5).putInt((int) (1 + prefix.length + size)).put((byte) FILE);
    out.write(header.array());
    out.write(prefix);
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    byte[] block = pattern();
    long left = Math.min(size, stopAfter);
    while (left > 0) {
      int n = (int) Math.min(block.length, left);
      out.write(block, 0, n);
      crc.update(block, 0, n);
      left -= n;
    }
    out.flush();
    return crc.getValue();
  }

  /** The CRC32 that {@link #sendPatternFile} reports for a complete file of {@code size} bytes. */
  public static long patternCrc(long size) {
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    byte[] block = pattern();
    for (long left = size; left > 0; left -= block.length) {
      crc.update(block, 0, (int) Math.min(block.length, left));
    }
    return crc.getValue();
  }

  private static byte[] pattern() {
    byte[] block = new byte[1 << 20];
    for (int i = 0; i < block.length; i++) {
      block[i] = (byte) (i * 31 + (i >>> 8));
    }
    return block;
  }

  /** A relayed file read as it streams: who sent it, its name, its size and CRC32. */
  public record StreamedFile(String sender, String name, long size, long crc, long trailingZeros) {}

  /** Reads the next frame, which must be a FILE, without holding its content. */
  public StreamedFile readFileStreaming() throws IOException {
    long length = Integer.toUnsignedLong(in.readInt());
    int type = in.readUnsignedByte();
    assertEquals(FILE, type, "expected a FILE frame");
    long payload = length - 1;
    java.io.ByteArrayOutputStream head = new java.io.ByteArrayOutputStream();
    int separators = 0;
    byte previous = 0;
    while (separators < 2) {
      byte b = in.readByte();
      head.write(b);
      payload--;
      if (b == ':' && previous == ':') {
        separators++;
        previous = 0;
      } else {
        previous = b;
      }
    }
    String[] fields = head.toString(StandardCharsets.UTF_8).split("::");
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    byte[] buffer = new byte[1 << 20];
    long left = payload;
    long zeros = 0;
    while (left > 0) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (n < 0) {
        throw new EOFException("file ended " + left + " bytes early");
      }
      crc.update(buffer, 0, n);
      for (int i = 0; i < n; i++) {
        zeros = buffer[i] == 0 ? zeros + 1 : 0;
      }
      left -= n;
    }
    return new StreamedFile(fields[0], fields[1], payload, crc.getValue(), zeros);
  }

  public Frame read() throws IOException {
    int length = in.readInt();
    int type = in.readUnsignedByte();
    byte[] payload = new byte[length - 1];
    in.readFully(payload);
    return new Frame(type, payload);
  }

  /** Reads the next frame, waiting at most {@code within} for it to begin. */
  public Frame read(Duration within) throws IOException {
    int before = socket.getSoTimeout();
    socket.setSoTimeout((int) Math.max(1, within.toMillis()));
    try {
      return read();
    } finally {
      socket.setSoTimeout(before);
    }
  }

  public Frame expect(int type, String payload) throws IOException {
    Frame f = read();
    assertEquals(type, f.type(), () -> "frame type of " + f);
    assertEquals(payload, f.text());
    return f;
  }

  public Frame expectType(int type) throws IOException {
    Frame f = read();
    assertEquals(type, f.type(), () -> "frame type of " + f);
    return f;
  }

  /** Expects a relayed FILE {@code sender::name::content}. */
  public void expectFile(String sender, String name, byte[] content) throws IOException {
    Frame f = expectType(FILE);
    byte[] prefix = (sender + "::" + name + "::").getBytes(StandardCharsets.UTF_8);
    assertTrue(f.payload().length >= prefix.length, "FILE payload too short");
    byte[] head = java.util.Arrays.copyOf(f.payload(), prefix.length);
    assertEquals(new String(prefix, StandardCharsets.UTF_8), new String(head, StandardCharsets.UTF_8));
    assertArrayEquals(content, java.util.Arrays.copyOfRange(f.payload(), prefix.length, f.payload().length));
  }

  /** Asserts that no frame arrives within {@code quiet}. */
  public void expectNothing(Duration quiet) throws IOException {
    int before = socket.getSoTimeout();
    socket.setSoTimeout((int) quiet.toMillis());
    try {
      Frame f = read();
      fail("expected no frame, got " + f);
    } catch (SocketTimeoutException expected) {
      // quiet, as it should be
    } finally {
      socket.setSoTimeout(before);
    }
  }

  /** Asserts that the server closes the connection (after any frames, which are skipped). */
  public void expectClosed() throws IOException {
    try {
      while (true) {
        read();
      }
    } catch (EOFException | SocketException closed) {
      // closed or reset by the server
    }
  }

  /** Closes the sending direction only (TCP FIN); what the server still sends can be read. */
  public void halfClose() throws IOException {
    socket.shutdownOutput();
  }

  /** Ends the connection with a TCP reset instead of a clean close. */
  public void abort() throws IOException {
    socket.setSoLinger(true, 0);
    socket.close();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
