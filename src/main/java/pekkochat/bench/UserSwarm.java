package pekkochat.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * Many chat users on non-blocking sockets, all served by one thread and one {@link Selector}: no
 * thread per connection. The swarm connects its users (at most {@code concurrency} JOINs in
 * flight, optionally paced at {@code joinRate} per second), JOINs each under its own name, and from
 * then on reads everything the server sends every user, counting frames without keeping them
 * (see {@link FrameCounter}). It must read it all: a user that stops reading would rightly be cut
 * off by the server's slow-reader protection.
 *
 * <p>It is driven by the commands of {@link WorkerProtocol} and reports in its lines, through
 * {@code out}, always from the swarm's own thread.
 */
final class UserSwarm implements Runnable {

  private static final long PROGRESS_NANOS = 250_000_000L;
  private static final int READS_PER_KEY = 8;

  /** One user: its connection and what it has received. */
  private final class User implements FrameCounter.Listener {
    final int index;
    final String name;
    final InetAddress source;
    final FrameCounter counter = new FrameCounter();
    SocketChannel channel;
    long connectStarted;
    long welcomed;
    long broadcastArrived;
    boolean closed;

    User(int index, String name, InetAddress source) {
      this.index = index;
      this.name = name;
      this.source = source;
    }

    @Override
    public void frame(int type, String text) throws IOException {
      switch (type) {
        case ChatPeer.JOIN -> {
          joinNotices++;
          lastNotice = batchNanos;
        }
        case ChatPeer.LEAVE -> leaveNotices++;
        case ChatPeer.TEXT -> onText(text);
        case ChatPeer.ERROR -> {
          if (!closingExpected) {
            throw new SwarmFailure(name + " got an ERROR from the server: " + text);
          }
        }
        default -> {
          if (!closingExpected) {
            throw new SwarmFailure(name + " got an unexpected " + ChatPeer.typeName(type) + " frame: " + text);
          }
        }
      }
    }

    private void onText(String text) throws SwarmFailure {
      if (welcomed == 0) {
        if (!text.startsWith("Welcome")) {
          throw new SwarmFailure(name + " got a TEXT before its welcome: " + text);
        }
        welcomed = batchNanos;
        welcomedCount++;
      } else if (text.equals(expectedBroadcast) && broadcastArrived == 0 && index != 0) {
        broadcastArrived = batchNanos;
        broadcastCount++;
      } else if (!closingExpected) {
        throw new SwarmFailure(name + " got an unexpected TEXT: " + text);
      }
    }
  }

  /** Ends the swarm with a reason for the coordinator. */
  static final class SwarmFailure extends IOException {
    SwarmFailure(String message) {
      super(message);
    }
  }

  private final WorkerProtocol.Spec spec;
  private final Consumer<String> out;
  private final InetSocketAddress server;
  private final User[] users;
  private final String expectedBroadcast;
  private final ConcurrentLinkedQueue<String> commands = new ConcurrentLinkedQueue<>();
  private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(256 * 1024);
  private final Selector selector;
  private final Thread thread;

  // State of the swarm thread only.
  private boolean joining;
  private long joinStarted;
  private int nextToStart;
  private int welcomedCount;
  private boolean joinedReported;
  private long joinNotices;
  private long leaveNotices;
  private long lastNotice;
  private int broadcastCount;
  private boolean broadcastAwaited;
  private boolean broadcastReported;
  private boolean closingExpected;
  private int closedCount;
  private long batchNanos;
  private long nextProgress;
  private String lastProgress = "";
  private volatile boolean running = true;

  UserSwarm(WorkerProtocol.Spec spec, Consumer<String> out) throws IOException {
    this.spec = spec;
    this.out = out;
    this.server = new InetSocketAddress(InetAddress.getByName(spec.host()), spec.port());
    this.users = new User[spec.users()];
    LoopbackAddresses addresses = spec.usersPerAddress() > 0 ? new LoopbackAddresses(spec.usersPerAddress()) : null;
    for (int i = 0; i < users.length; i++) {
      int global = spec.firstUser() + i;
      users[i] = new User(global, WorkerProtocol.userName(global),
          addresses != null ? addresses.addressForUser(global) : null);
    }
    this.expectedBroadcast = WorkerProtocol.userName(0) + "::" + WorkerProtocol.BROADCAST_TEXT;
    this.selector = Selector.open();
    this.thread = new Thread(this, "bench-swarm-" + spec.worker());
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /** Queues a command of {@link WorkerProtocol} for the swarm thread. */
  void command(String line) {
    commands.add(line);
    selector.wakeup();
  }

  /** Waits up to {@code millis} for the swarm thread to end. */
  boolean awaitEnd(long millis) throws InterruptedException {
    thread.join(millis);
    return !thread.isAlive();
  }

  @Override
  public void run() {
    try {
      while (running) {
        drainCommands();
        if (!running) {
          break;
        }
        startDueConnections();
        selector.select(selectTimeoutMillis());
        handleSelected();
        milestones();
      }
    } catch (IOException | RuntimeException e) {
      String reason = e instanceof SwarmFailure ? e.getMessage() : e.toString();
      out.accept(WorkerProtocol.FAIL + " " + oneLine(reason));
    } finally {
      closeAll();
    }
  }

  private void drainCommands() throws IOException {
    String c;
    while ((c = commands.poll()) != null) {
      switch (c) {
        case WorkerProtocol.JOIN -> {
          joining = true;
          joinStarted = System.nanoTime();
        }
        case WorkerProtocol.AWAIT_BROADCAST -> broadcastAwaited = true;
        case WorkerProtocol.BROADCAST -> broadcast();
        case WorkerProtocol.EXPECT_EOF -> closingExpected = true;
        case WorkerProtocol.CLOSE -> {
          closingExpected = true;
          closeAll();
          reportProgress(true);
          out.accept(WorkerProtocol.CLOSED);
          running = false;
          return;
        }
        default -> throw new SwarmFailure("unknown command '" + c + "'");
      }
    }
  }

  // --- joining ------------------------------------------------------------------------------

  private void startDueConnections() throws IOException {
    if (!joining) {
      return;
    }
    long now = System.nanoTime();
    while (nextToStart < users.length
        && nextToStart - welcomedCount < spec.concurrency()
        && (spec.joinRate() <= 0 || now >= dueTime(nextToStart))) {
      connect(users[nextToStart++], now);
    }
  }

  private long dueTime(int i) {
    return joinStarted + (long) (i * 1e9 / spec.joinRate());
  }

  private long selectTimeoutMillis() {
    long millis = 50;
    if (joining && spec.joinRate() > 0 && nextToStart < users.length) {
      long wait = dueTime(nextToStart) - System.nanoTime();
      millis = Math.max(1, Math.min(millis, wait / 1_000_000));
    }
    return millis;
  }

  private void connect(User u, long now) throws IOException {
    SocketChannel ch = SocketChannel.open();
    u.channel = ch;
    u.connectStarted = now;
    try {
      ch.configureBlocking(false);
      ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
      if (u.source != null) {
        ch.bind(new InetSocketAddress(u.source, 0));
      }
      if (ch.connect(server)) {
        ch.register(selector, SelectionKey.OP_READ, u);
        sendJoin(u);
      } else {
        ch.register(selector, SelectionKey.OP_CONNECT, u);
      }
    } catch (IOException e) {
      throw new SwarmFailure(u.name + ": cannot connect to " + server + from(u) + ": " + e);
    }
  }

  private static String from(User u) {
    return u.source != null ? " from " + u.source.getHostAddress() : "";
  }

  private void sendJoin(User u) throws IOException {
    write(u, frame(ChatPeer.JOIN, u.name));
  }

  private static ByteBuffer frame(int type, String text) {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(5 + payload.length).putInt(1 + payload.length).put((byte) type).put(payload).flip();
  }

  /** Writes a small frame; a fresh or idle socket's send buffer always takes it whole. */
  private static void write(User u, ByteBuffer frame) throws IOException {
    int n = frame.remaining();
    int written = u.channel.write(frame);
    if (written != n) {
      throw new SwarmFailure(u.name + ": the socket took " + written + " of " + n + " bytes of a small frame");
    }
  }

  // --- reading ------------------------------------------------------------------------------

  private void handleSelected() throws IOException {
    Iterator<SelectionKey> it = selector.selectedKeys().iterator();
    while (it.hasNext()) {
      SelectionKey key = it.next();
      it.remove();
      User u = (User) key.attachment();
      if (!key.isValid()) {
        continue;
      }
      if (key.isConnectable()) {
        try {
          u.channel.finishConnect();
        } catch (IOException e) {
          throw new SwarmFailure(u.name + ": cannot connect to " + server + from(u) + ": " + e);
        }
        key.interestOps(SelectionKey.OP_READ);
        sendJoin(u);
      } else if (key.isReadable()) {
        read(u, key);
      }
    }
  }

  private void read(User u, SelectionKey key) throws IOException {
    for (int i = 0; i < READS_PER_KEY; i++) {
      readBuffer.clear();
      int n;
      try {
        n = u.channel.read(readBuffer);
      } catch (IOException e) {
        ended(u, key, e.toString());
        return;
      }
      if (n < 0) {
        ended(u, key, "end of stream");
        return;
      }
      if (n == 0) {
        return;
      }
      batchNanos = System.nanoTime();
      readBuffer.flip();
      try {
        u.counter.feed(readBuffer, u);
      } catch (SwarmFailure e) {
        throw e;
      } catch (IOException e) {
        throw new SwarmFailure(u.name + ": " + e.getMessage());
      }
      if (n < readBuffer.capacity()) {
        return;
      }
    }
  }

  private void ended(User u, SelectionKey key, String how) throws IOException {
    key.cancel();
    u.channel.close();
    u.closed = true;
    closedCount++;
    if (!closingExpected) {
      throw new SwarmFailure("the server closed " + u.name + "'s connection (" + how + ") after "
          + u.counter.frames() + " frame(s), " + (u.welcomed != 0 ? "after" : "before") + " its welcome");
    }
  }

  // --- broadcast ----------------------------------------------------------------------------

  private void broadcast() throws IOException {
    if (users.length == 0 || users[0].index != 0) {
      throw new SwarmFailure("asked to broadcast, but this worker does not hold " + WorkerProtocol.userName(0));
    }
    ByteBuffer f = frame(ChatPeer.TEXT, WorkerProtocol.BROADCAST_TEXT);
    long sent = System.nanoTime();
    write(users[0], f);
    out.accept(WorkerProtocol.SENT + " " + sent);
  }

  private int expectedBroadcastArrivals() {
    return users.length - (users.length > 0 && users[0].index == 0 ? 1 : 0);
  }

  // --- reports ------------------------------------------------------------------------------

  private void milestones() {
    if (!joinedReported && welcomedCount == users.length && joining) {
      joinedReported = true;
      reportProgress(true);
      long first = Long.MAX_VALUE;
      long last = 0;
      StringBuilder latencies = new StringBuilder(WorkerProtocol.JOINED);
      for (User u : users) {
        first = Math.min(first, u.connectStarted);
        last = Math.max(last, u.welcomed);
      }
      latencies.append(' ').append(first).append(' ').append(last);
      for (User u : users) {
        latencies.append(' ').append((u.welcomed - u.connectStarted) / 1000);
      }
      out.accept(latencies.toString());
    }
    if (broadcastAwaited && !broadcastReported && broadcastCount == expectedBroadcastArrivals()) {
      broadcastReported = true;
      StringBuilder b = new StringBuilder(WorkerProtocol.ARRIVED);
      for (User u : users) {
        if (u.index != 0) {
          b.append(' ').append(u.broadcastArrived);
        }
      }
      out.accept(b.toString());
    }
    reportProgress(false);
  }

  private void reportProgress(boolean force) {
    long now = System.nanoTime();
    if (!force && now < nextProgress) {
      return;
    }
    nextProgress = now + PROGRESS_NANOS;
    String line = String.format(Locale.ROOT, "%s %d %d %d %d %d %d", WorkerProtocol.PROGRESS,
        nextToStart, welcomedCount, joinNotices, leaveNotices, lastNotice, closedCount);
    if (force || !line.equals(lastProgress)) {
      lastProgress = line;
      out.accept(line);
    }
  }

  private void closeAll() {
    for (User u : users) {
      if (u.channel != null && !u.closed) {
        try {
          u.channel.close();
        } catch (IOException e) {
          // closing anyway
        }
        u.closed = true;
      }
    }
    try {
      selector.close();
    } catch (IOException e) {
      // nothing to do
    }
  }

  private static String oneLine(String s) {
    return s.replace('\n', ' ').replace('\r', ' ');
  }
}
