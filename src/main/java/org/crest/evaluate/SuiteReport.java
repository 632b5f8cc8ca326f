package org.crest.evaluate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.crest.LanguageCodes;
import org.crest.io.Csv;

/**
 * The suite's one report, laid out like the CREST paper's Table 2 (English benchmarks), Table 4 (benchmarks with
 * their languages pooled) and Table 6 (benchmark × language, the low-resource languages), with the in-domain vs
 * out-of-domain groups of Section 4. Beside each of our figures stand the paper's CREST-BASE and CREST-LARGE
 * figures for the same cell, and the best published multilingual guard figures ({@link Paper#referenceGuards})
 * stand as labeled reference rows. The same figures go to suite.md, and one per line to suite.csv and suite.json.
 */
final class SuiteReport {
    static final List<String> PAPER_MODELS = List.of("CREST-BASE", "CREST-LARGE");
    static final String THIS_RUN = "this run";
    static final List<String> CSV_HEADER = List.of(
            "table",
            "model",
            "source",
            "dataset",
            "lang",
            "group",
            "n",
            "positives",
            "tp",
            "fp",
            "tn",
            "fn",
            "precision",
            "recall",
            "f1",
            "cells");

    /**
     * One figure: ours (with its confusion counts) or a published one ({@code c} null). {@code f1} is a fraction;
     * for the *_average tables it is a mean of {@code cells} F1 values.
     */
    record Figure(
            String table,
            String model,
            String source,
            String dataset,
            String lang,
            String group,
            Confusion c,
            double f1,
            Integer cells) {}

    private final SuiteJob.Result r;
    private final Map<String, Map<String, Double>> table2 = new LinkedHashMap<>();
    private final Map<String, Map<String, Double>> table4 = new LinkedHashMap<>();
    private final Map<String, Map<String, Map<String, Double>>> table6 = new LinkedHashMap<>();
    private final List<Paper.Reference> references = Paper.referenceGuards();

    SuiteReport(SuiteJob.Result r) {
        this.r = r;
        for (String m : PAPER_MODELS) {
            table2.put(m, Paper.table2(m));
            table4.put(m, Paper.table4(m));
            table6.put(m, Paper.table6(m));
        }
    }

    private List<Cell> level(String level) {
        return r.metrics().stream().filter(c -> c.level().equals(level)).toList();
    }

    private String paperLabel(String m) {
        return m + (m.equals(r.paperModel()) ? " (paper; the model of this run)" : " (paper)");
    }

    private static String group(Cell c) {
        return Objects.toString(c.group(), Paper.OUT_OF_DOMAIN);
    }

    /** Paper Table 6's figure of {@code model} for a dataset × language cell, or null. */
    private Double paper6(String model, String dataset, String lang) {
        return table6.get(model).getOrDefault(dataset, Map.of()).get(LanguageCodes.base(lang));
    }

    /** The Table 2 datasets this run has (the columns over which averages compare like with like). */
    private List<String> table2Run(Map<String, Cell> ours) {
        return Paper.TABLE2_DATASETS.stream().filter(ours::containsKey).toList();
    }

    // ---- figures (suite.csv, suite.json) -------------------------------------------------------------

    List<Figure> figures() {
        List<Figure> out = new ArrayList<>();
        String me = r.modelName();
        Map<String, Cell> t2 = Metrics.table2(r.metrics());
        t2.forEach((d, c) -> {
            String lang = c.lang() == null ? "all" : c.lang();
            out.add(new Figure("table2", me, THIS_RUN, d, lang, null, c.c(), c.c().f1(), null));
            for (String m : PAPER_MODELS) {
                Double p = table2.get(m).get(d);
                if (p != null) {
                    out.add(new Figure("table2", m, "CREST paper Table 2", d, lang, null, null, frac(p), null));
                }
            }
        });
        List<String> cols = table2Run(t2);
        if (!cols.isEmpty()) {
            out.add(new Figure(
                    "table2_average",
                    me,
                    THIS_RUN,
                    String.join("+", cols),
                    null,
                    null,
                    null,
                    Metrics.mean(cols.stream().map(d -> t2.get(d).c().f1()).toList()),
                    cols.size()));
            for (String m : PAPER_MODELS) {
                List<Double> p = cols.stream()
                        .map(d -> table2.get(m).get(d))
                        .filter(Objects::nonNull)
                        .toList();
                if (!p.isEmpty()) {
                    out.add(new Figure(
                            "table2_average",
                            m,
                            "CREST paper Table 2",
                            String.join("+", cols),
                            null,
                            null,
                            null,
                            frac(Metrics.mean(p)),
                            p.size()));
                }
            }
        }
        for (Cell c : sortedByDataset(level(Metrics.DATASET))) {
            out.add(new Figure("table4", me, THIS_RUN, c.dataset(), "all", null, c.c(), c.c().f1(), null));
            for (String m : PAPER_MODELS) {
                Double p = table4.get(m).get(c.dataset());
                if (p != null) {
                    out.add(new Figure(
                            "table4", m, "CREST paper Table 4", c.dataset(), "all", null, null, frac(p), null));
                }
            }
        }
        Cell all = r.overall();
        out.add(new Figure(
                "table4", me, THIS_RUN, "all", "all", null, all.c(), all.c().f1(), null));
        for (Cell c : level(Metrics.DATASET_LANG)) {
            out.add(new Figure("table6", me, THIS_RUN, c.dataset(), c.lang(), group(c), c.c(), c.c().f1(), null));
            for (String m : PAPER_MODELS) {
                Double p = paper6(m, c.dataset(), c.lang());
                if (p != null) {
                    out.add(new Figure(
                            "table6", m, "CREST paper Table 6", c.dataset(), c.lang(), group(c), null, frac(p), null));
                }
            }
        }
        for (Metrics.Average a : r.averages()) {
            if (a.kind().equals(Metrics.LANG)) {
                out.add(new Figure("table6_average", me, THIS_RUN, null, a.key(), null, null, a.f1(), a.count()));
            }
        }
        for (Metrics.Average a : r.averages()) {
            if (!a.kind().equals(Metrics.GROUP)) {
                continue;
            }
            out.add(new Figure("group_average", me, THIS_RUN, null, null, a.key(), null, a.f1(), a.count()));
            for (String m : PAPER_MODELS) {
                List<Double> p = paperSameCells(m, a.key());
                if (!p.isEmpty()) {
                    out.add(new Figure(
                            "group_average",
                            m,
                            "CREST paper Table 6, the same benchmark × language cells",
                            null,
                            null,
                            a.key(),
                            null,
                            frac(Metrics.mean(p)),
                            p.size()));
                }
            }
        }
        for (Cell c : level(Metrics.GROUP)) {
            out.add(new Figure("group", me, THIS_RUN, null, "all", group(c), c.c(), c.c().f1(), null));
        }
        for (String m : PAPER_MODELS) {
            for (Map.Entry<String, Double> e : table4.get(m).entrySet()) {
                if (e.getKey().equals("rtp_lx")) {
                    out.add(new Figure(
                            "reference",
                            m,
                            "CREST paper Table 4",
                            e.getKey(),
                            "all",
                            null,
                            null,
                            frac(e.getValue()),
                            null));
                }
            }
        }
        for (Paper.Reference ref : references) {
            out.add(new Figure(
                    "reference",
                    ref.model(),
                    ref.source(),
                    Paper.datasetId(ref.benchmark()),
                    "all",
                    null,
                    null,
                    frac(ref.f1()),
                    null));
        }
        return out;
    }

    /** The paper's Table 6 figures of {@code model} for the dataset × language cells of {@code group} we have. */
    private List<Double> paperSameCells(String model, String group) {
        List<Double> p = new ArrayList<>();
        for (Cell c : level(Metrics.DATASET_LANG)) {
            if (group(c).equals(group)) {
                Double v = paper6(model, c.dataset(), c.lang());
                if (v != null) {
                    p.add(v);
                }
            }
        }
        return p;
    }

    /** A published percentage as a fraction, without binary noise (80.89 → 0.8089). */
    static double frac(double pct) {
        return new BigDecimal(Double.toString(pct)).movePointLeft(2).doubleValue();
    }

    private static List<Cell> sortedByDataset(List<Cell> cells) {
        List<Cell> l = new ArrayList<>(cells);
        l.sort(Comparator.comparing(c -> Metrics.datasetOrder(c.dataset())));
        return l;
    }

    String csv() {
        StringBuilder sb = new StringBuilder(Csv.line(CSV_HEADER));
        for (Figure f : figures()) {
            Confusion c = f.c();
            sb.append(Csv.line(Arrays.asList(
                    f.table(),
                    f.model(),
                    f.source(),
                    f.dataset(),
                    f.lang(),
                    f.group(),
                    c == null ? null : c.n(),
                    c == null ? null : c.positives(),
                    c == null ? null : c.tp(),
                    c == null ? null : c.fp(),
                    c == null ? null : c.tn(),
                    c == null ? null : c.fn(),
                    c == null ? null : c.precision(),
                    c == null ? null : c.recall(),
                    f.f1(),
                    f.cells())));
        }
        return sb.toString();
    }

    String json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", r.model());
        m.put("model_name", r.modelName());
        m.put("model_is_demo", r.modelIsDemo());
        m.put("paper_model", r.paperModel());
        m.put("threshold", r.threshold());
        m.put("suite", r.discovery().dir());
        List<Map<String, Object>> run = new ArrayList<>();
        for (SuiteJob.Run x : r.runs()) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("preset", x.found().preset().cliName());
            p.put("dataset", x.found().preset().dataset());
            p.put("files", x.found().files());
            p.put("note", x.found().note());
            p.put("output", x.output());
            p.put("rows", EvaluateJob.rowCounts(x.result().scored()));
            p.put("f1", x.result().overall().c().f1());
            run.add(p);
        }
        m.put("presets_run", run);
        List<Map<String, Object>> missing = new ArrayList<>();
        for (SuiteFiles.Missing x : r.discovery().missing()) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("preset", x.preset().cliName());
            p.put("reason", x.reason());
            missing.add(p);
        }
        m.put("presets_not_run", missing);
        List<Map<String, Object>> figures = new ArrayList<>();
        for (Figure f : figures()) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("table", f.table());
            x.put("model", f.model());
            x.put("source", f.source());
            x.put("dataset", f.dataset());
            x.put("lang", f.lang());
            x.put("group", f.group());
            if (f.c() != null) {
                Reports.putCounts(x, f.c());
            } else {
                x.put("f1", f.f1());
            }
            x.put("cells", f.cells());
            figures.add(x);
        }
        m.put("figures", figures);
        m.put("metrics", r.metrics().stream().map(Reports::json).toList());
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- suite.md ----------------------------------------------------------------------------------------

    String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# CREST evaluation suite: ").append(r.modelName()).append("\n\n");
        md.append("- model: `").append(r.model()).append('`');
        if (r.modelIsDemo()) {
            md.append(" — **the bundled demo model: random weights, its figures mean nothing**");
        }
        md.append("\n- suite folder: `")
                .append(r.discovery().dir())
                .append("`\n- threshold: unsafe when crest_score >= ")
                .append(r.threshold())
                .append("\n- F1 is the F1 of the unsafe class, in percent. Each preset's own output (scored rows, "
                        + "metrics.csv, thresholds, report.md) is in its folder below.\n")
                .append("- `(paper)` rows and columns are the CREST paper's published figures for the same cell "
                        + "(CREST-BASE and CREST-LARGE); the paper scored its own copies of the benchmarks, so a "
                        + "cell compares like with like only when the files are the same.\n\n");
        presets(md);
        table2(md);
        table4(md);
        groups(md);
        table6(md);
        return md.toString();
    }

    private void presets(StringBuilder md) {
        md.append("## Presets\n\n| preset | found | files | rows in | scored | quarantined | excluded | F1 | output |\n"
                + "|---|---|---|---:|---:|---:|---:|---:|---|\n");
        for (SuiteJob.Run x : r.runs()) {
            BenchmarkScoring.Scored s = x.result().scored();
            md.append("| ")
                    .append(x.found().preset().cliName())
                    .append(" | run | ")
                    .append(String.join(
                            "<br>",
                            x.found().names().stream().map(f -> "`" + f + "`").toList()))
                    .append(x.found().note() == null ? "" : "<br>(" + x.found().note() + ")")
                    .append(" | ")
                    .append(s.rowsIn())
                    .append(" | ")
                    .append(s.scored())
                    .append(" | ")
                    .append(s.quarantinedTotal())
                    .append(" | ")
                    .append(s.excluded())
                    .append(" | ")
                    .append(Reports.pct(x.result().overall().c().f1()))
                    .append(" | `")
                    .append(x.found().preset().cliName())
                    .append("/` |\n");
        }
        for (SuiteFiles.Missing x : r.discovery().missing()) {
            md.append("| ")
                    .append(x.preset().cliName())
                    .append(" | **not run** | ")
                    .append(x.reason())
                    .append(" | | | | | | |\n");
        }
        md.append('\n');
    }

    private static String p2(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    private void table2(StringBuilder md) {
        Map<String, Cell> ours = Metrics.table2(r.metrics());
        Set<String> cols = new LinkedHashSet<>(Paper.TABLE2_DATASETS);
        cols.addAll(ours.keySet());
        List<String> same = table2Run(ours);
        md.append("## English benchmarks (as the paper's Table 2)\n\n")
                .append("Each benchmark's English rows (CSRT, code-switched: all its rows). Average: the mean over the "
                        + "Table 2 benchmarks this run has (")
                .append(
                        same.isEmpty()
                                ? "none"
                                : String.join(
                                        ", ",
                                        same.stream().map(Reports::displayName).toList()))
                .append("), for every row, so that the averages compare the same columns.\n\n| Model |");
        cols.forEach(c -> md.append(' ').append(Reports.displayName(c)).append(" |"));
        md.append(" Average |\n|---|");
        cols.forEach(c -> md.append("---:|"));
        md.append("---:|\n| ").append(r.modelName()).append(" (this run) |");
        for (String c : cols) {
            Cell cell = ours.get(c);
            md.append(' ')
                    .append(cell == null ? "-" : Reports.pct(cell.c().f1()))
                    .append(" |");
        }
        md.append(' ')
                .append(
                        same.isEmpty()
                                ? "-"
                                : Reports.pct(Metrics.mean(same.stream()
                                        .map(d -> ours.get(d).c().f1())
                                        .toList())))
                .append(" |\n| n (this run) |");
        for (String c : cols) {
            Cell cell = ours.get(c);
            md.append(' ').append(cell == null ? "-" : cell.c().n()).append(" |");
        }
        md.append(" |\n");
        for (String m : PAPER_MODELS) {
            Map<String, Double> p = table2.get(m);
            md.append("| ").append(paperLabel(m)).append(" |");
            for (String c : cols) {
                md.append(' ').append(p2(p.get(c))).append(" |");
            }
            List<Double> v = same.stream().map(p::get).filter(Objects::nonNull).toList();
            md.append(' ').append(v.isEmpty() ? "-" : p2(Metrics.mean(v))).append(" |\n");
        }
        md.append('\n');
    }

    private void table4(StringBuilder md) {
        md.append("## Benchmarks, all their languages pooled (as the paper's Table 4)\n\n")
                .append("| Dataset | languages | n | unsafe | F1 (this run) |");
        PAPER_MODELS.forEach(m -> md.append(' ').append(paperLabel(m)).append(" |"));
        md.append("\n|---|---|---:|---:|---:|");
        PAPER_MODELS.forEach(m -> md.append("---:|"));
        md.append('\n');
        Set<String> shown = new LinkedHashSet<>();
        for (Cell c : sortedByDataset(level(Metrics.DATASET))) {
            shown.add(c.dataset());
            List<String> langs = level(Metrics.DATASET_LANG).stream()
                    .filter(x -> x.dataset().equals(c.dataset()))
                    .map(Cell::lang)
                    .toList();
            md.append("| ")
                    .append(Reports.displayName(c.dataset()))
                    .append(" | ")
                    .append(String.join(" ", langs))
                    .append(" | ")
                    .append(c.c().n())
                    .append(" | ")
                    .append(c.c().positives())
                    .append(" | ")
                    .append(Reports.pct(c.c().f1()))
                    .append(" |");
            PAPER_MODELS.forEach(m ->
                    md.append(' ').append(p2(table4.get(m).get(c.dataset()))).append(" |"));
            md.append('\n');
        }
        Set<String> paperOnly = new LinkedHashSet<>();
        PAPER_MODELS.forEach(m -> paperOnly.addAll(table4.get(m).keySet()));
        paperOnly.removeAll(shown);
        for (String d : paperOnly) {
            md.append("| ").append(Reports.displayName(d)).append(" (no preset) | | | | - |");
            PAPER_MODELS.forEach(
                    m -> md.append(' ').append(p2(table4.get(m).get(d))).append(" |"));
            md.append('\n');
        }
        Cell all = r.overall();
        md.append("| **all presets run** | | ")
                .append(all.c().n())
                .append(" | ")
                .append(all.c().positives())
                .append(" | ")
                .append(Reports.pct(all.c().f1()))
                .append(" |");
        PAPER_MODELS.forEach(m -> md.append(" |"));
        md.append("\n\n");
        md.append("Reference rows: the best published multilingual guard figures (F1 of the unsafe class, %), on a "
                + "benchmark without a preset here, beside the paper's CREST figures on the same benchmark:\n\n"
                + "| Model | benchmark | F1 | source |\n|---|---|---:|---|\n");
        for (Paper.Reference ref : references) {
            md.append("| ")
                    .append(ref.model())
                    .append(" | ")
                    .append(ref.benchmark())
                    .append(" | ")
                    .append(String.format(Locale.ROOT, "%.1f", ref.f1()))
                    .append(" | ")
                    .append(ref.source())
                    .append(" |\n");
        }
        for (String m : PAPER_MODELS) {
            Double v = table4.get(m).get("rtp_lx");
            if (v != null) {
                md.append("| ").append(m).append(" | RTP-LX | ").append(p2(v)).append(" | CREST paper Table 4 |\n");
            }
        }
        md.append('\n');
    }

    private void groups(StringBuilder md) {
        md.append("## In-distribution vs out-of-distribution languages\n\n")
                .append("in_domain: the paper's 13 training languages; ood_low: its 11 low-resource evaluation "
                        + "languages; out_of_domain: all others (or --language-groups). Mean F1: the mean over the "
                        + "group's languages of their average over the benchmarks (Table 6's Average row); pooled: all "
                        + "the group's rows as one set. `(paper)`: the mean of the paper's Table 6 figures for the same "
                        + "benchmark × language cells (cells: how many it has).\n\n")
                .append("| Group | languages | mean F1 (this run) | pooled n | pooled F1 |");
        PAPER_MODELS.forEach(m -> md.append(' ').append(paperLabel(m)).append(" | cells |"));
        md.append("\n|---|---|---:|---:|---:|");
        PAPER_MODELS.forEach(m -> md.append("---:|---:|"));
        md.append('\n');
        for (Metrics.Average a : r.averages()) {
            if (!a.kind().equals(Metrics.GROUP)) {
                continue;
            }
            List<String> members = level(Metrics.LANG).stream()
                    .filter(c -> group(c).equals(a.key()))
                    .map(Cell::lang)
                    .toList();
            Cell pooled = level(Metrics.GROUP).stream()
                    .filter(c -> group(c).equals(a.key()))
                    .findFirst()
                    .orElse(null);
            Reports.groupRow(md, a, members, pooled);
            for (String m : PAPER_MODELS) {
                List<Double> p = paperSameCells(m, a.key());
                md.append(' ')
                        .append(p.isEmpty() ? "-" : p2(Metrics.mean(p)))
                        .append(" | ")
                        .append(p.size())
                        .append(" |");
            }
            md.append('\n');
        }
        md.append('\n');
    }

    private void table6(StringBuilder md) {
        Set<String> langs = new TreeSet<>(Comparator.comparing(Metrics::langOrder));
        langs.addAll(Paper.TABLE6_LANGS);
        Map<String, Map<String, Cell>> byDataset = new TreeMap<>(Comparator.comparing(Metrics::datasetOrder));
        Map<String, String> groupOf = new LinkedHashMap<>();
        for (Cell c : level(Metrics.DATASET_LANG)) {
            langs.add(c.lang());
            groupOf.put(c.lang(), group(c));
            byDataset.computeIfAbsent(c.dataset(), k -> new LinkedHashMap<>()).put(c.lang(), c);
        }
        Map<String, String> defaultGroups = Paper.languageGroups(null);
        md.append("## Benchmark × language, the low-resource languages (as the paper's Table 6)\n\n")
                .append("Columns: English and the paper's 11 low-resource languages, then the other languages of "
                        + "this run. Our row per benchmark, then the paper's rows where it has the benchmark. "
                        + "Average: the mean over the benchmarks that have the language.\n\n| Dataset | Model |");
        langs.forEach(l -> md.append(' ').append(l).append(" |"));
        md.append("\n|---|---|");
        langs.forEach(l -> md.append("---:|"));
        md.append("\n| *group* | |");
        langs.forEach(l -> md.append(' ')
                .append(groupOf.getOrDefault(l, defaultGroups.getOrDefault(LanguageCodes.base(l), Paper.OUT_OF_DOMAIN)))
                .append(" |"));
        md.append('\n');
        byDataset.forEach((d, cells) -> {
            md.append("| ").append(Reports.displayName(d)).append(" | this run |");
            for (String l : langs) {
                Cell c = cells.get(l);
                md.append(' ').append(c == null ? "-" : Reports.pct(c.c().f1())).append(" |");
            }
            md.append('\n');
            for (String m : PAPER_MODELS) {
                Map<String, Double> p = table6.get(m).get(d);
                if (p == null) {
                    continue;
                }
                md.append("| ")
                        .append(Reports.displayName(d))
                        .append(" | ")
                        .append(paperLabel(m))
                        .append(" |");
                for (String l : langs) {
                    md.append(' ').append(p2(p.get(LanguageCodes.base(l)))).append(" |");
                }
                md.append('\n');
            }
        });
        Map<String, Metrics.Average> avg = new LinkedHashMap<>();
        r.averages().stream().filter(a -> a.kind().equals(Metrics.LANG)).forEach(a -> avg.put(a.key(), a));
        md.append("| **Average** | this run |");
        for (String l : langs) {
            Metrics.Average a = avg.get(l);
            md.append(" **").append(a == null ? "-" : Reports.pct(a.f1())).append("** |");
        }
        md.append("\n\n");
    }
}
