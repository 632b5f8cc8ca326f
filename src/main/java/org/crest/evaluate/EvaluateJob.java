package org.crest.evaluate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.crest.LanguageCodes;
import org.crest.io.Csv;
import org.crest.spark.JobSupport;
import org.crest.spark.OutputFiles;
import org.crest.spark.OutputGuard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code crest evaluate}: score a labeled benchmark with the label job ({@link BenchmarkScoring}), then compute
 * F1 of the unsafe class per dataset × language (and cluster, group) from the scored Parquet, the paper's
 * averages and a threshold sweep, and write metrics.csv, averages.csv, metrics.json, thresholds.csv,
 * thresholds.png and report.md next to {@code scored/}.
 */
public final class EvaluateJob {
    private static final Logger LOG = LoggerFactory.getLogger(EvaluateJob.class);
    public static final String SCORED_DIR = "scored";
    public static final String METRICS_CSV = "metrics.csv";
    public static final String METRICS_JSON = "metrics.json";
    public static final String AVERAGES_CSV = "averages.csv";
    public static final String THRESHOLDS_CSV = "thresholds.csv";
    public static final String THRESHOLDS_PNG = "thresholds.png";
    public static final String THRESHOLDS_SVG = "thresholds.svg";
    public static final String REPORT_MD = "report.md";

    private EvaluateJob() {}

    /** What a run found; the same figures are in the files. */
    public record Result(
            BenchmarkScoring.Scored scored,
            String modelName,
            String paperModel,
            double threshold,
            List<Cell> metrics,
            List<Metrics.Average> averages,
            Map<String, List<ThresholdSweep.Point>> sweeps) {

        public Cell overall() {
            return metrics.stream()
                    .filter(c -> c.level().equals(Metrics.OVERALL))
                    .findFirst()
                    .orElseThrow();
        }

        /** The same result for the output its staging folder became. */
        public Result movedTo(String finalOutput) {
            return new Result(scored.movedTo(finalOutput), modelName, paperModel, threshold, metrics, averages, sweeps);
        }

        public Map<String, ThresholdSweep.Point> best() {
            Map<String, ThresholdSweep.Point> m = new LinkedHashMap<>();
            sweeps.forEach((k, v) -> m.put(k, ThresholdSweep.best(v)));
            return m;
        }
    }

    /**
     * Runs the job under {@link OutputGuard}: no overlap with the input, a lock on the output, and (local files, HDFS)
     * a staging folder that replaces the output only when the run is complete.
     */
    public static Result run(SparkSession spark, EvalOptions o) {
        try (OutputGuard guard = OutputGuard.claim(spark, "evaluate", o.output(), o.overwrite(), o.reads())) {
            Result r = guard.run(() -> evaluate(spark, o.writingTo(guard.writePath())));
            guard.commit();
            return new Result(
                    r.scored().movedTo(o.output()),
                    r.modelName(),
                    r.paperModel(),
                    r.threshold(),
                    r.metrics(),
                    r.averages(),
                    r.sweeps());
        }
    }

    /** One benchmark into {@code o.output()}, with no guard of its own (the caller's: {@link #run}, {@link SuiteJob}). */
    static Result evaluate(SparkSession spark, EvalOptions o) {
        BenchmarkScoring.Scored s = BenchmarkScoring.run(spark, o, SCORED_DIR, "evaluate");
        spark.sparkContext().setJobDescription("crest evaluate: metrics");
        Dataset<Row> scored = spark.read().parquet(s.scoredDir());
        List<Cell> metrics = Metrics.rollUp(Metrics.datasetLang(scored, o.threshold()));
        List<Metrics.Average> averages = Metrics.averages(metrics);
        spark.sparkContext().setJobDescription("crest evaluate: threshold sweep");
        Map<String, List<ThresholdSweep.Point>> sweeps = new LinkedHashMap<>();
        Map<String, long[][]> counts = ThresholdSweep.counts(scored);
        sweeps.put(ThresholdSweep.OVERALL, ThresholdSweep.sweep(counts.get(ThresholdSweep.OVERALL)));
        counts.forEach((k, v) -> sweeps.putIfAbsent(k, ThresholdSweep.sweep(v)));
        spark.sparkContext().setJobDescription(null);

        String id = s.label().model();
        String name = id.contains("@") ? id.substring(0, id.lastIndexOf('@')) : id;
        Result r = new Result(s, name, Paper.paperModel(name), o.threshold(), metrics, averages, sweeps);
        FileSystem fs = JobSupport.fileSystem(spark, new Path(o.output()));
        OutputFiles.write(fs, new Path(o.output(), METRICS_CSV), metricsCsv(metrics));
        OutputFiles.write(fs, new Path(o.output(), AVERAGES_CSV), averagesCsv(averages));
        OutputFiles.write(fs, new Path(o.output(), THRESHOLDS_CSV), thresholdsCsv(sweeps));
        OutputFiles.write(fs, new Path(o.output(), METRICS_JSON), json(r, o));
        OutputFiles.write(fs, new Path(o.output(), REPORT_MD), report(r, o));
        OutputFiles.write(
                fs,
                new Path(o.output(), THRESHOLDS_PNG),
                os -> ThresholdPlot.write(os, sweeps, "Precision / recall / F1 of unsafe vs threshold: " + name));
        OutputFiles.write(
                fs,
                new Path(o.output(), THRESHOLDS_SVG),
                os -> ThresholdPlot.writeSvg(os, sweeps, "Precision / recall / F1 of unsafe vs threshold: " + name));
        Cell all = r.overall();
        LOG.info(
                "Evaluated {} rows: F1 {} (P {}, R {}) at threshold {}; report at {}",
                all.c().n(),
                all.c().f1(),
                all.c().precision(),
                all.c().recall(),
                o.threshold(),
                new Path(o.output(), REPORT_MD));
        return r;
    }

    static String metricsCsv(List<Cell> metrics) {
        StringBuilder sb = new StringBuilder(Csv.line(Reports.METRICS_HEADER));
        for (Cell c : metrics) {
            sb.append(Csv.line(Reports.csvFields(c)));
        }
        return sb.toString();
    }

    static String averagesCsv(List<Metrics.Average> averages) {
        StringBuilder sb = new StringBuilder(Csv.line(List.of("kind", "key", "f1_mean", "cells")));
        for (Metrics.Average a : averages) {
            sb.append(Csv.line(List.of(a.kind(), a.key(), a.f1(), a.count())));
        }
        return sb.toString();
    }

    static String thresholdsCsv(Map<String, List<ThresholdSweep.Point>> sweeps) {
        StringBuilder sb = new StringBuilder(Csv.line(
                List.of("scope", "threshold", "n", "tp", "fp", "tn", "fn", "precision", "recall", "f1", "best")));
        sweeps.forEach((scope, pts) -> {
            ThresholdSweep.Point best = ThresholdSweep.best(pts);
            for (ThresholdSweep.Point p : pts) {
                Confusion c = p.c();
                sb.append(Csv.line(List.of(
                        scope,
                        String.format(java.util.Locale.ROOT, "%.2f", p.threshold()),
                        c.n(),
                        c.tp(),
                        c.fp(),
                        c.tn(),
                        c.fn(),
                        c.precision(),
                        c.recall(),
                        c.f1(),
                        p == best)));
            }
        });
        return sb.toString();
    }

    static String json(Result r, EvalOptions o) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", r.scored().label().model());
        m.put("model_name", r.modelName());
        m.put("model_is_demo", r.scored().label().modelIsDemo());
        m.put("paper_model", r.paperModel());
        m.put("threshold", r.threshold());
        m.put("input", o.bench().inputs());
        m.put("preset", o.bench().preset().cliName());
        m.put("rows", rowCounts(r.scored()));
        m.put("files", r.scored().files().stream().map(FileCount::json).toList());
        m.put("metrics", r.metrics().stream().map(Reports::json).toList());
        List<Map<String, Object>> avg = new ArrayList<>();
        for (Metrics.Average a : r.averages()) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("kind", a.kind());
            x.put("key", a.key());
            x.put("f1_mean", a.f1());
            x.put("cells", a.count());
            avg.add(x);
        }
        m.put("averages", avg);
        Map<String, Object> best = new LinkedHashMap<>();
        r.best().forEach((k, p) -> {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("threshold", p.threshold());
            x.put("precision", p.c().precision());
            x.put("recall", p.c().recall());
            x.put("f1", p.c().f1());
            best.put(k, x);
        });
        m.put("best_f1_thresholds", best);
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, Object> rowCounts(BenchmarkScoring.Scored s) {
        Map<String, Object> rows = new LinkedHashMap<>();
        rows.put("rows_in", s.rowsIn());
        rows.put("rows_scored", s.scored());
        rows.put("rows_quarantined", s.quarantinedTotal());
        Map<String, Long> reasons = new TreeMap<>(s.quarantineReasons());
        s.label().quarantineReasons().forEach((k, v) -> reasons.merge(k, v, Long::sum));
        rows.put("quarantine_reasons", reasons);
        rows.put("rows_excluded", s.excluded());
        rows.put("excluded_reasons", s.excludedReasons());
        return rows;
    }

    // ---- report.md -----------------------------------------------------------------------------------

    static String report(Result r, EvalOptions o) {
        StringBuilder md = new StringBuilder();
        BenchmarkScoring.Scored s = r.scored();
        md.append("# CREST evaluation: ").append(r.modelName()).append("\n\n");
        md.append("- model: `").append(s.label().model()).append("`");
        if (s.label().modelIsDemo()) {
            md.append(" — **the bundled demo model: random weights, its figures mean nothing**");
        }
        md.append("\n- input: `")
                .append(String.join(", ", o.bench().inputs()))
                .append("`, preset `")
                .append(o.bench().preset().cliName())
                .append("`\n");
        md.append("- threshold: unsafe when crest_score >= ")
                .append(r.threshold())
                .append("\n");
        @SuppressWarnings("unchecked")
        Map<String, Long> reasons = (Map<String, Long>) rowCounts(s).get("quarantine_reasons");
        md.append("- rows: ")
                .append(s.rowsIn())
                .append(" in, ")
                .append(s.scored())
                .append(" scored, ")
                .append(s.quarantinedTotal())
                .append(" quarantined ")
                .append(reasons)
                .append(", ")
                .append(s.excluded())
                .append(" excluded ")
                .append(s.excludedReasons())
                .append("\n");
        md.append("- F1 is the F1 of the unsafe class, in percent; precision / recall / F1 with no denominator are 0 "
                + "(see docs/EVALUATE.md)\n");
        if (r.paperModel() != null) {
            md.append("- the model is ")
                    .append(r.paperModel())
                    .append(": the paper's published figures are shown "
                            + "beside ours, as `ours (paper)` or in their own row\n");
        }
        md.append('\n');
        table2(md, r);
        table4(md, r);
        table6(md, r);
        groups(md, r);
        clusters(md, r);
        thresholds(md, r);
        return md.toString();
    }

    private static void table2(StringBuilder md, Result r) {
        Map<String, Cell> row = Metrics.table2(r.metrics());
        Map<String, Double> paper = r.paperModel() == null ? Map.of() : Paper.table2(r.paperModel());
        Set<String> cols = new LinkedHashSet<>(row.keySet());
        if (!paper.isEmpty()) {
            cols = new LinkedHashSet<>(Paper.TABLE2_DATASETS);
            cols.addAll(row.keySet());
        }
        md.append("## F1 per benchmark, English (as the paper's Table 2)\n\n");
        md.append("Each benchmark's English rows; a benchmark without English rows (CSRT, code-switched) with all its "
                + "rows. Average: the mean over the columns that have a figure.\n\n");
        md.append("| Model |");
        cols.forEach(c -> md.append(' ').append(Reports.displayName(c)).append(" |"));
        md.append(" Average |\n|---|");
        cols.forEach(c -> md.append("---:|"));
        md.append("---:|\n| ").append(r.modelName()).append(" (this run) |");
        List<Double> ours = new ArrayList<>();
        for (String c : cols) {
            Cell cell = row.get(c);
            md.append(' ')
                    .append(cell == null ? "-" : Reports.pct(cell.c().f1()))
                    .append(" |");
            if (cell != null) {
                ours.add(cell.c().f1());
            }
        }
        md.append(' ')
                .append(
                        ours.isEmpty()
                                ? "-"
                                : Reports.pct(ours.stream()
                                        .mapToDouble(d -> d)
                                        .average()
                                        .orElse(0)))
                .append(" |\n");
        if (!paper.isEmpty()) {
            md.append("| ").append(r.paperModel()).append(" (paper) |");
            List<Double> p = new ArrayList<>();
            for (String c : cols) {
                Double v = paper.get(c);
                md.append(' ')
                        .append(v == null ? "-" : String.format(java.util.Locale.ROOT, "%.2f", v))
                        .append(" |");
                if (v != null) {
                    p.add(v);
                }
            }
            md.append(' ')
                    .append(String.format(
                            java.util.Locale.ROOT,
                            "%.2f",
                            p.stream().mapToDouble(d -> d).average().orElse(0)))
                    .append(" |\n");
        }
        md.append('\n');
    }

    private static void table4(StringBuilder md, Result r) {
        Map<String, Double> paper = r.paperModel() == null ? Map.of() : Paper.table4(r.paperModel());
        md.append("## Per benchmark, all languages pooled (as the paper's Table 4)\n\n");
        md.append("| Dataset | languages | n | unsafe | tp | fp | tn | fn | precision | recall | F1 | accuracy |")
                .append(paper.isEmpty() ? "" : " F1 (paper) |")
                .append("\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
                .append(paper.isEmpty() ? "" : "---:|")
                .append('\n');
        List<Cell> ds = new ArrayList<>(r.metrics().stream()
                .filter(c -> c.level().equals(Metrics.DATASET))
                .toList());
        ds.sort(java.util.Comparator.comparing(c -> Metrics.datasetOrder(c.dataset())));
        for (Cell c : ds) {
            long langs = r.metrics().stream()
                    .filter(x -> x.level().equals(Metrics.DATASET_LANG)
                            && x.dataset().equals(c.dataset()))
                    .count();
            Confusion k = c.c();
            md.append("| ")
                    .append(Reports.displayName(c.dataset()))
                    .append(" | ")
                    .append(langs)
                    .append(" | ")
                    .append(k.n())
                    .append(" | ")
                    .append(k.positives())
                    .append(" | ")
                    .append(k.tp())
                    .append(" | ")
                    .append(k.fp())
                    .append(" | ")
                    .append(k.tn())
                    .append(" | ")
                    .append(k.fn())
                    .append(" | ")
                    .append(Reports.pct(k.precision()))
                    .append(" | ")
                    .append(Reports.pct(k.recall()))
                    .append(" | ")
                    .append(Reports.pct(k.f1()))
                    .append(" | ")
                    .append(Reports.pct(k.accuracy()))
                    .append(" |");
            if (!paper.isEmpty()) {
                Double p = paper.get(c.dataset());
                md.append(' ')
                        .append(p == null ? "-" : String.format(java.util.Locale.ROOT, "%.2f", p))
                        .append(" |");
            }
            md.append('\n');
        }
        Confusion all = r.overall().c();
        md.append("| **all** | | ")
                .append(all.n())
                .append(" | ")
                .append(all.positives())
                .append(" | ")
                .append(all.tp())
                .append(" | ")
                .append(all.fp())
                .append(" | ")
                .append(all.tn())
                .append(" | ")
                .append(all.fn())
                .append(" | ")
                .append(Reports.pct(all.precision()))
                .append(" | ")
                .append(Reports.pct(all.recall()))
                .append(" | ")
                .append(Reports.pct(all.f1()))
                .append(" | ")
                .append(Reports.pct(all.accuracy()))
                .append(" |")
                .append(paper.isEmpty() ? "" : " |")
                .append("\n\n");
    }

    private static void table6(StringBuilder md, Result r) {
        Map<String, Map<String, Double>> paper = r.paperModel() == null ? Map.of() : Paper.table6(r.paperModel());
        Set<String> langs = new TreeSet<>(java.util.Comparator.comparing(Metrics::langOrder));
        Map<String, Map<String, Cell>> byDataset = new TreeMap<>(java.util.Comparator.comparing(Metrics::datasetOrder));
        for (Cell c : r.metrics()) {
            if (c.level().equals(Metrics.DATASET_LANG)) {
                langs.add(c.lang());
                byDataset
                        .computeIfAbsent(c.dataset(), k -> new LinkedHashMap<>())
                        .put(c.lang(), c);
            }
        }
        md.append("## F1 per benchmark × language (as the paper's Table 6)\n\n");
        md.append("Average: the mean over the benchmarks that have the language.")
                .append(paper.isEmpty() ? "" : " Cells are `ours (paper)` where the paper has the figure.")
                .append("\n\n| Dataset |");
        langs.forEach(l -> md.append(' ').append(l).append(" |"));
        md.append("\n|---|");
        langs.forEach(l -> md.append("---:|"));
        md.append('\n');
        byDataset.forEach((d, cells) -> {
            md.append("| ").append(Reports.displayName(d)).append(" |");
            for (String l : langs) {
                Cell c = cells.get(l);
                Double p = paper.getOrDefault(d, Map.of()).get(LanguageCodes.base(l));
                md.append(' ')
                        .append(c == null ? "-" : Reports.pct(c.c().f1()))
                        .append(p == null ? "" : String.format(java.util.Locale.ROOT, " (%.2f)", p))
                        .append(" |");
            }
            md.append('\n');
        });
        md.append("| **Average** |");
        Map<String, Metrics.Average> avg = new LinkedHashMap<>();
        r.averages().stream().filter(a -> a.kind().equals(Metrics.LANG)).forEach(a -> avg.put(a.key(), a));
        for (String l : langs) {
            Metrics.Average a = avg.get(l);
            md.append(" **").append(a == null ? "-" : Reports.pct(a.f1())).append("** |");
        }
        md.append("\n\n");
    }

    private static void groups(StringBuilder md, Result r) {
        md.append("## In-domain vs out-of-domain languages (as the paper's Figure 3)\n\n");
        md.append(
                "Mean over the group's languages of their Average F1 (above). Groups: in_domain = the paper's 13 "
                        + "training languages, ood_low = its 11 low-resource evaluation languages, out_of_domain = all others "
                        + "(or --language-groups).\n\n| Group | languages | mean F1 | pooled n | pooled F1 |\n|---|---|---:|---:|---:|\n");
        for (Metrics.Average a : r.averages()) {
            if (!a.kind().equals(Metrics.GROUP)) {
                continue;
            }
            List<String> members = r.metrics().stream()
                    .filter(c -> c.level().equals(Metrics.LANG)
                            && a.key().equals(Objects.toString(c.group(), Paper.OUT_OF_DOMAIN)))
                    .map(Cell::lang)
                    .toList();
            Cell pooled = r.metrics().stream()
                    .filter(c -> c.level().equals(Metrics.GROUP) && a.key().equals(c.group()))
                    .findFirst()
                    .orElse(null);
            Reports.groupRow(md, a, members, pooled);
            md.append('\n');
        }
        md.append('\n');
    }

    private static void clusters(StringBuilder md, Result r) {
        Set<String> clusters = new TreeSet<>();
        Map<String, Map<String, Cell>> byDataset = new TreeMap<>(java.util.Comparator.comparing(Metrics::datasetOrder));
        for (Cell c : r.metrics()) {
            if (c.level().equals(Metrics.DATASET_CLUSTER)) {
                String k = c.cluster() == null ? "none" : String.valueOf(c.cluster());
                clusters.add(k);
                byDataset
                        .computeIfAbsent(c.dataset(), x -> new LinkedHashMap<>())
                        .put(k, c);
            }
        }
        md.append("## F1 per benchmark × language cluster (the paper's Table 8 clusters, pooled)\n\n| Dataset |");
        clusters.forEach(k -> md.append(" cluster ").append(k).append(" |"));
        md.append("\n|---|");
        clusters.forEach(k -> md.append("---:|"));
        md.append('\n');
        byDataset.forEach((d, cells) -> {
            md.append("| ").append(Reports.displayName(d)).append(" |");
            for (String k : clusters) {
                Cell c = cells.get(k);
                md.append(' ')
                        .append(c == null ? "-" : Reports.pct(c.c().f1()) + " (n " + c.c().n() + ")")
                        .append(" |");
            }
            md.append('\n');
        });
        md.append('\n');
    }

    private static void thresholds(StringBuilder md, Result r) {
        md.append("## Thresholds\n\n![precision, recall and F1 against the threshold](")
                .append(THRESHOLDS_PNG)
                .append(") (also `")
                .append(THRESHOLDS_SVG)
                .append("`)\n\nBest-F1 threshold on the grid 0.00..1.00 (lowest on ties); all points in `")
                .append(THRESHOLDS_CSV)
                .append("`.\n\n| Scope | threshold | precision | recall | F1 |\n|---|---:|---:|---:|---:|\n");
        r.best().forEach((k, p) -> md.append("| ")
                .append(k)
                .append(" | ")
                .append(String.format(java.util.Locale.ROOT, "%.2f", p.threshold()))
                .append(" | ")
                .append(Reports.pct(p.c().precision()))
                .append(" | ")
                .append(Reports.pct(p.c().recall()))
                .append(" | ")
                .append(Reports.pct(p.c().f1()))
                .append(" |\n"));
        md.append('\n');
    }
}
