package pekkochat.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * One fan-out measurement: {@code users} connections join one room, the first {@code senders} of
 * them send chat lines on a fixed schedule, and every connection counts the lines relayed to it and
 * records their latency.
 *
 * <p>With {@code roomSize > 0} ({@code bench rooms}) the users are split into rooms of that many
 * instead: after its welcome each user sends TEXT {@code /join #<names>r<room>} and {@code /part
 * #lobby}, and a line is expected at the other members of its sender's room only. The senders are
 * then taken from every room in turn (sender {@code j} is member {@code j / rooms} of room {@code j
 * mod rooms}), so that consecutive lines go to different rooms. What the server says to the room
 * commands is not known in advance: every TEXT that is not a bench line, every JOIN and LEAVE notice
 * and every ERROR after the welcome is only counted (an ERROR's text is kept for the report), and
 * the measurement fails as soon as a user receives a line from another room (a server without
 * rooms), and if more lines arrived than the rooms sent.
 *
 * <p>The schedule: line {@code k} is due at {@code t0 + k / rate} and goes out on sender {@code k
 * mod senders}. Each line carries its due time, and latency is measured from it, not from when the
 * line was actually written: a send delayed by a slow server (or by the bench) counts as latency
 * instead of being left out (no coordinated omission). Lines due during the warm-up are relayed
 * and counted as delivered but not measured; lines due in the measured window are expected at
 * every other user (users − 1 deliveries each), and after the window the run waits up to
 * {@code drain} for stragglers.
 *
 * <p>Threads: the caller's (joins, then watches the clock, the counters and the {@link Watchdog});
 * one pacer that writes every sender's lines from its own buffer (non-blocking; what the socket
 * does not take waits in the buffer, so the schedule never waits for the server); and {@code
 * readers} selector threads that read and parse every connection's frames in place, one clock
 * reading per read.
 */
final class FanoutLoad {

  /**
   * What to run.
   *
   * @param names prefix of the user names ({@code <names>u1} ...) and room names, unique per run
   * @param linesPerSecond offered lines per second, all senders together
   * @param readers threads reading the connections
   * @param roomSize users per room, dividing {@code users}; 0: all in one room, no room commands
   */
  record Params(String host, int port, String names, int users, int senders, double linesPerSecond,
      Duration warmup, Duration duration, Duration drain, int lineBytes, int readers, int roomSize) {

    Params {
      if (users < 2 || senders < 1 || senders > users || linesPerSecond <= 0 || readers < 1
          || lineBytes < LineFormat.HEADER_BYTES || duration.isNegative() || duration.isZero()
          || warmup.isNegative() || drain.isNegative()
          || (roomSize != 0 && (roomSize < 2 || users % roomSize != 0))) {
        throw new IllegalArgumentException("fanout: invalid parameters " + this);
      }
    }

    /** Everyone in one room, as {@code bench fanout} has it. */
    Params(String host, int port, String names, int users, int senders, double linesPerSecond,
        Duration warmup, Duration duration, Duration drain, int lineBytes, int readers) {
      this(host, port, names, users, senders, linesPerSecond, warmup, duration, drain, lineBytes, readers, 0);
    }

    boolean inRooms() {
      return roomSize > 0;
    }

    int rooms() {
      return inRooms() ? users / roomSize : 1;
    }

    /** Users each line is relayed to: the others of its sender's room. */
    int recipients() {
      return (inRooms() ? roomSize : users) - 1;
    }

    double deliveriesPerSecond() {
      return linesPerSecond * recipients();
    }

    /** The room of user {@code i} (from 0) when {@link #inRooms()}. */
    String roomName(int i) {
      return "#" + names + "r" + (i / roomSize + 1);
    }

    /** The user (from 0) that sends as sender {@code j}: in rooms, every room's in turn. */
    int sender(int j) {
      return inRooms() ? (j % rooms()) * roomSize + j / rooms() : j;
    }

    /**
     * Read buffer per connection: room for the largest frame expected. Large with one room (the
     * fan-out bench reads much per connection), small in rooms, where there are many connections.
     */
    int readBufferBytes() {
      return inRooms() ? Math.max(8 << 10, LineFormat.frameBytes(lineBytes) + 1024) : 128 * 1024;
    }
  }

  /**
   * What one run measured, over the measured window.
   *
   * @param lines lines due in the window (offered)
   * @param expected lines × (users − 1)
   * @param delivered relays of those lines that arrived (in the window or during the drain)
   * @param stragglers of {@code delivered}, those that arrived after the window
   * @param receivedInWindow relays of any bench line that arrived within the window
   * @param unsent lines the bench could not even queue (its buffer for that sender was full)
   * @param maxBacklogBytes most bytes waiting in the bench's buffers for the senders' sockets
   * @param otherFrames frames that were neither bench lines nor the welcome (notices; in rooms,
   *     LEAVE and ERROR frames too)
   * @param errors ERROR frames after the welcome, in rooms (elsewhere they fail the run)
   * @param firstError the text of the first of them, or null
   * @param latency nanoseconds from due time to arrival, of the {@code delivered} relays
   * @param serverCpuSeconds user + system CPU of the server process in the window, NaN if unknown
   * @param benchCpuSeconds the same for this JVM
   * @param machine the whole machine's CPU time in the window, null where /proc/stat is missing
   * @param otherCpuSeconds user + system CPU of every other process in the window (NaN: unknown,
   *     as for a server not started by the bench)
   */
  record Outcome(Params params, long lines, long expected, long delivered, long stragglers,
      long receivedInWindow, long unsent, long maxBacklogBytes, long otherFrames, long errors,
      String firstError, Histogram latency, double serverCpuSeconds, double benchCpuSeconds, Machine.CpuTimes machine, double otherCpuSeconds) {

    double seconds() {
      return params.duration().toNanos() / 1e9;
    }

    /** Deliveries that arrived per second during the window. */
    double achievedDeliveriesPerSecond() {
      return receivedInWindow / seconds();
    }

    double deliveredFraction() {
      return expected == 0 ? 1 : (double) delivered / expected;
    }

    /** A latency percentile in milliseconds (NaN if nothing was recorded). */
    double percentileMillis(double percentile) {
      return latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(percentile) / 1e6;
    }

    double maxMillis() {
      return latency.getTotalCount() == 0 ? Double.NaN : latency.getMaxValue() / 1e6;
    }

  }

  /** All senders' buffers together; each gets its share, within [8 KiB, 4 MiB] (and one line at least). */
  private static final int SEND_BUFFERS = 16 << 20;
  private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
  private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

  private final Params params;
  private final Watchdog watchdog;
  private final ServerProcess server;
  private final List<Peer> peers = new ArrayList<>();
  private final List<Reader> readers = new ArrayList<>();
  private Pacer pacer;

  // The measured window, in System.nanoTime(); set before the pacer starts, read by the readers.
  private volatile long windowStart = Long.MAX_VALUE;
  private volatile long windowEnd = Long.MAX_VALUE;

  private FanoutLoad(Params params, Watchdog watchdog, ServerProcess server) {
    this.params = params;
    this.watchdog = watchdog;
    this.server = server;
  }

  /**
   * Runs one measurement. Failures (the server refusing a JOIN, sending an ERROR, closing a
   * connection, a stall) end it with a {@link BenchFailure}; every socket and thread is released
   * either way.
   *
   * @param server the server's process, for its CPU time; null if unknown (external, in-process)
   */
  static Outcome run(Params params, Watchdog watchdog, ServerProcess server)
      throws BenchFailure, InterruptedException {
    FanoutLoad load = new FanoutLoad(params, watchdog, server);
    watchdog.onAbort(load::closeSockets); // wakes every thread blocked on a socket
    try {
      return load.run();
    } finally {
      load.stopThreads();
      load.closeSockets();
      load.closeSelectors();
    }
  }

  private Outcome run() throws BenchFailure, InterruptedException {
    startReaders();
    join();
    if (params.inRooms()) {
      // What the server tells about room changes is its own: the warm-up lets the rooms settle.
      watchdog.progress();
    } else {
      awaitJoinNotices();
    }

    // The schedule, and the measured window within it (after the pacer's buffers are allocated:
    // that may wait for a GC to free direct memory).
    pacer = new Pacer();
    long t0 = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
    long start = t0 + params.warmup().toNanos();
    long end = start + params.duration().toNanos();
    pacer.schedule(t0, start, end);
    windowStart = start;
    windowEnd = end;
    Thread pacerThread = new Thread(pacer, "bench-fanout-pacer");
    pacerThread.setDaemon(true);
    pacer.thread = pacerThread;
    watchdog.phase("sending (warm-up " + seconds(params.warmup()) + " s, then " + seconds(params.duration())
        + " s measured)");
    watchdog.status(this::status);
    pacerThread.start();

    Set<Long> ours = server == null ? Set.of(ProcessHandle.current().pid())
        : Set.of(ProcessHandle.current().pid(), server.pid());
    waitUntil(start);
    Map<Long, Long> others0 = Machine.processTicks(ours);
    Machine.CpuTimes machine0 = Machine.cpuTimes();
    Duration serverCpu0 = serverCpu();
    Duration benchCpu0 = cpu(ProcessHandle.current().pid());
    waitUntil(end);
    Map<Long, Long> others1 = Machine.processTicks(ours);
    Machine.CpuTimes machine1 = Machine.cpuTimes();
    Duration serverCpu1 = serverCpu();
    Duration benchCpu1 = cpu(ProcessHandle.current().pid());

    // Drain: until every expected relay has arrived, or the drain period is over.
    watchdog.phase("draining");
    long drainEnd = end + params.drain().toNanos();
    while (true) {
      watchdog.throwIfFailed();
      if (pacer.scheduleDone && measuredDelivered() >= pacer.measuredLines * (long) params.recipients()) {
        break;
      }
      long now = System.nanoTime();
      if (now >= drainEnd) {
        break;
      }
      sleepAndWatch(Math.min(POLL_NANOS / 5, drainEnd - now));
    }
    stopThreads();
    watchdog.throwIfFailed();

    Histogram latency = new Histogram(3);
    long delivered = 0;
    long stragglers = 0;
    long inWindow = 0;
    long other = 0;
    long errors = 0;
    for (Reader r : readers) {
      latency.add(r.histogram);
      delivered += r.measured;
      stragglers += r.stragglers;
      inWindow += r.inWindow;
      other += r.otherFrames;
      errors += r.errors;
    }
    long expected = pacer.measuredLines * params.recipients();
    String firstError = peers.stream().map(p -> p.firstError).filter(e -> e != null).findFirst().orElse(null);
    if (delivered > expected) {
      throw new BenchFailure(String.format(Locale.ROOT, "%d relays of the measured lines arrived, more than the %d "
          + "expected: users received lines from outside their room (does the server know /join?)%s", delivered,
          expected, firstError == null ? "" : "; the first ERROR it sent: " + firstError));
    }
    return new Outcome(params, pacer.measuredLines, expected, delivered,
        stragglers, inWindow, pacer.unsent, pacer.maxBacklog, other, errors, firstError, latency,
        serverCpu0 == null ? Double.NaN : seconds(serverCpu1.minus(serverCpu0)),
        seconds(benchCpu1.minus(benchCpu0)),
        machine0 == null || machine1 == null ? null : machine1.minus(machine0),
        // Unknown for a server not started here: it would count as "other".
        server == null || others1.isEmpty() ? Double.NaN : Machine.otherCpuSeconds(others0, others1));
  }

  /**
   * Connects and joins every user in turn, each waiting for its welcome (blocking socket), then
   * sending its room commands; then its connection goes to a reader, so that what the server sends
   * it while the others join is read at once.
   */
  private void join() throws BenchFailure, InterruptedException {
    InetSocketAddress address = new InetSocketAddress(params.host(), params.port());
    for (int i = 0; i < params.users(); i++) {
      String name = params.names() + "u" + (i + 1);
      watchdog.phase("joining " + name + " (" + (i + 1) + " of " + params.users() + ")");
      try {
        SocketChannel channel = SocketChannel.open();
        Peer peer = new Peer(i, name, channel);
        synchronized (peers) {
          peers.add(peer);
        }
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        channel.socket().connect(address, CONNECT_TIMEOUT_MILLIS);
        byte[] payload = name.getBytes(StandardCharsets.UTF_8);
        ByteBuffer join = ByteBuffer.allocate(5 + payload.length)
            .putInt(1 + payload.length).put((byte) ChatPeer.JOIN).put(payload).flip();
        while (join.hasRemaining()) {
          channel.write(join);
        }
        while (!peer.welcomed) {
          if (!peer.read()) {
            throw new IOException("the server closed the connection before the welcome");
          }
          watchdog.throwIfFailed();
        }
        if (params.inRooms()) {
          peer.command("/join " + params.roomName(i));
          peer.command("/part " + CeilingServer.LOBBY);
        }
        hand(peer, readers.get(i % readers.size()));
      } catch (IOException e) {
        watchdog.checkServerAfterIoFailure();
        watchdog.throwIfFailed();
        throw new BenchFailure(name + " could not join " + address + ": " + e.getMessage(), e);
      }
      watchdog.progress();
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
  }

  private void startReaders() throws BenchFailure {
    try {
      for (int i = 0; i < params.readers(); i++) {
        readers.add(new Reader(i));
      }
    } catch (IOException e) {
      throw new BenchFailure("cannot set up the readers: " + e.getMessage(), e);
    }
    for (Reader r : readers) {
      r.thread.start();
    }
  }

  /** From now on {@code reader} reads the joined {@code peer}'s connection (non-blocking). */
  private static void hand(Peer peer, Reader reader) throws IOException {
    peer.channel.configureBlocking(false);
    peer.reader = reader; // published to the reader's thread by the registration
    peer.channel.register(reader.selector, SelectionKey.OP_READ, peer);
  }

  /**
   * Waits until user {@code i} has seen the JOIN notices of everyone who joined after it: then
   * the room has everyone, and every line will be relayed to all.
   */
  private void awaitJoinNotices() throws BenchFailure, InterruptedException {
    watchdog.phase("waiting for every JOIN notice");
    int n = peers.size();
    for (int i = 0; i < n; i++) {
      Peer peer = peers.get(i);
      while (peer.joinNotices < n - 1 - i) {
        watchdog.throwIfFailed();
        Thread.sleep(5);
      }
    }
    watchdog.progress();
  }

  private void waitUntil(long deadline) throws BenchFailure, InterruptedException {
    while (true) {
      watchdog.throwIfFailed();
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return;
      }
      sleepAndWatch(Math.min(left, POLL_NANOS));
    }
  }

  private long lastSeen = -1;

  private void sleepAndWatch(long nanos) throws InterruptedException {
    TimeUnit.NANOSECONDS.sleep(nanos);
    long seen = 0;
    for (Reader r : readers) {
      seen += r.seen;
    }
    if (seen != lastSeen) {
      lastSeen = seen;
      watchdog.progress();
    }
  }

  private long measuredDelivered() {
    long n = 0;
    for (Reader r : readers) {
      n += r.measuredSeen;
    }
    return n;
  }

  private String status() {
    Pacer p = pacer;
    long received = 0;
    for (Reader r : readers) {
      received += r.seen;
    }
    return p == null ? "" : "lines queued " + p.queued + ", relays received " + received
        + ", waiting in the bench's send buffers " + p.backlog + " bytes";
  }

  private Duration serverCpu() {
    return server == null ? null : cpu(server.pid());
  }

  private static Duration cpu(long pid) {
    return ProcessHandle.of(pid).flatMap(h -> h.info().totalCpuDuration()).orElse(Duration.ZERO);
  }

  private static double seconds(Duration d) {
    return d.toNanos() / 1e9;
  }

  private void stopThreads() {
    Pacer p = pacer;
    if (p != null) {
      p.stop = true;
      LockSupport.unpark(p.thread);
    }
    for (Reader r : readers) {
      r.running = false;
      r.selector.wakeup();
    }
    try {
      if (p != null && p.thread != null && p.thread.isAlive()) {
        p.thread.join(5000);
      }
      for (Reader r : readers) {
        if (r.thread.isAlive()) {
          r.thread.join(5000);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void closeSockets() {
    List<Peer> all;
    synchronized (peers) {
      all = new ArrayList<>(peers);
    }
    for (Peer p : all) {
      try {
        p.channel.close();
      } catch (IOException e) {
        // best effort
      }
    }
  }

  /** Only once the readers have stopped: closing a selector under its thread breaks its loop. */
  private void closeSelectors() {
    for (Reader r : readers) {
      try {
        r.selector.close();
      } catch (IOException e) {
        // best effort
      }
    }
  }

  /** One user's connection: its read buffer and what its frames told so far. */
  private final class Peer implements FrameScanner.Handler {
    final int index;
    final String name;
    final SocketChannel channel;
    final ByteBuffer in = ByteBuffer.allocateDirect(params.readBufferBytes());
    volatile Reader reader; // null while joining
    boolean welcomed;
    volatile String firstError; // in rooms: the first ERROR after the welcome
    volatile int joinNotices; // written by one thread at a time: the joining caller, then a reader
    long now; // clock reading of the current read

    Peer(int index, String name, SocketChannel channel) {
      this.index = index;
      this.name = name;
      this.channel = channel;
    }

    /** One read and the frames it completed; false at end of stream. */
    boolean read() throws IOException {
      int n = channel.read(in);
      if (n < 0) {
        return false;
      }
      now = System.nanoTime();
      in.flip();
      try {
        FrameScanner.scan(in, in.capacity() - 4, this);
      } catch (FrameScanner.BadFrame e) {
        throw new IOException(name + " received a bad frame: " + e.getMessage());
      }
      in.compact();
      return true;
    }

    /** Sends a TEXT command while the connection is still blocking (joining). */
    void command(String text) throws IOException {
      byte[] payload = text.getBytes(StandardCharsets.UTF_8);
      ByteBuffer frame = ByteBuffer.allocate(5 + payload.length)
          .putInt(1 + payload.length).put((byte) ChatPeer.TEXT).put(payload).flip();
      while (frame.hasRemaining()) {
        channel.write(frame);
      }
    }

    @Override
    public void frame(int type, ByteBuffer buffer, int offset, int length) {
      switch (type) {
        case ChatPeer.TEXT -> {
          long intended = LineFormat.intendedNanos(buffer, offset, length);
          if (intended != LineFormat.NOT_A_LINE && reader != null) {
            if (params.inRooms() && senderRoom(buffer, offset, length) != index / params.roomSize()) {
              watchdog.fail(name + " (room " + params.roomName(index) + ") received a line from another room: "
                  + text(buffer, offset, Math.min(length, 60)) + "...: does the server know /join?"
                  + (firstError == null ? "" : " (the first ERROR it sent: " + firstError + ")"));
            }
            reader.line(intended, now);
          } else if (!welcomed && text(buffer, offset, length).startsWith("Welcome")) {
            welcomed = true;
          } else if (reader != null) {
            reader.otherFrames++;
          }
        }
        case ChatPeer.JOIN -> {
          joinNotices++;
          if (params.inRooms() && reader != null) {
            reader.otherFrames++;
          }
        }
        case ChatPeer.ERROR -> {
          if (params.inRooms() && welcomed && reader != null) {
            reader.errors++;
            reader.otherFrames++;
            if (firstError == null) {
              firstError = name + ": " + text(buffer, offset, length);
            }
          } else {
            watchdog.fail("the server sent " + name + " an ERROR: " + text(buffer, offset, length));
          }
        }
        case ChatPeer.LEAVE -> {
          if (params.inRooms()) {
            // Someone leaving #lobby for their room, before or after this user's own part.
            if (reader != null) {
              reader.otherFrames++;
            }
          } else {
            watchdog.fail(name + " was told that a user left during the run: " + text(buffer, offset, length));
          }
        }
        default -> {
          if (reader != null) {
            reader.otherFrames++;
          }
        }
      }
    }

    /** The room of the sender of a relayed bench line {@code <names>u<n>::L...}, -1 if it is not one of ours. */
    private int senderRoom(ByteBuffer buffer, int offset, int length) {
      int n = 0;
      int end = offset + length;
      for (int i = offset + params.names().length() + 1; i < end; i++) {
        int b = buffer.get(i);
        if (b < '0' || b > '9') {
          break;
        }
        n = n * 10 + (b - '0');
      }
      return n < 1 || n > params.users() ? -1 : (n - 1) / params.roomSize();
    }

    private String text(ByteBuffer buffer, int offset, int length) {
      byte[] b = new byte[Math.min(length, 1000)];
      buffer.get(offset, b);
      return new String(b, StandardCharsets.UTF_8);
    }
  }

  /** A selector thread reading some of the connections; it alone writes its counters and histogram. */
  private final class Reader implements Runnable {
    final Selector selector;
    final Thread thread;
    final Histogram histogram = new Histogram(3);
    volatile boolean running = true;
    // Counters of this thread; published to the caller through the volatile copies after each round.
    long lines;
    long measured;
    long stragglers;
    long inWindow;
    long otherFrames;
    long errors;
    volatile long seen;
    volatile long measuredSeen;
    private long start;
    private long end;

    Reader(int index) throws IOException {
      this.selector = Selector.open();
      this.thread = new Thread(this, "bench-fanout-reader-" + index);
      this.thread.setDaemon(true);
    }

    void line(long intended, long now) {
      lines++;
      if (now >= start && now < end) {
        inWindow++;
      }
      if (intended >= start && intended < end) {
        measured++;
        histogram.recordValue(Math.max(0, now - intended));
        if (now >= end) {
          stragglers++;
        }
      }
    }

    @Override
    public void run() {
      try {
        while (running) {
          selector.select(100);
          start = windowStart;
          end = windowEnd;
          for (SelectionKey key : selector.selectedKeys()) {
            Peer peer = (Peer) key.attachment();
            boolean open;
            try {
              open = peer.read();
            } catch (IOException e) {
              fail(peer, e.toString());
              return;
            }
            if (!open) {
              fail(peer, "end of stream");
              return;
            }
          }
          selector.selectedKeys().clear();
          seen = lines;
          measuredSeen = measured;
        }
      } catch (IOException | java.nio.channels.ClosedSelectorException e) {
        if (running) {
          watchdog.fail("a reader failed: " + e);
        }
      } finally {
        seen = lines;
        measuredSeen = measured;
      }
    }

    private void fail(Peer peer, String why) {
      if (running) {
        watchdog.checkServerAfterIoFailure();
        watchdog.fail("the server closed " + peer.name + "'s connection (" + why + ")");
      }
    }
  }

  /**
   * Writes every sender's lines on schedule. Each sender has a buffer; a line due now is appended
   * to its buffer and the buffers are written (non-blocking) after each batch of due lines, so a
   * socket the server does not drain delays only that sender's lines, which then carry their
   * original due time. A line that does not fit the full buffer is counted as unsent.
   */
  private final class Pacer implements Runnable {
    long t0;
    long start;
    long end;
    final double periodNanos;
    final Peer[] senders;
    final ByteBuffer[] buffers;
    final int frameBytes;
    Thread thread;
    volatile boolean stop;
    volatile boolean scheduleDone; // measuredLines, unsent and maxBacklog are final once it is set
    volatile long queued;
    volatile long backlog;
    long measuredLines;
    long unsent;
    long maxBacklog;

    Pacer() {
      this.periodNanos = 1e9 / params.linesPerSecond();
      this.frameBytes = LineFormat.frameBytes(params.lineBytes());
      this.senders = new Peer[params.senders()];
      for (int j = 0; j < senders.length; j++) {
        senders[j] = peers.get(params.sender(j));
      }
      int share = Math.max(8 << 10, Math.min(4 << 20, SEND_BUFFERS / params.senders()));
      this.buffers = new ByteBuffer[params.senders()];
      for (int i = 0; i < buffers.length; i++) {
        buffers[i] = ByteBuffer.allocateDirect(Math.max(share, frameBytes));
      }
    }

    /** Line 0 is due at {@code t0}; the lines due in [start, end) are measured; none is due from end on. */
    void schedule(long t0, long start, long end) {
      this.t0 = t0;
      this.start = start;
      this.end = end;
    }

    @Override
    public void run() {
      long k = 0;
      long measured = 0;
      long dropped = 0;
      long most = 0;
      boolean done = false;
      int s = 0; // the sender of line k
      try {
        while (!stop) {
          long now = System.nanoTime();
          while (!done) {
            long due = t0 + (long) (k * periodNanos);
            if (due >= end) {
              done = true;
              break;
            }
            if (due > now) {
              break;
            }
            ByteBuffer b = buffers[s];
            if (b.remaining() >= frameBytes) {
              LineFormat.putFrame(b, due, k, params.lineBytes());
            } else {
              dropped++;
            }
            if (due >= start) {
              measured++;
            }
            k++;
            if (++s == senders.length) {
              s = 0;
            }
          }
          long waiting = 0;
          for (int i = 0; i < senders.length; i++) {
            ByteBuffer b = buffers[i];
            if (b.position() > 0) {
              b.flip();
              senders[i].channel.write(b);
              b.compact();
              waiting += b.position();
            }
          }
          most = Math.max(most, waiting);
          queued = k;
          backlog = waiting;
          if (done && !scheduleDone) {
            measuredLines = measured;
            unsent = dropped;
            maxBacklog = most;
            scheduleDone = true;
          }
          if (done && waiting == 0) {
            return;
          }
          long pause = done ? Long.MAX_VALUE : t0 + (long) (k * periodNanos) - System.nanoTime();
          if (waiting > 0) {
            pause = Math.min(pause, 200_000); // try the full sockets again soon
          }
          if (pause > 0) {
            LockSupport.parkNanos(pause);
          }
        }
      } catch (IOException e) {
        if (!stop) {
          watchdog.checkServerAfterIoFailure();
          watchdog.fail(String.format(Locale.ROOT, "writing line %d failed: %s", k, e));
        }
      } finally {
        if (!scheduleDone) {
          measuredLines = measured;
          unsent = dropped;
          maxBacklog = most;
        }
        maxBacklog = Math.max(maxBacklog, most);
      }
    }
  }
}
