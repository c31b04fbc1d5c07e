package pekkochat.client;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Plain standard streams, for input piped from another program: no prompt, no escape codes, one
 * output line per event. End of input means {@code /quit}.
 */
public final class PipedConsole implements Console {

  private final InputStream in;
  private final PrintStream out;

  public PipedConsole(InputStream in, PrintStream out) {
    this.in = in;
    this.out = out;
  }

  @Override
  public Source<String, NotUsed> lines() {
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    return InputLines.readOnOwnThread("stdin-reader", () -> Optional.ofNullable(reader.readLine()));
  }

  @Override
  public synchronized void print(String line) {
    out.println(line);
    out.flush();
  }

  @Override
  public boolean interactive() {
    return false;
  }
}
