package pekkochat.bench;

import picocli.CommandLine.Option;

/**
 * {@code --server pekko|ceiling}: which server a scenario starts when no {@code --host/--port}
 * names one. Shared by the scenarios that can measure the reference relay as well.
 */
final class ServerChoice {

  enum Kind { pekko, ceiling }

  @Option(names = "--server", paramLabel = "pekko|ceiling", defaultValue = "pekko",
      description = "Which server to start when no --host/--port is given: the project's (pekko) or the "
          + "bare reference relay (ceiling) (default: ${DEFAULT-VALUE}).")
  Kind kind = Kind.pekko;

  boolean ceiling() {
    return kind == Kind.ceiling;
  }

  /**
   * How to start the chosen server: the project's with {@code pekkoSettings}, or the ceiling with
   * {@code ceilingSettings} (JVM options; each printed with its reason).
   */
  TargetServer.Launch launch(String pekkoSettings, String pekkoWhy, String ceilingSettings, String ceilingWhy) {
    return ceiling()
        ? new TargetServer.Launch(true, ceilingSettings, ceilingWhy)
        : new TargetServer.Launch(false, pekkoSettings, pekkoWhy);
  }
}
