package org.crest.cli;

import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.crest.report.AuditReport;
import org.crest.report.ReportFiles;
import org.crest.report.ReportOptions;
import org.crest.spark.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "report",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Write the audit report of a label output: report.html (one self-contained page with inline SVG charts),",
            "report.md, report.json and alerts.json.",
            "",
            "Totals (records in, labeled, quarantined by reason, unsafe rate, model, threshold, run), the unsafe rate",
            "per day (--resume outputs) against the trailing days, per language, language cluster (CREST Table 8) and",
            "role with 95%% Wilson intervals, the score histogram, the most confident unsafe messages, and alerts: a day,",
            "language or cluster whose unsafe rate lies --alert-threshold or more robust standard deviations above its",
            "baseline. See docs/REPORT.md.",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  ./spark-submit.sh report --input /tmp/crest-demo",
            "  ./spark-submit.sh report --input s3a://bucket/audit --output /tmp/audit-report --redact --fail-on-alert",
            "",
            "Exit codes: 0 done; 1 failed; 2 the input is not a label output or an option is wrong;",
            "4 done, and --fail-on-alert was given and the report raised an alert (alerts.json)."
        })
public final class ReportCommand implements Callable<Integer> {
    /** Exit code of {@code --fail-on-alert} when the report has an alert. */
    public static final int EXIT_ALERT = 4;

    @Option(
            names = {"-i", "--input"},
            required = true,
            paramLabel = "OUTPUT",
            description = "What crest label --output wrote (plain, or a --resume folder of dt= partitions); local, "
                    + "s3a:// or hdfs://.")
    String input;

    @Option(
            names = {"-o", "--output"},
            paramLabel = "DIR",
            description = "Folder for the report files. Default: INPUT/_crest_report.")
    String output;

    @Option(
            names = "--baseline-days",
            defaultValue = "14",
            paramLabel = "N",
            description = "A day is compared with the days in the N calendar days before it (median and MAD of their "
                    + "rates). Default: ${DEFAULT-VALUE}.")
    int baselineDays;

    @Option(
            names = "--top",
            defaultValue = "20",
            paramLabel = "N",
            description = "List the N most confident unsafe messages. Default: ${DEFAULT-VALUE}.")
    int top;

    @Option(names = "--redact", description = "Leave the message texts out of the report.")
    boolean redact;

    @Option(
            names = "--lang-col",
            paramLabel = "COL",
            description = "Language column for the per-language and per-cluster breakdowns. Default: crest_lang "
                    + "(label --detect-language) when the output has it.")
    String langCol;

    @Option(
            names = "--text-col",
            paramLabel = "COL",
            description = "Text column shown for the top messages. Default: crest_text (chats), else text.")
    String textCol;

    @Option(
            names = "--alert-threshold",
            defaultValue = "3",
            paramLabel = "Z",
            description = "Alert when a rate lies Z or more standard deviations above its baseline. Default: "
                    + "${DEFAULT-VALUE}.")
    double alertThreshold;

    @Option(names = "--fail-on-alert", description = "Exit with code 4 when the report raises an alert.")
    boolean failOnAlert;

    @Option(
            names = "--trend-languages",
            defaultValue = "8",
            paramLabel = "N",
            description = "For outputs partitioned by day (dt=), show per-day rates of the N largest languages, each "
                    + "against its own trailing days (0 turns the section and its alerts off; at most 50). Default: "
                    + "${DEFAULT-VALUE}.")
    int trendLanguages;

    @picocli.CommandLine.Mixin
    org.crest.cli.options.SparkOptions sparkOptions;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        ReportOptions o = new ReportOptions(input, output, baselineDays, top, redact, langCol, textCol, alertThreshold)
                .withTrendLanguages(trendLanguages);
        // a session that was there before (a notebook's, a test's) is borrowed and left running (SparkSessions)
        SparkSession spark = sparkOptions.start("crest report", o.output(), sparkOptions.conf());
        try {
            AuditReport r = ReportFiles.run(spark, o);
            return print(spec.commandLine().getOut(), r, ReportFiles.folder(o), failOnAlert);
        } finally {
            SparkSessions.release(spark);
        }
    }

    /** Prints the report's headline and where it is; the exit code for --fail-on-alert. */
    static int print(java.io.PrintWriter out, AuditReport r, String folder, boolean failOnAlert) {
        AuditReport.Totals t = r.totals();
        out.printf(
                "crest report: %d records in, %d labeled, %d unsafe (%s), %d quarantined; %d alert(s)%n",
                t.rowsIn(),
                t.rowsLabeled(),
                t.unsafe(),
                t.unsafeRate() == null ? "-" : String.format(java.util.Locale.ROOT, "%.2f%%", 100 * t.unsafeRate()),
                t.rowsQuarantined(),
                r.alerts().size());
        for (AuditReport.Alert a : r.alerts()) {
            out.println("  ALERT " + a.message());
        }
        for (String c : r.checks()) {
            out.println("  CHECK " + c);
        }
        out.printf("  report %s/%s (also report.md, report.json, alerts.json)%n", folder, ReportFiles.HTML);
        out.flush();
        return failOnAlert && !r.alerts().isEmpty() ? EXIT_ALERT : 0;
    }
}
