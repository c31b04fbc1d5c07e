package pekkochat.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay on loopback between a client and a server, for tests of a lost connection: it can
 * cut every connection going through it, cut only the client's side (the server still holds the
 * other one, as it would a connection whose client vanished), stop passing what the server
 * sends (lost on its way), and refuse new connections (the server out of reach).
 */
public final class CutProxy implements AutoCloseable {

  /** One relayed connection: the client's socket and the server's. */
  private record Link(Socket client, Socket server) {}

  private final InetSocketAddress target;
  private final ServerSocket listener;
  private final List<Link> links = new CopyOnWriteArrayList<>();
  private final List<Socket> held = new CopyOnWriteArrayList<>();
  private final AtomicInteger accepted = new AtomicInteger();
  private volatile boolean refusing;
  private volatile boolean droppingDownstream;

  public CutProxy(InetSocketAddress target) throws IOException {
    this.target = target;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(this::acceptLoop, "cut-proxy-accept");
    t.setDaemon(true);
    t.start();
  }

  public InetSocketAddress address() {
    return new InetSocketAddress("127.0.0.1", listener.getLocalPort());
  }

  /** Connections accepted so far (refused ones included). */
  public int accepted() {
    return accepted.get();
  }

  /** While on, a new connection is accepted and closed at once, before anything is relayed. */
  public void refuseNew(boolean on) {
    refusing = on;
  }

  /** While on, what the server sends is read and thrown away: it never reaches the client. */
  public void dropFromServer(boolean on) {
    droppingDownstream = on;
  }

  /** Closes every connection, both sides. */
  public void cutAll() {
    for (Link link : links) {
      links.remove(link);
      closeQuietly(link.client());
      closeQuietly(link.server());
    }
  }

  /**
   * Closes the client's side of every connection; the server's side stays open (nothing more
   * reaches it, and it is not told) until {@link #releaseServerSides}.
   */
  public void cutClientSides() {
    for (Link link : links) {
      // Out of the list first: a pump ending on the closed side then leaves the server's open.
      held.add(link.server());
      links.remove(link);
      closeQuietly(link.client());
    }
  }

  /** Closes the server's sides {@link #cutClientSides} kept open. */
  public void releaseServerSides() {
    held.forEach(CutProxy::closeQuietly);
    held.clear();
  }

  @Override
  public void close() {
    closeQuietly(listener);
    cutAll();
    releaseServerSides();
  }

  private void acceptLoop() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        accepted.incrementAndGet();
        if (refusing) {
          closeQuietly(client);
          continue;
        }
        Socket server = new Socket(target.getAddress(), target.getPort());
        Link link = new Link(client, server);
        links.add(link);
        pump(client, server, false, link);
        pump(server, client, true, link);
      } catch (IOException e) {
        // closed, or the target refused: the client sees its connection end
      }
    }
  }

  private void pump(Socket from, Socket to, boolean downstream, Link link) {
    Thread t = new Thread(() -> {
      byte[] buffer = new byte[16 * 1024];
      try {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          if (!(downstream && droppingDownstream)) {
            out.write(buffer, 0, n);
            out.flush();
          }
        }
      } catch (IOException e) {
        // one side closed
      }
      // One side ended: end the other, unless the test holds it open (cutClientSides).
      if (links.remove(link)) {
        closeQuietly(link.client());
        closeQuietly(link.server());
      } else if (!held.contains(to)) {
        closeQuietly(to);
      }
    }, "cut-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // already closed
    }
  }
}
