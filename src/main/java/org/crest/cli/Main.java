package org.crest.cli;

import picocli.CommandLine;

/** Entry point: {@code crest <command> ...}; see {@link CrestCommand}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the CLI and returns its exit code: 0 ok, 1 job failure, 2 usage error. */
  public static int execute(String... args) {
    return CrestCommand.commandLine().execute(args);
  }
}
