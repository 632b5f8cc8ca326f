package org.crest.report;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.desc;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.floor;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.regexp_extract;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.crest.Columns;
import org.crest.UsageException;
import org.crest.report.AuditReport.Alert;
import org.crest.report.AuditReport.Bin;
import org.crest.report.AuditReport.Day;
import org.crest.report.AuditReport.Group;
import org.crest.report.AuditReport.Message;
import org.crest.report.AuditReport.SkippedFile;
import org.crest.spark.JobSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the {@link AuditReport} of a label output: the counts of every {@code _crest_summary.json} (quarantine,
 * rows in, model, run), and three Spark queries over the labeled Parquet: one aggregation with grouping sets (per
 * day, language cluster, role, score bin, total), one per language (the 1000 largest), and the top-N unsafe rows.
 * Nothing is done row by row on the driver.
 */
public final class ReportJob {
    private static final Logger LOG = LoggerFactory.getLogger(ReportJob.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern DT = Pattern.compile("dt=\\d{4}-\\d{2}-\\d{2}");
    /** The commit marker of a --resume partition (label.resume.PartitionManifest.FILE). */
    static final String MANIFEST = "_crest_manifest.json";
    /** Score histogram bins of width 1/BINS. */
    public static final int BINS = 20;
    /** A language or cluster with fewer labeled rows is not a peer in the others' baseline. */
    public static final long MIN_ROWS = 30;
    /** Fewer peers than this (days with rows in the trailing window; languages; clusters): no baseline, no alert. */
    public static final int MIN_PEERS = 3;
    /** Languages listed one by one; the rest are summed in languages_not_listed. */
    public static final int MAX_LANGUAGES = 1000;
    /** Characters of a message text shown (code points). */
    public static final int MAX_CHARS = 300;

    private ReportJob() {}

    /** One committed part of the output: the plain output, or one dt= partition. */
    private record Part(String dt, Path dir, JsonNode summary, JsonNode manifest) {}

    public static AuditReport run(SparkSession spark, ReportOptions o) {
        Path root = new Path(o.input());
        FileSystem fs = JobSupport.fileSystem(spark, root);
        List<String> checks = new ArrayList<>();
        List<String> leftOut = new ArrayList<>();
        List<Part> parts = new ArrayList<>();
        JsonNode runSummary;
        boolean partitioned;
        try {
            if (!fs.getFileStatus(root).isDirectory()) {
                throw new UsageException("Cannot report on " + o.input()
                        + ": it is a file; pass the folder that crest label " + "--output wrote");
            }
            List<String> dts = new ArrayList<>();
            for (FileStatus c : fs.listStatus(root)) {
                if (c.isDirectory() && DT.matcher(c.getPath().getName()).matches()) {
                    dts.add(c.getPath().getName());
                }
            }
            dts.sort(null);
            partitioned = !dts.isEmpty();
            runSummary = readJson(fs, new Path(root, Columns.SUMMARY_FILE));
            if (!partitioned) {
                runSummary = checkedSummary(runSummary, new Path(root, Columns.SUMMARY_FILE));
                if (runSummary == null) {
                    throw new UsageException(
                            "Cannot report on " + o.input() + ": it holds neither " + Columns.SUMMARY_FILE
                                    + " nor dt=YYYY-MM-DD partitions; pass the folder that crest label --output wrote");
                }
                parts.add(new Part(null, root, runSummary, null));
            }
            for (String dt : dts) {
                Path dir = new Path(root, dt);
                JsonNode manifest = readJson(fs, new Path(dir, MANIFEST));
                JsonNode summary = checkedSummary(
                        readJson(fs, new Path(dir, Columns.SUMMARY_FILE)), new Path(dir, Columns.SUMMARY_FILE));
                if (manifest == null || summary == null) {
                    leftOut.add(dt + ": "
                            + (manifest == null
                                    ? "no " + MANIFEST + " (not committed: a run is writing it, or "
                                            + "one died before the commit)"
                                    : "no " + Columns.SUMMARY_FILE));
                } else {
                    parts.add(new Part(dt.substring(3), dir, summary, manifest));
                }
            }
        } catch (FileNotFoundException e) {
            throw new UsageException("Cannot report on " + o.input() + ": it does not exist");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + o.input() + " (" + e.getMessage() + ")", e);
        }
        if (!leftOut.isEmpty()) {
            checks.add(leftOut.size() + " dt= partition(s) left out because they are not committed: " + leftOut);
        }

        Dataset<Row> df = null;
        if (partitioned && !parts.isEmpty()) {
            df = spark.read()
                    .option("basePath", root.toString())
                    .option("mergeSchema", "true")
                    .parquet(parts.stream().map(p -> p.dir().toString()).toArray(String[]::new));
        } else if (!partitioned) {
            df = spark.read().parquet(root.toString());
        }
        Set<String> columns = df == null ? Set.of() : new LinkedHashSet<>(Arrays.asList(df.columns()));
        if (df != null) {
            for (String need : List.of(Columns.SCORE_COL, Columns.LABEL_COL)) {
                if (!columns.contains(need)) {
                    throw new UsageException("Cannot report on " + o.input() + ": its Parquet has no " + need
                            + " column " + "(columns: " + columns + "); is it a crest label output?");
                }
            }
        }
        String langCol = o.langCol();
        if (langCol != null && df != null && !columns.contains(langCol)) {
            throw new UsageException("Cannot report on " + o.input() + ": --lang-col " + langCol
                    + " is not a column of " + "the output (columns: " + columns + ")");
        }
        if (langCol == null && columns.contains(Columns.LANG_COL)) {
            langCol = Columns.LANG_COL;
        }
        String textCol = o.textCol();
        if (textCol != null && df != null && !columns.contains(textCol)) {
            throw new UsageException("Cannot report on " + o.input() + ": --text-col " + textCol
                    + " is not a column of " + "the output (columns: " + columns + ")");
        }
        if (textCol == null) {
            textCol = columns.contains(Columns.TEXT_COL) ? Columns.TEXT_COL : columns.contains("text") ? "text" : null;
        }
        String roleCol = columns.contains(Columns.ROLE_COL) ? Columns.ROLE_COL : null;
        AuditReport.Settings settings = new AuditReport.Settings(
                o.baselineDays(),
                o.alertThreshold(),
                MIN_ROWS,
                o.top(),
                o.redact(),
                MAX_CHARS,
                langCol,
                roleCol,
                o.redact() ? null : textCol,
                o.trendLanguages());

        // --- Spark: one aggregation with grouping sets, one per language, one top-N ---
        Map<String, long[]> byDay = new TreeMap<>();
        Map<String, long[]> byCluster = new TreeMap<>();
        Map<String, long[]> byRole = new TreeMap<>();
        long[][] bins = new long[BINS][2];
        long[] total = new long[2];
        List<Group> languages = new ArrayList<>();
        Group notListed = null;
        // language -> dt -> {labeled, unsafe}, for the trendLanguages largest languages of a partitioned output
        Map<String, Map<String, long[]>> byLangDay = new java.util.LinkedHashMap<>();
        List<Message> top = new ArrayList<>();
        if (df != null) {
            Column unsafe = when(col(Columns.LABEL_COL).equalTo("unsafe"), 1).otherwise(0);
            Column lang = langCol == null ? null : col(langCol).cast(DataTypes.StringType);
            Column langKey = lang == null
                    ? lit(null).cast(DataTypes.StringType)
                    : when(lang.isNull().or(trim(lang).equalTo("")), lit(LanguageClusters.UNDETERMINED))
                            .otherwise(trim(lang));
            Dataset<Row> base = df.select(
                    (partitioned
                                    ? col("dt").cast(DataTypes.StringType)
                                    : lit(null).cast(DataTypes.StringType))
                            .as("d"),
                    (lang == null ? lit(null).cast(DataTypes.StringType) : clusterOf(langKey)).as("c"),
                    (roleCol == null
                                    ? lit(null).cast(DataTypes.StringType)
                                    : coalesce(col(roleCol).cast(DataTypes.StringType), lit("(none)")))
                            .as("r"),
                    least(greatest(floor(col(Columns.SCORE_COL).multiply(BINS)), lit(0L)), lit((long) BINS - 1))
                            .cast(DataTypes.IntegerType)
                            .as("b"),
                    unsafe.as("u"),
                    langKey.as("l"));
            String view = "crest_report_"
                    + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
            base.createOrReplaceTempView(view);
            // every column in a set (grouping() needs it); those without data are one constant null group, ignored
            // below
            List<String> sets = List.of("(d)", "(c)", "(r)", "(b)", "()");
            spark.sparkContext().setJobDescription("crest report: counts per day, cluster, role, score bin");
            List<Row> rows;
            try {
                rows = spark.sql(
                                "SELECT d, c, r, b, grouping(d), grouping(c), grouping(r), grouping(b), count(1), sum(u) "
                                        + "FROM " + view + " GROUP BY GROUPING SETS (" + String.join(", ", sets) + ")")
                        .collectAsList();
            } finally {
                spark.catalog().dropTempView(view);
            }
            for (Row r : rows) {
                long[] nk = {r.getLong(8), r.isNullAt(9) ? 0 : r.getLong(9)};
                boolean gd = r.getByte(4) == 0;
                boolean gc = r.getByte(5) == 0;
                boolean gr = r.getByte(6) == 0;
                boolean gb = r.getByte(7) == 0;
                if (gd) {
                    if (partitioned) {
                        byDay.put(r.getString(0), nk);
                    }
                } else if (gc) {
                    if (lang != null) {
                        byCluster.put(r.getString(1), nk);
                    }
                } else if (gr) {
                    if (roleCol != null) {
                        byRole.put(r.getString(2), nk);
                    }
                } else if (gb) {
                    bins[r.getInt(3)] = nk;
                } else {
                    total = nk;
                }
            }
            if (lang != null) {
                spark.sparkContext().setJobDescription("crest report: counts per language");
                List<Row> lrows = base.groupBy("l")
                        .agg(count(lit(1)).as("n"), sum("u").as("k"))
                        .orderBy(desc("n"), col("l"))
                        .limit(MAX_LANGUAGES + 1)
                        .collectAsList();
                Map<String, String> clusters = LanguageClusters.byCode();
                long listedN = 0;
                long listedK = 0;
                for (Row r : lrows.subList(0, Math.min(MAX_LANGUAGES, lrows.size()))) {
                    long n = r.getLong(1);
                    long k = r.isNullAt(2) ? 0 : r.getLong(2);
                    listedN += n;
                    listedK += k;
                    languages.add(group(r.getString(0), clusterName(clusters, r.getString(0)), k, n, null, false));
                }
                if (lrows.size() > MAX_LANGUAGES) {
                    notListed = group("(other values)", null, total[1] - listedK, total[0] - listedN, null, false);
                }
                if (partitioned && o.trendLanguages() > 0 && !languages.isEmpty()) {
                    // the largest languages, day by day: at most trendLanguages x days groups
                    List<String> keys = languages.subList(0, Math.min(o.trendLanguages(), languages.size())).stream()
                            .map(Group::key)
                            .toList();
                    keys.forEach(k -> byLangDay.put(k, new TreeMap<>()));
                    spark.sparkContext().setJobDescription("crest report: counts per day of the largest languages");
                    for (Row r : base.where(col("l").isin(keys.toArray()))
                            .groupBy("d", "l")
                            .agg(count(lit(1)).as("n"), sum("u").as("k"))
                            .collectAsList()) {
                        byLangDay
                                .get(r.getString(1))
                                .put(r.getString(0), new long[] {r.getLong(2), r.isNullAt(3) ? 0 : r.getLong(3)});
                    }
                }
            }
            if (o.top() > 0) {
                spark.sparkContext().setJobDescription("crest report: most confident unsafe rows");
                List<Column> sel =
                        new ArrayList<>(List.of(col(Columns.SCORE_COL), col("d0"), col("l0"), col("r0"), col("t0")));
                Dataset<Row> u = df.where(col(Columns.LABEL_COL).equalTo("unsafe"))
                        .withColumn(
                                "d0",
                                partitioned
                                        ? col("dt").cast(DataTypes.StringType)
                                        : lit(null).cast(DataTypes.StringType))
                        .withColumn("l0", langKey)
                        .withColumn(
                                "r0",
                                roleCol == null
                                        ? lit(null).cast(DataTypes.StringType)
                                        : col(roleCol).cast(DataTypes.StringType))
                        .withColumn(
                                "t0",
                                columns.contains(Columns.TURN_COL)
                                        ? col(Columns.TURN_COL).cast(DataTypes.IntegerType)
                                        : lit(null).cast(DataTypes.IntegerType));
                if (textCol != null) {
                    Column text = col(textCol).cast(DataTypes.StringType);
                    sel.add(o.redact() ? lit(null).cast(DataTypes.StringType) : substring(text, 1, MAX_CHARS));
                    sel.add(length(text));
                }
                for (Row r : u.orderBy(desc(Columns.SCORE_COL))
                        .limit(o.top())
                        .select(sel.toArray(Column[]::new))
                        .collectAsList()) {
                    top.add(new Message(
                            r.getDouble(0),
                            r.getString(1),
                            r.getString(2),
                            r.getString(3),
                            r.isNullAt(4) ? null : r.getInt(4),
                            textCol == null || o.redact() || r.isNullAt(5) ? null : r.getString(5),
                            textCol == null || r.isNullAt(6) ? null : r.getInt(6)));
                }
            }
            spark.sparkContext().setJobDescription(null);
        }

        // --- summaries: rows in, quarantine, model, run ---
        long rowsIn = 0;
        long quarantined = 0;
        long inputFiles = 0;
        long summaryLabeled = 0;
        long summaryUnsafe = 0;
        Long notSelected = 0L;
        Map<String, Long> reasons = new TreeMap<>();
        Set<String> models = new LinkedHashSet<>();
        Set<String> hashes = new LinkedHashSet<>();
        Set<Double> thresholds = new java.util.TreeSet<>();
        boolean demo = false;
        List<SkippedFile> skipped = new ArrayList<>();
        List<Day> days = new ArrayList<>();
        for (Part p : parts) {
            JsonNode s = p.summary();
            String where = p.dt() == null ? Columns.SUMMARY_FILE : "dt=" + p.dt() + "/" + Columns.SUMMARY_FILE;
            long in = s.path("rows_in").asLong();
            long lab = s.path("rows_labeled").asLong();
            long q = s.path("rows_quarantined").asLong();
            long uns = s.path("unsafe").asLong();
            rowsIn += in;
            quarantined += q;
            summaryLabeled += lab;
            summaryUnsafe += uns;
            inputFiles += s.path("input_files").asLong();
            // label writes not_selected as counts by reason (chats: messages of other roles, conversations with none)
            Long ns = null;
            if (s.path("not_selected").isObject()) {
                long sum = 0;
                for (java.util.Iterator<JsonNode> it = s.path("not_selected").elements(); it.hasNext(); ) {
                    sum += it.next().asLong();
                }
                ns = sum;
            } else if (s.has("rows_not_selected")) {
                ns = s.path("rows_not_selected").asLong();
            }
            notSelected = notSelected == null || ns == null ? null : notSelected + ns;
            if (in != lab + q) {
                checks.add(where + ": rows_in " + in + " != rows_labeled " + lab + " + rows_quarantined " + q);
            }
            if (!"ok".equals(s.path("status").asText("ok"))) {
                checks.add(where + ": status " + s.path("status").asText());
            }
            Map<String, Long> dayReasons = new TreeMap<>();
            s.path("quarantine_reasons")
                    .fields()
                    .forEachRemaining(
                            e -> dayReasons.put(e.getKey(), e.getValue().asLong()));
            dayReasons.forEach((k, v) -> reasons.merge(k, v, Long::sum));
            if (s.hasNonNull("model")) {
                models.add(s.get("model").asText());
            }
            if (p.manifest() != null && p.manifest().hasNonNull("model_sha256")) {
                hashes.add(p.manifest().get("model_sha256").asText());
            }
            if (s.has("threshold")) {
                thresholds.add(s.get("threshold").asDouble());
            }
            demo |= s.path("model_is_demo").asBoolean(false);
            for (JsonNode f : s.path("skipped_files")) {
                skipped.add(new SkippedFile(
                        p.dt() == null ? null : "dt=" + p.dt(),
                        f.path("file").asText(null),
                        f.path("reason").asText(null),
                        f.path("detail").asText(null)));
            }
            if (p.dt() != null) {
                long[] nk = byDay.getOrDefault(p.dt(), new long[2]);
                if (nk[0] != lab || nk[1] != uns) {
                    checks.add(where + " says " + lab + " labeled, " + uns + " unsafe; its Parquet holds " + nk[0]
                            + " labeled, " + nk[1] + " unsafe");
                }
                days.add(new Day(p.dt(), in, q, dayReasons, group(p.dt(), null, nk[1], nk[0], null, false)));
            }
        }
        if (!partitioned && (total[0] != summaryLabeled || total[1] != summaryUnsafe)) {
            checks.add(Columns.SUMMARY_FILE + " says " + summaryLabeled + " labeled, " + summaryUnsafe + " unsafe; the "
                    + "Parquet holds " + total[0] + " labeled, " + total[1] + " unsafe");
        }
        if (runSummary != null && runSummary.hasNonNull("model_sha256")) {
            hashes.add(runSummary.get("model_sha256").asText());
        }

        // --- baselines and alerts ---
        List<Alert> alerts = new ArrayList<>();
        days = dayBaselines(days, o, alerts);
        List<AuditReport.LanguageTrend> trends = languageTrends(byLangDay, days, o, alerts);
        languages = peerBaselines("language", languages, o, alerts);
        List<Group> clusters = new ArrayList<>();
        byCluster.forEach((k, nk) -> clusters.add(group(k, null, nk[1], nk[0], null, false)));
        List<Group> clustersOut = peerBaselines("cluster", clusters, o, alerts);
        List<Group> roles = new ArrayList<>();
        byRole.forEach((k, nk) -> roles.add(group(k, null, nk[1], nk[0], null, false)));
        roles.sort(Comparator.comparingLong(Group::rows).reversed());
        List<Bin> histogram = new ArrayList<>();
        for (int i = 0; i < BINS; i++) {
            histogram.add(new Bin(round((double) i / BINS), round((double) (i + 1) / BINS), bins[i][0], bins[i][1]));
        }
        double[] ci = Wilson.interval(total[1], total[0]);
        AuditReport.Totals totals = new AuditReport.Totals(
                rowsIn,
                total[0],
                quarantined,
                reasons,
                parts.isEmpty() ? null : notSelected,
                total[1],
                rate(total[1], total[0]),
                ci[0],
                ci[1],
                List.copyOf(models),
                List.copyOf(hashes),
                demo,
                List.copyOf(thresholds),
                inputFiles,
                skipped,
                partitioned ? parts.size() : null,
                partitioned ? leftOut : null,
                runSummary == null ? null : runSummary.path("status").asText(null),
                runSummary == null ? null : runSummary.path("started_at").asText(null),
                runSummary == null ? null : runSummary.path("finished_at").asText(null),
                runSummary == null || !runSummary.has("elapsed_seconds")
                        ? null
                        : runSummary.get("elapsed_seconds").asDouble());
        String input = fs.makeQualified(root).toString();
        LOG.info("crest report on {}: {} labeled, {} unsafe, {} alert(s)", input, total[0], total[1], alerts.size());
        return new AuditReport(
                AuditReport.FORMAT_VERSION,
                Instant.now().toString(),
                input,
                partitioned ? AuditReport.PARTITIONED : AuditReport.PLAIN,
                settings,
                totals,
                checks,
                partitioned ? days : null,
                partitioned && langCol != null ? trends : null,
                langCol == null ? null : languages,
                notListed,
                langCol == null ? null : clustersOut,
                roleCol == null ? null : roles,
                histogram,
                top,
                alerts);
    }

    /** Each day against the days in the baselineDays calendar days before it that have labeled rows. */
    static List<Day> dayBaselines(List<Day> days, ReportOptions o, List<Alert> alerts) {
        List<Day> out = new ArrayList<>();
        for (Day d : days) {
            LocalDate day = LocalDate.parse(d.dt());
            LocalDate from = day.minusDays(o.baselineDays());
            List<Double> peers = new ArrayList<>();
            for (Day p : days) {
                LocalDate pd = LocalDate.parse(p.dt());
                if (!pd.isBefore(from) && pd.isBefore(day) && p.labeled().rows() > 0) {
                    peers.add((double) p.labeled().unsafe() / p.labeled().rows());
                }
            }
            Group g = test(
                    "day",
                    d.labeled(),
                    Baseline.of(peers),
                    o,
                    alerts,
                    "the " + peers.size() + " day(s) with rows in the " + o.baselineDays() + " days before");
            out.add(new Day(d.dt(), d.rowsIn(), d.rowsQuarantined(), d.quarantineReasons(), g));
        }
        return out;
    }

    /**
     * Each of the largest languages day by day, each day against the same language's rates on the days in the
     * baselineDays calendar days before it that have rows of it (the per-day rule, per language): kind language-day.
     */
    static List<AuditReport.LanguageTrend> languageTrends(
            Map<String, Map<String, long[]>> byLangDay, List<Day> days, ReportOptions o, List<Alert> alerts) {
        List<AuditReport.LanguageTrend> out = new ArrayList<>();
        Map<String, String> clusters = LanguageClusters.byCode();
        for (Map.Entry<String, Map<String, long[]>> e : byLangDay.entrySet()) {
            String lang = e.getKey();
            List<AuditReport.LanguageDay> cells = new ArrayList<>();
            long n = 0;
            long k = 0;
            for (Day d : days) {
                long[] nk = e.getValue().getOrDefault(d.dt(), new long[2]);
                n += nk[0];
                k += nk[1];
                LocalDate day = LocalDate.parse(d.dt());
                LocalDate from = day.minusDays(o.baselineDays());
                List<Double> peers = new ArrayList<>();
                for (Day p : days) {
                    LocalDate pd = LocalDate.parse(p.dt());
                    long[] pk = e.getValue().getOrDefault(p.dt(), new long[2]);
                    if (!pd.isBefore(from) && pd.isBefore(day) && pk[0] > 0) {
                        peers.add((double) pk[1] / pk[0]);
                    }
                }
                Group g = test(
                        "language-day",
                        "language " + Text.clip(lang, 40) + " on " + d.dt(),
                        lang,
                        d.dt(),
                        group(d.dt(), null, nk[1], nk[0], null, false),
                        Baseline.of(peers),
                        o,
                        alerts,
                        "its " + peers.size() + " day(s) with rows in the " + o.baselineDays() + " days before");
                cells.add(new AuditReport.LanguageDay(d.dt(), g));
            }
            out.add(new AuditReport.LanguageTrend(lang, clusterName(clusters, lang), n, k, cells));
        }
        return out;
    }

    /** Each group against the other groups with at least MIN_ROWS rows (leave one out), largest group first. */
    static List<Group> peerBaselines(String kind, List<Group> groups, ReportOptions o, List<Alert> alerts) {
        List<Group> out = new ArrayList<>();
        for (Group g : groups) {
            List<Double> peers = new ArrayList<>();
            for (Group p : groups) {
                if (p != g && p.rows() >= MIN_ROWS) {
                    peers.add((double) p.unsafe() / p.rows());
                }
            }
            out.add(test(
                    kind,
                    g,
                    Baseline.of(peers),
                    o,
                    alerts,
                    "the other " + peers.size() + " " + kind + "s with " + MIN_ROWS + "+ rows"));
        }
        out.sort(Comparator.comparingLong(Group::rows).reversed().thenComparing(Group::key));
        return out;
    }

    private static Group test(String kind, Group g, Baseline b, ReportOptions o, List<Alert> alerts, String peers) {
        return test(
                kind, g.key().startsWith(kind) ? g.key() : kind + " " + g.key(), g.key(), null, g, b, o, alerts, peers);
    }

    /**
     * The alert rule: {@code g} against {@code b}. An alert names {@code subject} in its message and has key
     * {@code key} (and {@code dt} for a language-day).
     */
    private static Group test(
            String kind,
            String subject,
            String key,
            String dt,
            Group g,
            Baseline b,
            ReportOptions o,
            List<Alert> alerts,
            String peers) {
        if (b.peers() < MIN_PEERS || g.rows() == 0) {
            return group(g.key(), g.cluster(), g.unsafe(), g.rows(), b.peers() == 0 ? null : b, false);
        }
        double z = b.z(g.unsafe(), g.rows());
        boolean alert = z >= o.alertThreshold();
        Group out = new Group(
                g.key(),
                g.cluster(),
                g.rows(),
                g.unsafe(),
                g.rate(),
                g.ciLow(),
                g.ciHigh(),
                round(b.median()),
                round(b.spread()),
                b.peers(),
                round(z),
                alert);
        if (alert) {
            alerts.add(new Alert(
                    kind,
                    key,
                    dt,
                    g.rows(),
                    g.unsafe(),
                    g.rate(),
                    g.ciLow(),
                    g.ciHigh(),
                    round(b.median()),
                    round(b.spread()),
                    round(z),
                    o.alertThreshold(),
                    String.format(
                            java.util.Locale.ROOT,
                            "%s: unsafe rate %.2f%% (%d of %d, 95%% CI %.2f-%.2f%%) is %.1f standard deviations above the "
                                    + "baseline %.2f%% (median of %s; spread %.2f%%)",
                            subject,
                            100 * g.rate(),
                            g.unsafe(),
                            g.rows(),
                            100 * g.ciLow(),
                            100 * g.ciHigh(),
                            z,
                            100 * b.median(),
                            peers,
                            100 * b.spread())));
        }
        return out;
    }

    static Group group(String key, String cluster, long unsafe, long rows, Baseline b, boolean alert) {
        double[] ci = Wilson.interval(unsafe, rows);
        return new Group(
                key,
                cluster,
                rows,
                unsafe,
                rate(unsafe, rows),
                round(ci[0]),
                round(ci[1]),
                b == null || b.peers() == 0 ? null : round(b.median()),
                b == null || b.peers() == 0 ? null : round(b.spread()),
                b == null ? null : b.peers(),
                null,
                alert);
    }

    private static Double rate(long k, long n) {
        return n == 0 ? null : round((double) k / n);
    }

    private static double round(double v) {
        return Math.round(v * 1e6) / 1e6;
    }

    /** The Table 8 cluster of a language value ("und" stays "und"). */
    static String clusterName(Map<String, String> clusters, String langKey) {
        if (langKey == null || langKey.equals(LanguageClusters.UNDETERMINED)) {
            return LanguageClusters.UNDETERMINED;
        }
        String base = langKey.trim().toLowerCase(java.util.Locale.ROOT).split("[-_]", 2)[0];
        return clusters.getOrDefault(base, LanguageClusters.NOT_IN_TABLE);
    }

    /** The same mapping in Spark: lower case, the part before - or _, looked up in a literal map. */
    private static Column clusterOf(Column langKey) {
        List<Column> kv = new ArrayList<>();
        for (Map.Entry<String, String> e : LanguageClusters.byCode().entrySet()) {
            kv.add(lit(e.getKey()));
            kv.add(lit(e.getValue()));
        }
        Column base = regexp_extract(lower(langKey), "^([^-_]*)", 1);
        return when(langKey.equalTo(LanguageClusters.UNDETERMINED), lit(LanguageClusters.UNDETERMINED))
                .otherwise(coalesce(
                        element_at(org.apache.spark.sql.functions.map(kv.toArray(Column[]::new)), base),
                        lit(LanguageClusters.NOT_IN_TABLE)));
    }

    /**
     * {@code summary} when it is a label summary the report can count from: a JSON object with whole-number
     * {@code rows_in}, {@code rows_labeled} and {@code rows_quarantined}; null when there is none. Anything else
     * (an empty file, {@code []}, {@code {}}, a count that is text) is refused: read as zeros it would give a report
     * whose counts do not add up.
     */
    static JsonNode checkedSummary(JsonNode summary, Path file) {
        if (summary == null) {
            return null;
        }
        List<String> bad = new ArrayList<>();
        for (String f : List.of("rows_in", "rows_labeled", "rows_quarantined")) {
            JsonNode v = summary.path(f);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0) {
                bad.add(f + (v.isMissingNode() ? " missing" : " = " + abbreviate(v.toString())));
            }
        }
        if (!summary.isObject() || !bad.isEmpty()) {
            throw new UsageException("Cannot report: " + file + " is not a crest label summary ("
                    + (summary.isObject()
                            ? String.join(", ", bad)
                            : "not a JSON object: " + abbreviate(summary.toString()))
                    + "; expected whole-number rows_in, rows_labeled, rows_quarantined); rerun the label job, "
                    + "or restore the file");
        }
        return summary;
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    private static JsonNode readJson(FileSystem fs, Path file) throws IOException {
        try (InputStream in = fs.open(file)) {
            return JSON.readTree(in);
        } catch (FileNotFoundException e) {
            return null;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UsageException("Cannot report: " + file + " is not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (org.apache.hadoop.fs.ChecksumException e) {
            // the file was edited or damaged after crest wrote it: its Hadoop checksum file no longer matches
            throw new UsageException("Cannot report: " + file
                    + " was changed after crest wrote it (it no longer matches " + "its checksum file ."
                    + file.getName() + ".crc); rerun the label job, or restore the file");
        }
    }
}
