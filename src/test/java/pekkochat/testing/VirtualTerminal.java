package pekkochat.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.ExternalTerminal;
import pekkochat.client.TerminalConsole;

/**
 * A JLine terminal of type {@code xterm-256color} over in-memory streams, for driving the real
 * {@link TerminalConsole} from a test: keys are typed into its input (raw bytes, so {@code "\t"}
 * is Tab and {@code "\u000e"} Ctrl-N, processed by JLine's line discipline as a real terminal's
 * would be, Ctrl-C raising SIGINT), and everything it writes, escape sequences included, is kept.
 * {@link #await} matches the text with escape sequences removed; {@link #awaitRaw} the bytes as
 * written.
 */
public final class VirtualTerminal implements AutoCloseable {

  public static final int ROWS = 30;
  public static final int COLUMNS = 120;
  private static final Duration WAIT = Duration.ofSeconds(10);

  /** CSI, OSC and two-character escape sequences, and the other controls a redraw uses. */
  private static final Pattern ESCAPES =
      Pattern.compile("\u001b\\[[0-?]*[ -/]*[@-~]|\u001b\\][^\u0007\u001b]*(\u0007|\u001b\\\\)|\u001b[()][0-9A-Za-z]|\u001b[=>78DEHM]|[\r\u0007\u000f\u000e]");

  private final LinkedBlockingQueue<Integer> keys = new LinkedBlockingQueue<>();
  private final ByteArrayOutputStream written = new ByteArrayOutputStream();
  private final Terminal terminal;
  private final TerminalConsole console;
  /** Where the next {@link #await} starts looking, in the text without escapes. */
  private int textMark;
  private int rawMark;

  public VirtualTerminal() throws IOException {
    InputStream in =
        new InputStream() {
          @Override
          public int read() throws IOException {
            try {
              int b = keys.take();
              return b;
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              throw new IOException(e);
            }
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
              return 0;
            }
            int first = read();
            if (first < 0) {
              return -1;
            }
            b[off] = (byte) first;
            int n = 1;
            Integer next;
            while (n < len && (next = keys.poll()) != null) {
              if (next < 0) {
                keys.add(next);
                break;
              }
              b[off + n++] = (byte) (int) next;
            }
            return n;
          }

          @Override
          public int available() {
            return keys.size();
          }
        };
    OutputStream out =
        new OutputStream() {
          @Override
          public void write(int b) {
            synchronized (written) {
              written.write(b);
              written.notifyAll();
            }
          }

          @Override
          public void write(byte[] b, int off, int len) {
            synchronized (written) {
              written.write(b, off, len);
              written.notifyAll();
            }
          }
        };
    terminal = new ExternalTerminal("test", "xterm-256color", in, out, StandardCharsets.UTF_8);
    terminal.setSize(new Size(COLUMNS, ROWS));
    console = new TerminalConsole(terminal);
  }

  public TerminalConsole console() {
    return console;
  }

  public Terminal terminal() {
    return terminal;
  }

  /** Types {@code keys} (UTF-8 bytes, as a terminal sends them). */
  public void type(String typed) {
    for (byte b : typed.getBytes(StandardCharsets.UTF_8)) {
      keys.add(b & 0xff);
    }
  }

  /** Everything written so far, escapes included. */
  public String raw() {
    synchronized (written) {
      return written.toString(StandardCharsets.UTF_8);
    }
  }

  /** Everything written so far with escape sequences (and carriage returns, bells) removed. */
  public String text() {
    return ESCAPES.matcher(raw()).replaceAll("");
  }

  /**
   * Waits until the text written after the previous match matches {@code regex}; returns the
   * match and moves past it.
   */
  public String await(String regex) {
    return awaitIn(regex, false);
  }

  /** As {@link #await}, in the bytes as written (escape sequences included). */
  public String awaitRaw(String regex) {
    return awaitIn(regex, true);
  }

  private String awaitIn(String regex, boolean raw) {
    Pattern p = Pattern.compile(regex);
    long deadline = System.nanoTime() + WAIT.toNanos();
    synchronized (written) {
      while (true) {
        String all = raw ? raw() : text();
        int from = Math.min(raw ? rawMark : textMark, all.length());
        Matcher m = p.matcher(all);
        if (m.find(from)) {
          if (raw) {
            rawMark = m.end();
          } else {
            textMark = m.end();
          }
          return m.group();
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          fail("no output matching /" + regex + "/ within " + WAIT + "; after the last match: "
              + visible(all.substring(from)));
        }
        try {
          written.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
    }
  }

  /** Whether the text written after the last match has {@code regex} in it now (no waiting). */
  public boolean showsNow(String regex) {
    String all = text();
    return Pattern.compile(regex).matcher(all).find(Math.min(textMark, all.length()));
  }

  /**
   * Waits until the status line (as the console last drew it: JLine redraws only what changed,
   * so the bytes written do not spell it out whole) has a line matching {@code regex}.
   */
  public String awaitStatus(String regex) {
    Pattern p = Pattern.compile(regex);
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      for (String line : console.statusLines()) {
        if (p.matcher(line).find()) {
          return line;
        }
      }
      if (System.nanoTime() > deadline) {
        fail("no status line matching /" + regex + "/ within " + WAIT + "; it shows " + console.statusLines());
      }
      synchronized (written) {
        try {
          written.wait(20);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError(e);
        }
      }
    }
  }

  /** Control characters spelt out, for failure messages. */
  public static String visible(String s) {
    return s.replace("\u001b", "\\e").replace("\r", "\\r").replace("\u0007", "\\a");
  }

  @Override
  public void close() {
    console.close();
    keys.add(-1);
  }
}
