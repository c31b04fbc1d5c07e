package pekkochat.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A seed client ({@link SeedImplementation}; the unmodified original when it is found) as a user
 * sees it: started in {@code workDir} (its {@code received_files/} goes there) with stdin piped,
 * so that tests can script its input and assert what it DISPLAYS of what a server sends.
 *
 * <p>Its stdout is reduced to what it shows: the prompt {@code NAME> } it prints before each input
 * and after each incoming line (without a newline) is stripped from both ends of a line, so are the {@code [HH:MM:SS] }
 * timestamps of incoming lines, and lines left empty are dropped. {@code TEXT "alice::hi"} thus
 * reads {@code alice: hi}; the lines after the first of a multi-line TEXT come as they are. Its
 * status lines (connected, "Sent file 'x' (n bytes)", "Quit acknowledged ...") go to stderr:
 * {@link #awaitStatus}.
 *
 * <p>Keep its input open while it should run: the original dies of an EOFError at the end of
 * stdin. {@link #close} kills it.
 */
public final class SeedClient implements AutoCloseable {

  private static final Pattern STAMP = Pattern.compile("^\\[\\d{2}:\\d{2}:\\d{2}\\] ");
  private static final Duration WAIT = Duration.ofSeconds(10);

  private final SeedImplementation implementation;
  private final String name;
  private final Path workDir;
  private final SeedProcess process;
  private int stdoutSeen;
  private int stderrSeen;

  private SeedClient(SeedImplementation implementation, String name, Path workDir, InetSocketAddress server)
      throws IOException {
    this.implementation = implementation;
    this.name = name;
    this.workDir = workDir;
    String prompt = name + "> ";
    this.process =
        new SeedProcess(
            implementation + "-client-" + name,
            workDir,
            implementation.clientCommand("127.0.0.1", server.getPort(), name),
            line -> displayed(line, prompt));
  }

  /** Starts {@code implementation}'s client in {@code workDir}, joining {@code server} as {@code name}. */
  public static SeedClient start(SeedImplementation implementation, Path workDir, InetSocketAddress server, String name)
      throws IOException {
    return new SeedClient(implementation, name, workDir, server);
  }

  /**
   * Runs a client that types {@code input} (all at once, after its start) and returns what it
   * displayed once {@code until} holds for the lines so far; fails if it does not within 10 s.
   * The client is killed afterwards.
   */
  public static List<String> display(
      SeedImplementation implementation,
      Path workDir,
      InetSocketAddress server,
      String name,
      List<String> input,
      Predicate<List<String>> until)
      throws IOException, InterruptedException {
    try (SeedClient client = start(implementation, workDir, server, name)) {
      for (String line : input) {
        client.type(line);
      }
      return client.displayedUntil(until, WAIT);
    }
  }

  /** What one stdout line shows, or null if it shows nothing (a bare prompt). */
  static String displayed(String line, String prompt) {
    String rest = line;
    while (rest.startsWith(prompt)) {
      rest = rest.substring(prompt.length());
    }
    // print(text) writes the text and its newline apart: another thread's prompt may land between.
    while (rest.endsWith(prompt)) {
      rest = rest.substring(0, rest.length() - prompt.length());
    }
    if (rest.isEmpty()) {
      return null;
    }
    return STAMP.matcher(rest).replaceFirst("");
  }

  public SeedImplementation implementation() {
    return implementation;
  }

  public String name() {
    return name;
  }

  public Path workDir() {
    return workDir;
  }

  /** Types one input line, as a user would (a newline is added). */
  public void type(String line) throws IOException {
    process.type(line);
  }

  /** Every line displayed so far. */
  public List<String> displayed() {
    return process.stdout().all();
  }

  /** Waits until {@code until} holds for the lines displayed so far and returns them. */
  public List<String> displayedUntil(Predicate<List<String>> until, Duration timeout) throws InterruptedException {
    if (!process.stdout().awaitUntil(until, timeout)) {
      fail(process.label + ": the displayed lines did not reach the expected state within " + timeout + "; "
          + process.describe());
    }
    return displayed();
  }

  /** Waits for a displayed line, after those matched so far, matching {@code regex} (searched). */
  public String await(String regex) throws InterruptedException {
    return await(regex, WAIT);
  }

  public String await(String regex, Duration timeout) throws InterruptedException {
    int[] at = {stdoutSeen};
    String line = awaitIn(process.stdout(), regex, timeout, at);
    stdoutSeen = at[0];
    return line;
  }

  /** Waits for a status line (stderr), after those matched so far, matching {@code regex}. */
  public String awaitStatus(String regex) throws InterruptedException {
    int[] at = {stderrSeen};
    String line = awaitIn(process.stderr(), regex, WAIT, at);
    stderrSeen = at[0];
    return line;
  }

  private String awaitIn(SeedProcess.Lines lines, String regex, Duration timeout, int[] from) throws InterruptedException {
    Pattern p = Pattern.compile(regex);
    int start = from[0];
    boolean found =
        lines.awaitUntil(l -> l.subList(start, l.size()).stream().anyMatch(s -> p.matcher(s).find()), timeout);
    if (!found) {
      fail(process.label + ": no line matching /" + regex + "/ within " + timeout + "; " + process.describe());
    }
    List<String> all = lines.all();
    for (int i = start; i < all.size(); i++) {
      if (p.matcher(all.get(i)).find()) {
        from[0] = i + 1;
        return all.get(i);
      }
    }
    throw new AssertionError("unreachable");
  }

  /** Waits for the process to exit and returns its status. */
  public int exitValue(Duration within) throws InterruptedException {
    assertTrue(process.exited(within), process.label + " did not exit; " + process.describe());
    return process.process.exitValue();
  }

  @Override
  public void close() throws InterruptedException {
    process.close();
  }

  @Override
  public String toString() {
    return implementation + " seed client " + name;
  }
}
