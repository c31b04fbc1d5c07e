package pekkochat.bench;

import java.nio.file.Path;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code scripts/bench SCENARIO [options]}: measures pekko-chat. Each scenario is a subcommand
 * in its own class; it prints the machine, one result row and the command that produced it, and
 * appends the row to a CSV file. Scenarios share {@link CommonOptions} (which server to measure),
 * {@link TargetServer} (starting the project's server as a separate JVM), {@link Rss} (its memory),
 * {@link Watchdog} (stalls), {@link Cleanup} and {@link Results}.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    subcommands = {FilesScenario.class, ClientsScenario.class, FanoutScenario.class, RoomsScenario.class, ConnectionsScenario.class,
        StartupScenario.class, RecoveryScenario.class, ConnectionsWorker.class, CommandLine.HelpCommand.class},
    version = "pekko-chat bench",
    description = {
        "Measures pekko-chat over loopback. Each subcommand is one scenario: it prints the machine, "
            + "one result row and the exact command, and appends the row to a CSV file.",
        "Without --host/--port the project's server is started as a separate JVM (scripts/run-server) "
            + "on a free port, with -Xmx from --server-heap and a fresh temporary spool directory "
            + "(fanout, rooms and connections --server ceiling start the bare reference relay instead)."})
public final class Bench implements Runnable {

  private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");
  private static String[] arguments = new String[0];

  @Spec
  CommandSpec spec;

  public static void main(String[] args) {
    arguments = args.clone();
    System.exit(new CommandLine(new Bench()).execute(args));
  }

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing scenario: choose one of: files, clients, fanout, rooms, connections, startup");
  }

  /** The project directory (set by scripts/bench), else the working directory. */
  static Path home() {
    String home = System.getProperty("pekkochat.home");
    return (home != null ? Path.of(home) : Path.of("")).toAbsolutePath().normalize();
  }

  /** The command line that started this run, as a user would type it (scripts/bench ...). */
  static String commandLine() {
    StringBuilder b = new StringBuilder(System.getProperty("pekkochat.bench.command", "scripts/bench"));
    for (String a : arguments) {
      b.append(' ').append(SHELL_SAFE.matcher(a).matches() ? a : "'" + a.replace("'", "'\\''") + "'");
    }
    return b.toString();
  }
}
