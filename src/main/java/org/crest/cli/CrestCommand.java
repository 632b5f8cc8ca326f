package org.crest.cli;

import java.io.PrintWriter;
import org.crest.ModelException;
import org.crest.UsageException;
import org.crest.io.BadInputException;
import org.crest.io.ReadFailures;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(
        name = "crest",
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
        versionProvider = CrestCommand.Version.class,
        description = {
            "Batch safety moderation of LLM chat logs in ~100 languages with CREST, an XLM-RoBERTa safe/unsafe "
                    + "classifier, on Apache Spark.",
            "",
            "Run embedded (local mode) with ./spark-submit.sh COMMAND ..., or on a cluster with "
                    + "./spark-submit.sh COMMAND --master URL ... (needs SPARK_HOME or spark-submit on PATH)."
        },
        subcommands = {
            LabelCommand.class,
            ReportCommand.class,
            EvaluateCommand.class,
            RelabelCommand.class,
            ClusterCommand.class,
            ModelCommand.class,
            org.crest.cli.bench.BenchCommand.class,
            org.crest.cli.bench.MemoryBenchCommand.class,
            org.crest.cli.bench.PrecisionCompareCommand.class,
            org.crest.cli.bench.DeviceBenchCommand.class,
            CommandLine.HelpCommand.class
        },
        footer = {
            "",
            "Exit codes: 0 done, 1 the job failed, 2 the command line or its inputs are wrong (a refusal that "
                    + "names the file and the problem), 3 done but corrupt input files were skipped as asked "
                    + "(--skip-corrupt-files): their rows are missing; they are listed in the summary's skipped_files; 4 an alert with "
                    + "--fail-on-alert (report, label --report)."
        })
public final class CrestCommand implements Runnable {
    public static final int EXIT_FAILURE = 1;
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing command: try './spark-submit.sh --help'");
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new CrestCommand());
        cl.setExecutionExceptionHandler(CrestCommand::handle);
        cl.setParameterExceptionHandler(CrestCommand::badArguments);
        return cl;
    }

    /**
     * A command line picocli cannot parse (an unknown option, a bad number, a missing value): one line with
     * picocli's message and where the help is, exit 2; not the whole usage.
     */
    private static int badArguments(CommandLine.ParameterException ex, String[] args) {
        CommandLine cl = ex.getCommandLine();
        String name = cl.getCommandSpec().qualifiedName();
        String m = ex.getMessage() == null
                ? "bad arguments"
                : ex.getMessage().strip().replaceAll("\\s*\\R\\s*", "; ");
        PrintWriter err = cl.getErr();
        err.println(name + ": " + m + " (see '" + name + " --help')");
        err.flush();
        return EXIT_USAGE;
    }

    /** Maps failures to exit codes with a message that says what went wrong, stack traces only with --verbose. */
    private static int handle(Exception ex, CommandLine cl, CommandLine.ParseResult parsed) {
        PrintWriter err = cl.getErr();
        boolean verbose = false;
        for (CommandLine.ParseResult p = parsed.subcommand(); p != null; p = p.subcommand()) {
            verbose |= p.hasMatchedOption("--verbose"); // crest model convert --verbose is two levels down
        }
        BadInputException unreadable = ReadFailures.translate(ex); // a task could not read an input file
        if (unreadable != null) {
            ex = unreadable;
        }
        Throwable cause = rootCause(ex);
        Throwable ours = userFixable(ex);
        if (ours != null) {
            // also when Spark wraps it: an executor that refused the model (altered bundle, bad contract)
            err.println(cl.getCommandSpec().qualifiedName() + ": " + ours.getMessage());
            if (verbose) {
                ex.printStackTrace(err);
            }
            err.flush();
            return EXIT_USAGE;
        }
        err.println(cl.getCommandSpec().qualifiedName() + " failed: " + message(ex, cause));
        if (verbose) {
            ex.printStackTrace(err);
        } else {
            err.println("(run with --verbose for the stack trace)");
        }
        err.flush();
        return EXIT_FAILURE;
    }

    /** The first crest exception that says the user's input or model is wrong, however deeply wrapped. */
    private static Throwable userFixable(Throwable ex) {
        for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ModelException || t instanceof UsageException) {
                return t;
            }
        }
        return null;
    }

    private static String message(Throwable ex, Throwable cause) {
        // Spark wraps executor failures; the innermost crest message says what happened
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof ModelException || t instanceof UsageException || t instanceof org.crest.OutputException) {
                return t.getMessage();
            }
        }
        String m = cause.getMessage();
        return cause.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    private static Throwable rootCause(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c;
    }

    /** The project version ({@link org.crest.Version}). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"crest-spark " + org.crest.Version.get()};
        }
    }
}
