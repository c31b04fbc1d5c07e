package pekkochat.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import pekkochat.client.Console;

/** A console for tests: lines are typed from the test, printed lines are collected. */
public final class TestConsole implements Console {

  private static final Optional<String> END = Optional.empty();

  private final boolean interactive;
  private final LinkedBlockingQueue<Optional<String>> input = new LinkedBlockingQueue<>();
  private final LinkedBlockingQueue<String> output = new LinkedBlockingQueue<>();
  private final List<String> seen = new ArrayList<>();
  private final List<String> progressShown = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile String prompt = "> ";
  private volatile String status = "";
  private final List<String> statusShown = new java.util.concurrent.CopyOnWriteArrayList<>();

  public TestConsole(boolean interactive) {
    this.interactive = interactive;
  }

  public void type(String line) {
    input.add(Optional.of(line));
  }

  public void endInput() {
    input.add(END);
  }

  @Override
  public Source<String, NotUsed> lines() {
    // Like the real consoles: a blocking read on a thread of its own, never inside the stream.
    return Source.<String>queue(1, org.apache.pekko.stream.OverflowStrategy.backpressure())
        .mapMaterializedValue(
            queue -> {
              Thread t =
                  new Thread(
                      () -> {
                        try {
                          for (Optional<String> line = input.take(); line.isPresent(); line = input.take()) {
                            queue.offer(line.get()).toCompletableFuture().join();
                          }
                          queue.complete();
                        } catch (Exception e) {
                          queue.fail(e);
                        }
                      },
                      "test-console");
              t.setDaemon(true);
              t.start();
              return NotUsed.getInstance();
            });
  }

  @Override
  public void print(String line) {
    output.add(line);
  }

  @Override
  public boolean interactive() {
    return interactive;
  }

  @Override
  public void progress(List<String> lines) {
    progressShown.addAll(lines);
  }

  @Override
  public void prompt(String prompt) {
    this.prompt = prompt;
  }

  @Override
  public void statusBar(org.jline.utils.AttributedString bar) {
    status = bar.toString();
    statusShown.add(status);
  }

  /** The status line the client set last (as text). */
  public String currentStatus() {
    return status;
  }

  /** Every status line shown so far. */
  public List<String> statusShown() {
    return List.copyOf(statusShown);
  }

  /** The prompt the client set last. */
  public String currentPrompt() {
    return prompt;
  }

  /** Every progress line shown so far. */
  public List<String> progressShown() {
    return List.copyOf(progressShown);
  }

  /** Waits for a printed line matching {@code regex} (searched, not anchored) and returns it. */
  public String await(String regex) {
    return await(regex, Duration.ofSeconds(10));
  }

  public synchronized String await(String regex, Duration timeout) {
    Pattern p = Pattern.compile(regex);
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (true) {
        long left = deadline - System.nanoTime();
        String line = left > 0 ? output.poll(left, TimeUnit.NANOSECONDS) : null;
        if (line == null) {
          fail("no line matching /" + regex + "/ within " + timeout + "; saw: " + seen);
        }
        seen.add(line);
        if (p.matcher(line).find()) {
          return line;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Every line printed so far (waiting lines included). */
  public synchronized List<String> printed() {
    output.drainTo(seen);
    return List.copyOf(seen);
  }
}
