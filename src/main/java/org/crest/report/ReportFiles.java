package org.crest.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.crest.Columns;
import org.crest.spark.JobSupport;

/** Writes report.html, report.md, report.json and alerts.json (through Hadoop, so s3a:// works too). */
public final class ReportFiles {
    public static final String HTML = "report.html";
    public static final String MARKDOWN = "report.md";
    public static final String JSON = "report.json";
    public static final String ALERTS = "alerts.json";
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ReportFiles() {}

    /** The folder the report goes to: {@code o.output()}, or INPUT/_crest_report. */
    public static String folder(ReportOptions o) {
        return o.output() != null ? o.output() : new Path(o.input(), Columns.REPORT_DIR).toString();
    }

    /** Builds the report of {@code o.input()} and writes it; returns it. */
    public static AuditReport run(SparkSession spark, ReportOptions o) {
        AuditReport r = ReportJob.run(spark, o);
        write(spark, r, folder(o));
        return r;
    }

    public static void write(SparkSession spark, AuditReport r, String folder) {
        Path dir = new Path(folder);
        FileSystem fs = JobSupport.fileSystem(spark, dir);
        if (fs instanceof org.apache.hadoop.fs.LocalFileSystem local) {
            fs = local.getRaw(); // no .crc files next to a page people open and mail
        }
        try {
            Map<String, Object> alerts = new LinkedHashMap<>();
            alerts.put("generated_at", r.generatedAt());
            alerts.put("input", r.input());
            alerts.put("alert_threshold", r.settings().alertThreshold());
            alerts.put("alerts", r.alerts());
            // alerts.json first and report.html last: a reader that sees the page sees the rest
            write(fs, new Path(dir, ALERTS), MAPPER.writeValueAsBytes(alerts));
            write(fs, new Path(dir, JSON), MAPPER.writeValueAsBytes(r));
            write(fs, new Path(dir, MARKDOWN), MarkdownReport.render(r).getBytes(StandardCharsets.UTF_8));
            write(fs, new Path(dir, HTML), HtmlReport.render(r).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the report into " + folder + " (" + e.getMessage() + ")", e);
        }
    }

    private static void write(FileSystem fs, Path file, byte[] bytes) throws IOException {
        try (OutputStream os = fs.create(file, true)) {
            os.write(bytes);
        }
    }
}
