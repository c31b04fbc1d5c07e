package pekkochat.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The ceiling: what this machine can relay with the chat framing when nothing else is done. One
 * thread, one {@link Selector}, non-blocking sockets. {@code scripts/bench fanout --server ceiling}
 * measures it in the same way as the project's server, so every figure can also be given as a
 * ratio to it.
 *
 * <p>It speaks just enough of the protocol for the bench's load generator: a JOIN is answered with
 * the welcome TEXT, puts the user in {@code #lobby} and is announced to the lobby's others ({@code
 * <name> joined the chat.}); a TEXT goes to every other member of the sender's active room as
 * {@code name::text}; a closed connection is announced with LEAVE to the members of its rooms.
 * Rooms ({@code scripts/bench rooms}): TEXT {@code /join #name} enters a room (created on demand)
 * and makes it the active one, {@code /part #name} leaves it (if it was the active room, another of
 * the user's rooms becomes active, if any: otherwise the user's lines go nowhere); neither is
 * answered unless the name is not a room name (1-32 letters, digits, {@code -} and {@code _},
 * unique regardless of case), which gets an ERROR. Nothing else: no other commands (every other
 * TEXT is relayed, {@code /users} included), no notices of room changes, no name checks, no flood
 * control, no file relay. Each broadcast
 * is encoded once and copied into every recipient's output buffer; a buffer is written when its
 * socket is writable (OP_WRITE is set only while the buffer holds data), and a recipient whose
 * buffer would exceed {@link #MAX_OUTPUT}, or the JVM's direct memory, is dropped.
 *
 * <pre>
 * java -cp CLASSPATH pekkochat.bench.CeilingServer [--host 127.0.0.1] [--port 12000]
 * </pre>
 *
 * prints {@code ceiling: listening on HOST:PORT} when it is ready ({@code --port 0} picks a free
 * port) and runs until it is killed.
 */
public final class CeilingServer implements AutoCloseable {

  static final byte TEXT = 0x01;
  static final byte JOIN = 0x03;
  static final byte LEAVE = 0x04;
  static final byte ERROR = 0x05;
  static final String WELCOME = "Welcome! Type /help for commands.";
  static final String LOBBY = "#lobby";
  private static final Pattern ROOM_NAME = Pattern.compile("#[A-Za-z0-9_-]{1,32}");

  /** Largest frame length (type byte + payload) accepted: the real server's 64 KiB payload limit. */
  static final int MAX_FRAME = 64 * 1024 + 1;
  /** Output a slow recipient may have pending before it is dropped. */
  static final int MAX_OUTPUT = 64 << 20;
  private static final int INITIAL_OUTPUT = 64 * 1024;
  private static final byte[] SEPARATOR = "::".getBytes(StandardCharsets.UTF_8);

  private final Selector selector;
  private final ServerSocketChannel listener;
  private final Map<String, Room> rooms = new HashMap<>(); // by lower-cased name
  private final Room lobby = new Room(LOBBY);
  private final List<Connection> dirty = new ArrayList<>();
  private final List<Connection> doomed = new ArrayList<>();
  // Buffers of closed connections, for the next ones: direct memory is freed only by a GC, which
  // this server, allocating nothing as it relays, would otherwise rarely run.
  private final ArrayDeque<ByteBuffer> freeIn = new ArrayDeque<>();
  private final ArrayDeque<ByteBuffer> freeOut = new ArrayDeque<>();
  /** One broadcast, encoded once, then copied to every recipient. */
  private ByteBuffer frame = ByteBuffer.allocateDirect(MAX_FRAME + 4 + 256);
  private volatile boolean running = true;
  /** Marks the recipients of a LEAVE notice, so that one in several of the leaver's rooms gets it once. */
  private long noticeRound;

  /** A room and its members, in the order they joined. */
  private static final class Room {
    final String name;
    final List<Connection> members = new ArrayList<>();

    Room(String name) {
      this.name = name;
    }
  }

  /** One client: its socket, a read buffer, its pending output and, once joined, its name. */
  private static final class Connection {
    final SocketChannel channel;
    final SelectionKey key;
    final ByteBuffer in;
    ByteBuffer out; // write mode: pending data in [0, position)
    byte[] name; // UTF-8, null until joined
    final List<Room> rooms = new ArrayList<>(2);
    Room active; // where its lines go; null if it has left every room
    long noticeRound;
    boolean dirty;
    boolean doomed;
    boolean closed;

    Connection(SocketChannel channel, SelectionKey key, ByteBuffer in, ByteBuffer out) {
      this.channel = channel;
      this.key = key;
      this.in = in;
      this.out = out;
    }
  }

  private CeilingServer(Selector selector, ServerSocketChannel listener) {
    this.selector = selector;
    this.listener = listener;
    rooms.put(key(LOBBY), lobby);
  }

  /** Binds (port 0: a free port); {@link #run()} then serves on the calling thread. */
  static CeilingServer bind(InetSocketAddress address) throws IOException {
    Selector selector = Selector.open();
    ServerSocketChannel listener = ServerSocketChannel.open();
    try {
      listener.bind(address, 1024);
      listener.configureBlocking(false);
      listener.register(selector, SelectionKey.OP_ACCEPT);
    } catch (IOException e) {
      listener.close();
      selector.close();
      throw e;
    }
    return new CeilingServer(selector, listener);
  }

  public static void main(String[] args) throws IOException {
    String host = "127.0.0.1";
    int port = 12000;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--host" -> host = args[++i];
        case "--port" -> port = Integer.parseInt(args[++i]);
        default -> {
          System.err.println("usage: CeilingServer [--host HOST] [--port PORT]");
          System.exit(2);
        }
      }
    }
    CeilingServer server = bind(new InetSocketAddress(host, port));
    System.out.println("ceiling: listening on " + host + ":" + server.port());
    System.out.flush();
    server.run();
  }

  int port() {
    return listener.socket().getLocalPort();
  }

  /** Serves until {@link #close()}. */
  void run() throws IOException {
    try {
      while (running) {
        selector.select();
        for (SelectionKey key : selector.selectedKeys()) {
          if (!key.isValid()) {
            continue;
          }
          if (key.isAcceptable()) {
            accept();
            continue;
          }
          Connection c = (Connection) key.attachment();
          if (key.isReadable()) {
            read(c);
          }
          if (!c.closed && key.isValid() && key.isWritable()) {
            flush(c);
          }
        }
        selector.selectedKeys().clear();
        do {
          // Drop the recipients that overflowed (their LEAVE notices may overflow others), then
          // write what this round produced, one write per recipient.
          for (int i = 0; i < doomed.size(); i++) {
            drop(doomed.get(i));
          }
          doomed.clear();
          for (int i = 0; i < dirty.size(); i++) { // a failed write drops one and adds LEAVEs
            Connection c = dirty.get(i);
            c.dirty = false;
            if (!c.closed) {
              flush(c);
            }
          }
          dirty.clear();
        } while (!doomed.isEmpty());
      }
    } catch (ClosedSelectorException e) {
      // closed by close()
    } finally {
      closeAll();
    }
  }

  private void accept() throws IOException {
    SocketChannel channel;
    while ((channel = listener.accept()) != null) {
      channel.configureBlocking(false);
      channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      SelectionKey key = channel.register(selector, SelectionKey.OP_READ);
      ByteBuffer in = freeIn.isEmpty() ? ByteBuffer.allocateDirect(MAX_FRAME + 4 + 64 * 1024) : freeIn.pop();
      ByteBuffer out = freeOut.isEmpty() ? ByteBuffer.allocateDirect(INITIAL_OUTPUT) : freeOut.pop();
      key.attach(new Connection(channel, key, in, out));
    }
  }

  private void read(Connection c) {
    int n;
    try {
      n = c.channel.read(c.in);
    } catch (IOException e) {
      n = -1;
    }
    if (n < 0) {
      drop(c);
      return;
    }
    ByteBuffer in = c.in.flip();
    int end = in.limit();
    while (end - in.position() >= 4) {
      int start = in.position();
      int length = in.getInt(start); // type byte + payload
      if (length < 1 || length > MAX_FRAME) {
        drop(c); // not this protocol
        return;
      }
      int next = start + 4 + length;
      if (next > end) {
        break; // the rest of the frame has not arrived yet
      }
      byte type = in.get(start + 4);
      in.limit(next).position(start + 5); // just the payload
      if (c.name == null) {
        if (type == JOIN) {
          join(c, in);
        }
      } else if (type == TEXT) {
        text(c, in);
      }
      in.limit(end).position(next);
    }
    in.compact();
  }

  private void join(Connection c, ByteBuffer payload) {
    byte[] name = new byte[payload.remaining()];
    payload.get(name);
    c.name = name;
    enter(c, lobby);
    send(c, TEXT, WELCOME.getBytes(StandardCharsets.UTF_8));
    byte[] notice = (new String(name, StandardCharsets.UTF_8) + " joined the chat.").getBytes(StandardCharsets.UTF_8);
    broadcast(c, lobby.members, JOIN, null, ByteBuffer.wrap(notice));
  }

  /** A chat line for the active room, or {@code /join} and {@code /part} (only lines starting with '/' are decoded). */
  private void text(Connection c, ByteBuffer payload) {
    if (payload.hasRemaining() && payload.get(payload.position()) == '/') {
      String line = StandardCharsets.UTF_8.decode(payload.duplicate()).toString().strip();
      String[] words = line.split("\\s+", 2);
      String command = words[0].toLowerCase(Locale.ROOT);
      if (command.equals("/join") || command.equals("/part")) {
        String room = words.length > 1 ? words[1].strip() : "";
        if (!ROOM_NAME.matcher(room).matches()) {
          send(c, ERROR, ("Invalid room name: '" + room + "'.").getBytes(StandardCharsets.UTF_8));
        } else if (command.equals("/join")) {
          Room r = rooms.computeIfAbsent(key(room), k -> new Room(room));
          enter(c, r);
          c.active = r;
        } else {
          Room r = rooms.get(key(room));
          if (r != null) {
            leave(c, r);
          }
        }
        return;
      }
    }
    if (c.active != null) {
      broadcast(c, c.active.members, TEXT, c.name, payload);
    }
  }

  private static String key(String room) {
    return room.toLowerCase(Locale.ROOT);
  }

  private static void enter(Connection c, Room r) {
    if (!c.rooms.contains(r)) {
      c.rooms.add(r);
      r.members.add(c);
    }
    if (c.active == null) {
      c.active = r;
    }
  }

  private void leave(Connection c, Room r) {
    if (!c.rooms.remove(r)) {
      return;
    }
    r.members.remove(c);
    if (r.members.isEmpty() && r != lobby) {
      rooms.remove(key(r.name));
    }
    if (c.active == r) {
      c.active = c.rooms.isEmpty() ? null : c.rooms.get(c.rooms.size() - 1);
    }
  }

  private void send(Connection to, byte type, byte[] payload) {
    frame.clear();
    frame.putInt(1 + payload.length).put(type).put(payload).flip();
    append(to, frame);
  }

  /** Encodes {@code [prefix::]payload} once and appends it to every connection of {@code to} but {@code from}. */
  private void broadcast(Connection from, List<Connection> members, byte type, byte[] prefix, ByteBuffer payload) {
    encode(type, prefix, payload);
    for (int i = 0; i < members.size(); i++) {
      Connection to = members.get(i);
      if (to != from) {
        append(to, frame);
        frame.rewind();
      }
    }
  }

  /** Puts {@code [prefix::]payload} as one frame into {@link #frame}, ready to be copied. */
  private void encode(byte type, byte[] prefix, ByteBuffer payload) {
    int length = 1 + payload.remaining() + (prefix == null ? 0 : prefix.length + SEPARATOR.length);
    if (frame.capacity() < 4 + length) {
      frame = ByteBuffer.allocateDirect(4 + length);
    }
    frame.clear();
    frame.putInt(length).put(type);
    if (prefix != null) {
      frame.put(prefix).put(SEPARATOR);
    }
    frame.put(payload).flip();
  }

  private void append(Connection to, ByteBuffer encoded) {
    if (to.doomed) {
      return;
    }
    if (to.out.remaining() < encoded.remaining()) {
      int needed = to.out.position() + encoded.remaining();
      int capacity = to.out.capacity();
      while (capacity < needed) {
        capacity *= 2;
      }
      ByteBuffer bigger = null;
      if (needed <= MAX_OUTPUT) {
        try {
          bigger = ByteBuffer.allocateDirect(Math.min(capacity, MAX_OUTPUT));
        } catch (OutOfMemoryError e) {
          // the JVM's direct memory (-XX:MaxDirectMemorySize, by default -Xmx) is used up
        }
      }
      if (bigger == null) {
        // A recipient that does not keep up is cut off, like a slow reader in the real server:
        // after this round, since a broadcast is in progress.
        to.doomed = true;
        doomed.add(to);
        return;
      }
      bigger.put(to.out.flip());
      to.out = bigger;
    }
    to.out.put(encoded);
    if (!to.dirty) {
      to.dirty = true;
      dirty.add(to);
    }
  }

  /** Writes as much pending output as the socket takes; OP_WRITE stays set only while some is left. */
  private void flush(Connection c) {
    if (c.out.position() == 0) {
      return;
    }
    try {
      c.channel.write(c.out.flip());
    } catch (IOException e) {
      c.out.clear();
      drop(c);
      return;
    }
    c.out.compact();
    int ops = c.out.position() > 0 ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ;
    if (c.key.interestOps() != ops) {
      c.key.interestOps(ops);
    }
  }

  private void drop(Connection c) {
    if (c.closed) {
      return;
    }
    c.closed = true;
    c.key.cancel();
    try {
      c.channel.close();
    } catch (IOException e) {
      // already gone
    }
    freeIn.push(c.in.clear());
    if (c.out.capacity() == INITIAL_OUTPUT) {
      freeOut.push(c.out.clear());
    }
    if (c.name != null && !c.rooms.isEmpty()) {
      byte[] notice = (new String(c.name, StandardCharsets.UTF_8) + " left the chat.").getBytes(StandardCharsets.UTF_8);
      encode(LEAVE, null, ByteBuffer.wrap(notice));
      long round = ++noticeRound;
      c.noticeRound = round;
      for (Room r : List.copyOf(c.rooms)) {
        for (int i = 0; i < r.members.size(); i++) {
          Connection to = r.members.get(i);
          if (to.noticeRound != round) {
            to.noticeRound = round;
            append(to, frame);
            frame.rewind();
          }
        }
        leave(c, r);
      }
    }
  }

  private void closeAll() {
    for (SelectionKey key : selector.keys()) {
      try {
        key.channel().close();
      } catch (IOException e) {
        // best effort
      }
    }
    try {
      selector.close();
    } catch (IOException e) {
      // best effort
    }
  }

  /** Stops {@link #run()} (from another thread) and closes every socket. */
  @Override
  public void close() {
    running = false;
    selector.wakeup();
  }
}
