package org.crest.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the crest command line in this JVM and captures what it prints (for checks that end before Spark starts). */
final class InProcessCli {
    private InProcessCli() {}

    /** {exit code, stdout, stderr}. */
    static String[] run(String... args) {
        CommandLine cl = CrestCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }
}
