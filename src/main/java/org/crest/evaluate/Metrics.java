package org.crest.evaluate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.crest.Columns;
import org.crest.LanguageCodes;

/**
 * Confusion counts of the unsafe class per dataset × language at one threshold, in one Spark aggregation
 * over the scored rows, and the roll-ups and averages the CREST paper reports, summed from those counts on
 * the driver (counts add exactly).
 */
public final class Metrics {
    public static final String DATASET_LANG = "dataset_lang";
    public static final String DATASET = "dataset";
    public static final String DATASET_CLUSTER = "dataset_cluster";
    public static final String LANG = "lang";
    public static final String CLUSTER = "cluster";
    public static final String GROUP = "group";
    public static final String OVERALL = "overall";

    private Metrics() {}

    /** One row per dataset × language (with its cluster and group): a row is predicted unsafe when score >= threshold. */
    public static List<Cell> datasetLang(Dataset<Row> scored, double threshold) {
        Column unsafe = col(BenchmarkRows.LABEL).equalTo(LabelMapping.UNSAFE);
        Column safe = col(BenchmarkRows.LABEL).equalTo(LabelMapping.SAFE);
        Column predicted = col(Columns.SCORE_COL).geq(threshold);
        Column notPredicted = col(Columns.SCORE_COL).lt(threshold);
        List<Row> rows = scored.groupBy(
                        BenchmarkRows.DATASET, BenchmarkRows.LANG, BenchmarkRows.CLUSTER, BenchmarkRows.GROUP)
                .agg(
                        count(unsafe.and(predicted)),
                        count(safe.and(predicted)),
                        count(safe.and(notPredicted)),
                        count(unsafe.and(notPredicted)))
                .collectAsList();
        List<Cell> out = new ArrayList<>();
        for (Row r : rows) {
            out.add(new Cell(
                    DATASET_LANG,
                    r.getString(0),
                    r.getString(1),
                    r.isNullAt(2) ? null : r.getInt(2),
                    r.getString(3),
                    new Confusion(r.getLong(4), r.getLong(5), r.getLong(6), r.getLong(7))));
        }
        out.sort(Comparator.comparing(Cell::dataset).thenComparing(c -> langOrder(c.lang())));
        return out;
    }

    private static Column count(Column condition) {
        return sum(when(condition, lit(1L)).otherwise(lit(0L)));
    }

    /** All levels: the dataset × language cells, then pooled per dataset, dataset × cluster, language, cluster, group, overall. */
    public static List<Cell> rollUp(List<Cell> cells) {
        List<Cell> out = new ArrayList<>(cells);
        out.addAll(pool(cells, c -> new Cell(DATASET, c.dataset(), null, null, null, null)));
        out.addAll(pool(cells, c -> new Cell(DATASET_CLUSTER, c.dataset(), null, c.cluster(), null, null)));
        out.addAll(pool(cells, c -> new Cell(LANG, null, c.lang(), c.cluster(), c.group(), null)));
        out.addAll(pool(cells, c -> new Cell(CLUSTER, null, null, c.cluster(), null, null)));
        out.addAll(pool(cells, c -> new Cell(GROUP, null, null, null, c.group(), null)));
        out.addAll(pool(cells, c -> new Cell(OVERALL, null, null, null, null, null)));
        return out;
    }

    private static List<Cell> pool(List<Cell> cells, Function<Cell, Cell> keyOf) {
        Map<List<Object>, Cell> m = new LinkedHashMap<>();
        for (Cell c : cells) {
            Cell k = keyOf.apply(c);
            List<Object> key = java.util.Arrays.asList(k.level(), k.dataset(), k.lang(), k.cluster(), k.group());
            Cell prev = m.get(key);
            m.put(
                    key,
                    new Cell(
                            k.level(),
                            k.dataset(),
                            k.lang(),
                            k.cluster(),
                            k.group(),
                            prev == null ? c.c() : prev.c().plus(c.c())));
        }
        List<Cell> out = new ArrayList<>(m.values());
        out.sort(Comparator.comparing((Cell c) -> Objects.toString(c.dataset(), ""))
                .thenComparing(c -> c.cluster() == null ? Integer.MAX_VALUE : c.cluster())
                .thenComparing(c -> langOrder(c.lang()))
                .thenComparing(c -> Objects.toString(c.group(), "")));
        return out;
    }

    /** A mean of F1 over {@code count} cells (macro average, the paper's "Average"). */
    public record Average(String kind, String key, double f1, int count) {}

    /**
     * The paper's averages: per language, the mean F1 over its datasets (Table 6's Average row); per dataset,
     * the mean over its languages; per cluster and per group (in_domain, ood_low, out_of_domain: Figure 3), the
     * mean of their languages' averages; and table2: the mean over the Table 2 row ({@link #table2}).
     */
    public static List<Average> averages(List<Cell> cells) {
        Map<String, List<Double>> byLang = new TreeMap<>(Comparator.comparing(Metrics::langOrder));
        Map<String, List<Double>> byDataset = new TreeMap<>();
        Map<String, Integer> clusterOf = new LinkedHashMap<>();
        Map<String, String> groupOf = new LinkedHashMap<>();
        for (Cell c : cells) {
            if (!c.level().equals(DATASET_LANG)) {
                continue;
            }
            byLang.computeIfAbsent(c.lang(), k -> new ArrayList<>()).add(c.c().f1());
            byDataset.computeIfAbsent(c.dataset(), k -> new ArrayList<>()).add(c.c().f1());
            clusterOf.put(c.lang(), c.cluster());
            groupOf.put(c.lang(), c.group());
        }
        List<Average> out = new ArrayList<>();
        Map<String, List<Double>> byCluster = new TreeMap<>();
        Map<String, List<Double>> byGroup = new TreeMap<>();
        for (Map.Entry<String, List<Double>> e : byLang.entrySet()) {
            double mean = mean(e.getValue());
            out.add(new Average(LANG, e.getKey(), mean, e.getValue().size()));
            Integer cl = clusterOf.get(e.getKey());
            byCluster
                    .computeIfAbsent(cl == null ? "none" : String.valueOf(cl), k -> new ArrayList<>())
                    .add(mean);
            byGroup.computeIfAbsent(
                            Objects.toString(groupOf.get(e.getKey()), Paper.OUT_OF_DOMAIN), k -> new ArrayList<>())
                    .add(mean);
        }
        byDataset.forEach((k, v) -> out.add(new Average(DATASET, k, mean(v), v.size())));
        byCluster.forEach((k, v) -> out.add(new Average(CLUSTER, k, mean(v), v.size())));
        byGroup.forEach((k, v) -> out.add(new Average(GROUP, k, mean(v), v.size())));
        Map<String, Cell> t2 = table2(cells);
        if (!t2.isEmpty()) {
            out.add(new Average(
                    "table2",
                    "english",
                    mean(t2.values().stream().map(c -> c.c().f1()).toList()),
                    t2.size()));
        }
        return out;
    }

    /**
     * Table 2's row for this model: per dataset, its English rows; a dataset with no English rows (CSRT is
     * code-switched) counts with all its rows.
     */
    public static Map<String, Cell> table2(List<Cell> cells) {
        Map<String, Cell> out = new TreeMap<>(Comparator.comparing(Metrics::datasetOrder));
        for (Cell c : cells) {
            if (c.level().equals(DATASET_LANG) && "en".equals(c.lang())) {
                out.put(c.dataset(), c);
            }
        }
        for (Cell c : cells) {
            if (c.level().equals(DATASET)
                    && !out.containsKey(c.dataset())
                    && cells.stream()
                            .noneMatch(x -> x.level().equals(DATASET_LANG)
                                    && x.dataset().equals(c.dataset())
                                    && "en".equals(x.lang()))) {
                out.put(c.dataset(), c);
            }
        }
        return out;
    }

    static double mean(List<Double> v) {
        return v.isEmpty() ? 0.0 : v.stream().mapToDouble(Double::doubleValue).sum() / v.size();
    }

    /** Languages in the paper's Table 6 order first (en, then the 11 low-resource ones), then alphabetically. */
    public static String langOrder(String lang) {
        if (lang == null) {
            return "~";
        }
        int i = Paper.TABLE6_LANGS.indexOf(LanguageCodes.base(lang));
        return i >= 0 ? String.format("0%02d", i) : "1" + lang;
    }

    /** Datasets in the paper's Table 2 order first, then alphabetically. */
    public static String datasetOrder(String dataset) {
        int i = Paper.TABLE2_DATASETS.indexOf(dataset);
        return i >= 0 ? String.format("0%02d", i) : "1" + dataset;
    }
}
