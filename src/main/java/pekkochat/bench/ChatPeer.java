package pekkochat.bench;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Set;

/**
 * One chat connection of the bench, on a plain blocking socket, speaking the wire protocol
 * directly (u32 big-endian length = 1 + payload length, a type byte, the payload).
 */
final class ChatPeer implements AutoCloseable {

  static final int TEXT = 0x01;
  static final int FILE = 0x02;
  static final int JOIN = 0x03;
  static final int LEAVE = 0x04;
  static final int ERROR = 0x05;
  static final int COMMAND = 0x06;

  /** Largest non-file frame the bench accepts before it assumes something is wrong. */
  private static final int MAX_SMALL_PAYLOAD = 1 << 20;
  private static final int CONNECT_TIMEOUT_MILLIS = 10_000;

  /** A frame header: the type and how many payload bytes follow. */
  record Header(int type, long payloadLength) {}

  private final String name;
  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  private ChatPeer(String name, Socket socket) throws IOException {
    this.name = name;
    this.socket = socket;
    this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
    this.out = socket.getOutputStream();
  }

  static ChatPeer connect(String host, int port, String name) throws IOException {
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MILLIS);
      return new ChatPeer(name, s);
    } catch (IOException e) {
      s.close();
      throw new IOException(name + ": cannot connect to " + host + ":" + port + ": " + e.getMessage(), e);
    }
  }

  String name() {
    return name;
  }

  /** Reads the file bytes after {@link #readHeader()}: large reads bypass the 64 KiB buffer. */
  InputStream in() {
    return in;
  }

  /** The socket's own stream: large writes go straight to the kernel. */
  OutputStream out() {
    return out;
  }

  static String typeName(int type) {
    return switch (type) {
      case TEXT -> "TEXT";
      case FILE -> "FILE";
      case JOIN -> "JOIN";
      case LEAVE -> "LEAVE";
      case ERROR -> "ERROR";
      case COMMAND -> "COMMAND";
      default -> String.format("0x%02x", type);
    };
  }

  Header readHeader() throws IOException {
    long length = Integer.toUnsignedLong(in.readInt());
    if (length < 1) {
      throw new IOException(name + ": received a frame of length 0");
    }
    return new Header(in.readUnsignedByte(), length - 1);
  }

  /** The payload of a small frame as UTF-8 text. */
  String readText(Header h) throws IOException {
    if (h.payloadLength() > MAX_SMALL_PAYLOAD) {
      throw new IOException(name + ": unexpected " + typeName(h.type()) + " frame of "
          + h.payloadLength() + " bytes");
    }
    byte[] payload = new byte[(int) h.payloadLength()];
    in.readFully(payload);
    return new String(payload, StandardCharsets.UTF_8);
  }

  /** Reads exactly {@code n} bytes (a known prefix). */
  byte[] readBytes(int n) throws IOException {
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }

  void send(int type, String text) throws IOException {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    out.write(ByteBuffer.allocate(5 + payload.length)
        .putInt(1 + payload.length).put((byte) type).put(payload).array());
    out.flush();
  }

  /** Sends JOIN and reads up to the welcome; a refusal (ERROR) fails the run. */
  void join(Watchdog watchdog) throws IOException, BenchFailure {
    send(JOIN, name);
    while (true) {
      Header h = readHeader();
      String text = readText(h);
      watchdog.progress();
      if (h.type() == ERROR) {
        throw new BenchFailure("the server refused JOIN '" + name + "': " + text);
      }
      if (h.type() == TEXT && text.startsWith("Welcome")) {
        return;
      }
    }
  }

  /** Reads frames until the JOIN notice of every name in {@code names} has arrived. */
  void awaitJoinNotices(Set<String> names, Watchdog watchdog) throws IOException, BenchFailure {
    Set<String> missing = new HashSet<>(names);
    while (!missing.isEmpty()) {
      Header h = readHeader();
      String text = readText(h);
      watchdog.progress();
      if (h.type() == ERROR) {
        throw new BenchFailure(name + " got an ERROR while waiting for the others to join: " + text);
      }
      if (h.type() == JOIN && text.endsWith(" joined the chat.")) {
        missing.remove(text.substring(0, text.length() - " joined the chat.".length()));
      }
    }
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // nothing to do
    }
  }
}
