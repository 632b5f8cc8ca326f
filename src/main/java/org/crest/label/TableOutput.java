package org.crest.label;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.crest.UsageException;
import org.crest.spark.OutputGuard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code label --output-table NAME [--quarantine-table NAME]}: the labeled (and quarantined) rows go into tables of
 * the session's catalogs through {@code DataFrameWriterV2} ({@code df.writeTo(name)}), so Delta on Databricks and
 * Iceberg on EMR/Glue are written by the cluster's own catalog and crest ships no table format.
 *
 * <p>Every row gets {@value #RUN_ID_COL}, the run that wrote it. A plain run creates a missing table and appends to
 * an existing one; its rows are then read back by run id. Under {@code --resume} every row also gets {@value #DT_COL}
 * (a DATE, the partition), a missing table is created partitioned by it, and each day is written with
 * {@code overwrite(dt = DAY)}: one commit that replaces that day's rows, also when the new run has none (which
 * {@code overwritePartitions()} would not do); its rows are read back by day. The counts read back from the tables
 * are the ones the label job checks against the input (rows in = labeled + quarantined, per file).
 *
 * <p>Tables of Spark's built-in session catalog ({@code spark_catalog} with a file format such as Parquet) are v1
 * tables, which {@code DataFrameWriterV2} cannot append to or overwrite in Spark 4.2 ("Cannot write into v1 table");
 * for them the same semantics are written with {@code insertInto} (append) and {@code INSERT OVERWRITE ... PARTITION
 * (dt = DAY)} (replace one day), a job each. See docs/PLATFORMS.md.
 */
public final class TableOutput {
    private static final Logger LOG = LoggerFactory.getLogger(TableOutput.class);
    /** The column that names the run that wrote a row. */
    public static final String RUN_ID_COL = "crest_run_id";
    /** The partition column of tables written under --resume. */
    public static final String DT_COL = "dt";

    private static final java.util.regex.Pattern PLAIN = java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Set<String> PATH_FORMATS =
            Set.of("delta", "parquet", "orc", "iceberg", "hudi", "json", "csv", "avro", "text");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String table;
    private final List<String> tableParts;
    private final String quarantineTable;
    private final List<String> quarantineParts;

    /**
     * @param table {@code --output-table}, required
     * @param quarantineTable {@code --quarantine-table}, or null: quarantined rows go to OUTPUT/_quarantine as without
     *     tables
     * @throws UsageException a name that is not a table identifier, or the same table twice
     */
    public TableOutput(String table, String quarantineTable) {
        if (table == null) {
            throw new UsageException("Cannot use --quarantine-table without --output-table: the labeled rows would go "
                    + "to --output as Parquet and only the quarantine to a table; pass --output-table too");
        }
        this.table = table;
        this.tableParts = parts("--output-table", table);
        this.quarantineTable = quarantineTable;
        this.quarantineParts = quarantineTable == null ? null : parts("--quarantine-table", quarantineTable);
        if (quarantineParts != null && lower(quarantineParts).equals(lower(tableParts))) {
            throw new UsageException("Cannot use the same table for --output-table and --quarantine-table (" + table
                    + "): labeled and quarantined rows have other columns; name two tables");
        }
    }

    public String table() {
        return table;
    }

    /** The quarantine table, or null when quarantined rows go to the output folder's _quarantine/. */
    public String quarantineTable() {
        return quarantineTable;
    }

    /**
     * The parts of a table identifier {@code [catalog.][namespace.]table}: each part letters, digits and _ (not
     * starting with a digit), or any text in backticks ({@code ``} for a backtick), as Spark SQL writes identifiers.
     */
    static List<String> parts(String flag, String name) {
        String usage = "Cannot use " + flag + " " + name + ": not a table name; expected [catalog.][namespace.]table, "
                + "each part letters, digits and _ (not starting with a digit) or quoted in backticks, e.g. "
                + "main.audit.crest_labels or `audit-db`.labels";
        if (name == null || name.isBlank()) {
            throw new UsageException(usage);
        }
        List<String> parts = new ArrayList<>();
        int i = 0;
        int n = name.length();
        while (true) {
            String part;
            if (i < n && name.charAt(i) == '`') {
                StringBuilder sb = new StringBuilder();
                int j = i + 1;
                while (true) {
                    if (j >= n) {
                        throw new UsageException(usage + " (a backtick is not closed)");
                    }
                    char c = name.charAt(j);
                    if (c == '`') {
                        if (j + 1 < n && name.charAt(j + 1) == '`') {
                            sb.append('`');
                            j += 2;
                            continue;
                        }
                        break;
                    }
                    sb.append(c);
                    j++;
                }
                part = sb.toString();
                i = j + 1;
            } else {
                int j = i;
                while (j < n && name.charAt(j) != '.') {
                    j++;
                }
                part = name.substring(i, j);
                if (!PLAIN.matcher(part).matches()) {
                    throw new UsageException(usage);
                }
                i = j;
            }
            if (part.isEmpty()) {
                throw new UsageException(usage);
            }
            parts.add(part);
            if (i == n) {
                return List.copyOf(parts);
            }
            if (name.charAt(i) != '.' || i == n - 1) {
                throw new UsageException(usage);
            }
            i++;
        }
    }

    /** The identifier with every part in backticks, as Spark's parser reads it back. */
    static String quoted(List<String> parts) {
        List<String> q = new ArrayList<>();
        for (String p : parts) {
            q.add("`" + p.replace("`", "``") + "`");
        }
        return String.join(".", q);
    }

    private static List<String> lower(List<String> parts) {
        return parts.stream().map(p -> p.toLowerCase(Locale.ROOT)).toList();
    }

    /** The path of a path-based table ({@code delta.`/data/t`}), else null. */
    static String pathOf(List<String> parts) {
        if (parts.size() == 2
                && PATH_FORMATS.contains(parts.get(0).toLowerCase(Locale.ROOT))
                && (parts.get(1).contains("/") || parts.get(1).contains(":"))) {
            return parts.get(1);
        }
        return null;
    }

    /**
     * Refuses a path-based table whose path overlaps what the run reads or the --output folder (before Spark starts;
     * {@link #checkLocations(SparkSession, List, String)} also checks existing tables' locations).
     */
    public void checkPaths(Configuration conf, List<OutputGuard.Input> reads, String outputFolder) {
        check(conf, "--output-table", table, pathOf(tableParts), reads, outputFolder);
        if (quarantineParts != null) {
            check(conf, "--quarantine-table", quarantineTable, pathOf(quarantineParts), reads, outputFolder);
        }
    }

    /**
     * Refuses a table whose location (the path of a path-based table, or the Location an existing table reports)
     * is, contains or lies inside an input, the model folder or the --output folder: crest never writes where it
     * reads. A table that does not exist yet gets its location from its catalog when it is created.
     */
    public void checkLocations(SparkSession spark, List<OutputGuard.Input> reads, String outputFolder) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        check(conf, "--output-table", table, location(spark, tableParts), reads, outputFolder);
        if (quarantineParts != null) {
            check(conf, "--quarantine-table", quarantineTable, location(spark, quarantineParts), reads, outputFolder);
        }
    }

    private static void check(
            Configuration conf,
            String flag,
            String name,
            String location,
            List<OutputGuard.Input> reads,
            String outputFolder) {
        if (location == null) {
            return;
        }
        List<OutputGuard.Input> all = new ArrayList<>(reads);
        all.add(new OutputGuard.Input("--output", outputFolder));
        try {
            OutputGuard.refuseOverlap(conf, location, all);
        } catch (UsageException e) {
            throw new UsageException(e.getMessage()
                    .replaceFirst(
                            "^Cannot write: --output " + java.util.regex.Pattern.quote(location),
                            java.util.regex.Matcher.quoteReplacement(
                                    "Cannot write: " + flag + " " + name + " (location " + location + ")"))
                    .replace("pass an --output outside the input", "pass a table outside the input and --output"));
        }
    }

    /** The path of a path-based table, or the Location of an existing one, else null. */
    private static String location(SparkSession spark, List<String> parts) {
        String path = pathOf(parts);
        if (path != null) {
            return path;
        }
        String q = quoted(parts);
        try {
            if (!spark.catalog().tableExists(q)) {
                return null;
            }
            for (Row r : spark.sql("DESCRIBE TABLE EXTENDED " + q).collectAsList()) {
                if (!r.isNullAt(0) && r.getString(0).trim().equalsIgnoreCase("Location") && !r.isNullAt(1)) {
                    String loc = r.getString(1).trim();
                    return loc.isEmpty() ? null : loc;
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("Cannot look up the location of table {} ({}); not checked against the inputs", q, e.getMessage());
        }
        return null;
    }

    /** The settings a --resume manifest records, so that a day labeled into other tables (or folders) is redone. */
    public Map<String, String> settings() {
        Map<String, String> m = new TreeMap<>();
        m.put("output_table", quoted(tableParts));
        m.put("quarantine_table", quarantineParts == null ? "" : quoted(quarantineParts));
        return m;
    }

    /**
     * The writes of one run: all rows with {@code crest_run_id = runId}; with a {@code day} (YYYY-MM-DD, under
     * --resume) also {@code dt = day}, replacing that day.
     */
    public Bound bind(SparkSession spark, String runId, String day) {
        return new Bound(spark, runId, day);
    }

    /**
     * What --resume finds wrong with a committed day in the tables: the manifest's counts against the rows the tables
     * hold for it now (a day deleted or changed in the table since is labeled again). Empty: as committed.
     */
    public List<String> problems(SparkSession spark, String day, long labeled, long quarantined) {
        List<String> p = new ArrayList<>();
        Bound b = bind(spark, "", day);
        long nl = b.countOrMinusOne(tableParts);
        if (nl != labeled) {
            p.add("table " + table + " holds " + (nl < 0 ? "no table" : nl + " row(s)") + " for dt=" + day
                    + ", the manifest says " + labeled);
        }
        if (quarantineParts != null) {
            long nq = b.countOrMinusOne(quarantineParts);
            if (nq != quarantined) {
                p.add("table " + quarantineTable + " holds " + (nq < 0 ? "no table" : nq + " row(s)") + " for dt=" + day
                        + ", the manifest says " + quarantined);
            }
        }
        return p;
    }

    /** {@code summary} (a summary record) as JSON with the tables and the run id added. */
    public ObjectNode annotate(Object summary, String runId) {
        ObjectNode n = JSON.valueToTree(summary);
        n.put("output_table", table);
        if (quarantineTable != null) {
            n.put("quarantine_table", quarantineTable);
        } else {
            n.putNull("quarantine_table");
        }
        if (runId != null) {
            n.put(RUN_ID_COL, runId);
        }
        return n;
    }

    /** The writes and read-backs of one run (see {@link #bind}). */
    public final class Bound {
        private final SparkSession spark;
        private final String runId;
        private final String day;

        private Bound(SparkSession spark, String runId, String day) {
            this.spark = spark;
            this.runId = runId;
            this.day = day;
            if (day != null) {
                java.time.LocalDate.parse(day); // a dt= folder name was checked to be a date
            }
        }

        public TableOutput tables() {
            return TableOutput.this;
        }

        public String runId() {
            return runId;
        }

        public boolean hasQuarantineTable() {
            return quarantineParts != null;
        }

        /** Writes the labeled rows (this runs the scoring) into --output-table. */
        public void writeLabeled(Dataset<Row> rows) {
            write("--output-table", table, tableParts, rows);
        }

        /** Writes the quarantined rows into --quarantine-table. */
        public void writeQuarantine(Dataset<Row> rows) {
            write("--quarantine-table", quarantineTable, quarantineParts, rows);
        }

        /** This run's rows in --output-table, read back from the table (for plain runs by run id, else by day). */
        public Dataset<Row> labeledRows() {
            return rows(tableParts);
        }

        /** This run's rows in --quarantine-table, read back. */
        public Dataset<Row> quarantineRows() {
            return rows(quarantineParts);
        }

        private Column mine() {
            return day == null
                    ? col(RUN_ID_COL).cast("string").equalTo(lit(runId))
                    : col(DT_COL).equalTo(lit(java.sql.Date.valueOf(day)));
        }

        private Dataset<Row> rows(List<String> parts) {
            String q = quoted(parts);
            spark.catalog().refreshTable(q);
            return spark.table(q).where(mine());
        }

        long countOrMinusOne(List<String> parts) {
            String q = quoted(parts);
            if (!spark.catalog().tableExists(q)) {
                return -1;
            }
            return rows(parts).count();
        }

        private void write(String flag, String name, List<String> parts, Dataset<Row> rows) {
            String q = quoted(parts);
            for (String c : rows.columns()) {
                if (c.equalsIgnoreCase(RUN_ID_COL) || (day != null && c.equalsIgnoreCase(DT_COL))) {
                    throw new UsageException("Cannot write " + flag + " " + name + ": the input already has a column "
                            + c + ", which crest adds to every row of a table; rename it in the input");
                }
            }
            Dataset<Row> df = rows.withColumn(RUN_ID_COL, lit(runId));
            if (day != null) {
                df = df.withColumn(DT_COL, lit(java.sql.Date.valueOf(day)));
            }
            try {
                if (!spark.catalog().tableExists(q)) {
                    LOG.info("Creating table {} ({})", q, day == null ? "unpartitioned" : "partitioned by dt");
                    try {
                        if (day == null) {
                            df.writeTo(q).create();
                        } else {
                            df.writeTo(q).partitionedBy(col(DT_COL)).create();
                        }
                    } catch (RuntimeException e) {
                        if (e instanceof org.apache.spark.SparkThrowable t
                                && "LOCATION_ALREADY_EXISTS".equals(t.getCondition())) {
                            throw new UsageException(
                                    "Cannot create " + flag + " " + name + ": its catalog does not "
                                            + "know the table, but the folder it would get exists ("
                                            + firstLine(e.getMessage())
                                            + "); without a metastore, as in embedded runs, Spark's session catalog forgets its "
                                            + "tables when the JVM ends: configure a persistent catalog (docs/PLATFORMS.md) or "
                                            + "remove the folder",
                                    e);
                        }
                        throw e;
                    }
                    return;
                }
                sameColumns(flag, name, q, df);
                try {
                    if (day == null) {
                        df.writeTo(q).append();
                    } else {
                        df.writeTo(q).overwrite(col(DT_COL).equalTo(lit(java.sql.Date.valueOf(day))));
                    }
                } catch (AnalysisException e) {
                    if (!isV1(e)) {
                        throw e;
                    }
                    writeV1(flag, name, q, df);
                }
            } catch (AnalysisException e) {
                throw new UsageException("Cannot write " + flag + " " + name + ": " + firstLine(e.getMessage()), e);
            }
        }

        /** A v1 table of the session catalog: insertInto (append), or a static INSERT OVERWRITE of the day. */
        private void writeV1(String flag, String name, String q, Dataset<Row> df) throws AnalysisException {
            List<String> columns = new ArrayList<>();
            List<String> partitions = new ArrayList<>();
            for (org.apache.spark.sql.catalog.Column c :
                    spark.catalog().listColumns(q).collectAsList()) {
                (c.isPartition() ? partitions : columns).add(c.name());
            }
            if (day == null) {
                List<String> all = new ArrayList<>(columns);
                all.addAll(partitions);
                df.select(all.stream()
                                .map(c -> col("`" + c.replace("`", "``") + "`"))
                                .toArray(Column[]::new))
                        .write()
                        .insertInto(q);
                return;
            }
            if (!lower(partitions).equals(List.of(DT_COL))) {
                throw new UsageException("Cannot write " + flag + " " + name + " under --resume: it is partitioned by "
                        + partitions + ", not by " + DT_COL + " alone, so a day cannot be replaced; let crest create "
                        + "it, or create it PARTITIONED BY (" + DT_COL + ")");
            }
            String view = "crest_table_write_"
                    + Integer.toHexString(ThreadLocalRandom.current().nextInt());
            df.createOrReplaceTempView(view);
            try {
                StringBuilder select = new StringBuilder();
                for (String c : columns) {
                    select.append(select.length() == 0 ? "" : ", ")
                            .append('`')
                            .append(c.replace("`", "``"))
                            .append('`');
                }
                spark.sql("INSERT OVERWRITE TABLE " + q + " PARTITION (`" + DT_COL + "` = '" + day + "') SELECT "
                        + select + " FROM " + view);
            } finally {
                spark.catalog().dropTempView(view);
            }
        }

        /** Refuses rows whose columns are not the table's (Spark's v1 insert would drop or misplace them). */
        private void sameColumns(String flag, String name, String q, Dataset<Row> df) {
            Set<String> want = new TreeSet<>();
            for (StructField f : spark.table(q).schema().fields()) {
                want.add(f.name().toLowerCase(Locale.ROOT));
            }
            Set<String> have = new TreeSet<>();
            for (String c : df.columns()) {
                have.add(c.toLowerCase(Locale.ROOT));
            }
            if (!want.equals(have)) {
                Set<String> missing = new TreeSet<>(want);
                missing.removeAll(have);
                Set<String> extra = new TreeSet<>(have);
                extra.removeAll(want);
                throw new UsageException("Cannot write " + flag + " " + name + ": its columns are not this run's ("
                        + (extra.isEmpty() ? "" : "not in the table: " + extra)
                        + (extra.isEmpty() || missing.isEmpty() ? "" : "; ")
                        + (missing.isEmpty() ? "" : "not in this run: " + missing)
                        + "); the same input columns and options (--detect-language, --messages-col) give the same "
                        + "columns, else use another table");
            }
        }
    }

    private static boolean isV1(AnalysisException e) {
        return "_LEGACY_ERROR_TEMP_1012".equals(e.getCondition())
                || String.valueOf(e.getMessage()).contains("Cannot write into v1 table");
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).trim();
    }
}
