package org.crest.evaluate;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Small writers shared by the evaluate and relabel reports: CSV fields, percentages, paper names. */
public final class Reports {
    private static final Map<String, String> PAPER_NAMES = Map.ofEntries(
            Map.entry("aegis_cs2", "Aegis-CS2"),
            Map.entry("harmbench", "HarmBench"),
            Map.entry("strongreject", "StrongReject"),
            Map.entry("redteam2k", "RedTeam2k"),
            Map.entry("jbb_behav", "JBB-Behav"),
            Map.entry("jbb_judge", "JBB-Judge"),
            Map.entry("csrt", "CSRT"),
            Map.entry("multijail", "MultiJail"),
            Map.entry("xstest", "XSTest"),
            Map.entry("simplesafetytests", "SimpleSafetyTests"),
            Map.entry("rtp_lx", "RTP-LX"),
            Map.entry("aya_redteaming", "Aya-Redteaming"),
            Map.entry("polyglotoxicityprompts", "PolygloToxicityPrompts"),
            Map.entry("indicsafe", "IndicSafe"));

    private Reports() {}

    /** The paper's name of a dataset id, else the id. */
    public static String displayName(String dataset) {
        return PAPER_NAMES.getOrDefault(dataset, dataset);
    }

    /** A rate as the paper prints it: percent with two decimals. */
    public static String pct(double v) {
        return String.format(Locale.ROOT, "%.2f", 100 * v);
    }

    /** A metrics row as a JSON-ready map (rates as fractions, full precision). */
    public static Map<String, Object> json(Cell c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("level", c.level());
        m.put("dataset", c.dataset());
        m.put("lang", c.lang());
        m.put("cluster", c.cluster());
        m.put("group", c.group());
        putCounts(m, c.c());
        return m;
    }

    static void putCounts(Map<String, Object> m, Confusion c) {
        m.put("n", c.n());
        m.put("positives", c.positives());
        m.put("tp", c.tp());
        m.put("fp", c.fp());
        m.put("tn", c.tn());
        m.put("fn", c.fn());
        m.put("precision", c.precision());
        m.put("recall", c.recall());
        m.put("f1", c.f1());
        m.put("accuracy", c.accuracy());
    }

    public static final List<String> METRICS_HEADER = List.of(
            "level",
            "dataset",
            "lang",
            "cluster",
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
            "accuracy");

    public static List<Object> csvFields(Cell c) {
        Confusion k = c.c();
        return java.util.Arrays.asList(
                c.level(),
                c.dataset(),
                c.lang(),
                c.cluster(),
                c.group(),
                k.n(),
                k.positives(),
                k.tp(),
                k.fp(),
                k.tn(),
                k.fn(),
                k.precision(),
                k.recall(),
                k.f1(),
                k.accuracy());
    }

    /**
     * One row of a language-group table, without its line end: the group, its member languages, the mean of their
     * F1 and the pooled count and F1 ({@code -} when there is no pooled cell). evaluate's report and the suite's
     * share it; the suite appends the paper's columns.
     */
    static void groupRow(StringBuilder md, Metrics.Average a, java.util.List<String> members, Cell pooled) {
        md.append("| ")
                .append(a.key())
                .append(" | ")
                .append(String.join(" ", members))
                .append(" | ")
                .append(pct(a.f1()))
                .append(" | ")
                .append(pooled == null ? "-" : pooled.c().n())
                .append(" | ")
                .append(pooled == null ? "-" : pct(pooled.c().f1()))
                .append(" |");
    }
}
