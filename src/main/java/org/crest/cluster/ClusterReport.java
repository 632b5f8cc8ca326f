package org.crest.cluster;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.crest.LanguageCodes;
import org.crest.io.Csv;
import org.crest.langid.Table8;

/** Text outputs of {@code crest cluster}: CSV tables and the Markdown report. Pure: strings in, strings out. */
public final class ClusterReport {
    /** A clustered language. {@code share}: fraction of its sentences in its cluster (sentence level), else 1. */
    public record Assigned(String language, int cluster, double distance, long sentences, double share) {}

    /** A k of the sweep as reported. */
    public record SweepRow(
            int k, double cost, double silhouette, double ariMean, double ariMin, int clustersFound, int bestSeed) {}

    /** Agreement with the paper's Table 8 over the languages both have. */
    public record Agreement(
            int shared,
            double ari,
            int[] oursOrder,
            int[] paperOrder,
            long[][] overlap,
            List<String> sharedLanguages) {}

    private ClusterReport() {}

    static String f(double v, int digits) {
        if (Double.isNaN(v)) {
            return "";
        }
        return String.format(Locale.ROOT, "%." + digits + "f", v);
    }

    public static String clustersCsv(List<Assigned> rows) {
        StringBuilder s = new StringBuilder("language,cluster,cosine_distance,sentences,share_in_cluster\n");
        for (Assigned a : rows) {
            s.append(Csv.field(a.language()))
                    .append(',')
                    .append(a.cluster())
                    .append(',')
                    .append(f(a.distance(), 6))
                    .append(',')
                    .append(a.sentences())
                    .append(',')
                    .append(f(a.share(), 4))
                    .append('\n');
        }
        return s.toString();
    }

    public static String sweepCsv(List<SweepRow> rows, int chosenK, Integer kneeK, Integer silhouetteK) {
        StringBuilder s = new StringBuilder("k,cost,silhouette,ari_mean,ari_min,clusters_found,best_seed,selected\n");
        for (SweepRow r : rows) {
            List<String> sel = new ArrayList<>();
            if (r.k() == chosenK) {
                sel.add("chosen");
            }
            if (kneeK != null && r.k() == kneeK) {
                sel.add("knee");
            }
            if (silhouetteK != null && r.k() == silhouetteK) {
                sel.add("silhouette_max");
            }
            s.append(r.k())
                    .append(',')
                    .append(f(r.cost(), 6))
                    .append(',')
                    .append(f(r.silhouette(), 6))
                    .append(',')
                    .append(f(r.ariMean(), 6))
                    .append(',')
                    .append(f(r.ariMin(), 6))
                    .append(',')
                    .append(r.clustersFound())
                    .append(',')
                    .append(r.bestSeed())
                    .append(',')
                    .append(String.join("+", sel))
                    .append('\n');
        }
        return s.toString();
    }

    public static String trainCsv(List<TrainingLanguages.Pick> picks) {
        StringBuilder s = new StringBuilder("cluster,language,rank,cc100_gib,cosine_distance,reason\n");
        for (TrainingLanguages.Pick p : picks) {
            s.append(p.cluster())
                    .append(',')
                    .append(Csv.field(p.language()))
                    .append(',')
                    .append(p.rank())
                    .append(',')
                    .append(p.cc100Gib() == null ? "" : p.cc100Gib().toString())
                    .append(',')
                    .append(f(p.distance(), 6))
                    .append(',')
                    .append(Csv.field(p.reason()))
                    .append('\n');
        }
        return s.toString();
    }

    /** Agreement of our clusters with Table 8 over the shared languages (matched by base code). */
    public static Agreement agreement(List<Assigned> ours, Map<String, Table8.Language> paper) {
        Map<String, Integer> oursByCode = new TreeMap<>();
        Map<String, Integer> ambiguous = new TreeMap<>();
        for (Assigned a : ours) {
            String c = LanguageCodes.base(a.language());
            if (paper.containsKey(c)) {
                // several corpus languages can share a base code (zh, zh-Hant): the first in order counts
                if (oursByCode.putIfAbsent(c, a.cluster()) != null) {
                    ambiguous.merge(c, 1, Integer::sum);
                }
            }
        }
        List<String> shared = new ArrayList<>(oursByCode.keySet());
        int[] a = new int[shared.size()];
        int[] b = new int[shared.size()];
        TreeSet<Integer> oc = new TreeSet<>();
        TreeSet<Integer> pc = new TreeSet<>();
        for (int i = 0; i < shared.size(); i++) {
            a[i] = oursByCode.get(shared.get(i));
            b[i] = paper.get(shared.get(i)).cluster();
            oc.add(a[i]);
            pc.add(b[i]);
        }
        int[] oo = oc.stream().mapToInt(Integer::intValue).toArray();
        int[] po = pc.stream().mapToInt(Integer::intValue).toArray();
        long[][] overlap = new long[oo.length][po.length];
        for (int i = 0; i < shared.size(); i++) {
            overlap[java.util.Arrays.binarySearch(oo, a[i])][java.util.Arrays.binarySearch(po, b[i])]++;
        }
        double ari = shared.size() < 2 ? Double.NaN : AdjustedRand.of(a, b);
        return new Agreement(shared.size(), ari, oo, po, overlap, shared);
    }

    /** Inputs of the Markdown report. */
    public record ReportData(
            String title,
            String commandLine,
            String embedder,
            boolean embedderIsDemo,
            String level,
            long rowsIn,
            long rowsEmbedded,
            long rowsOverCap,
            Map<String, Long> skipReasons,
            long nonFinite,
            long zero,
            long truncated,
            int maxTokens,
            List<SweepRow> sweep,
            int k,
            String kMethod,
            Integer kneeK,
            Integer silhouetteK,
            List<Assigned> assigned,
            Map<String, String> excluded,
            List<TrainingLanguages.Pick> picks,
            Agreement agreement,
            Map<String, Table8.Language> paper,
            double[] pcaExplained,
            int thinBelow) {
        /** A builder; set what differs. */
        public static Builder builder() {
            return new Builder();
        }

        /** A builder holding this record's values, to change some of them. */
        public Builder toBuilder() {
            Builder b = new Builder();
            b.title = title;
            b.commandLine = commandLine;
            b.embedder = embedder;
            b.embedderIsDemo = embedderIsDemo;
            b.level = level;
            b.rowsIn = rowsIn;
            b.rowsEmbedded = rowsEmbedded;
            b.rowsOverCap = rowsOverCap;
            b.skipReasons = skipReasons;
            b.nonFinite = nonFinite;
            b.zero = zero;
            b.truncated = truncated;
            b.maxTokens = maxTokens;
            b.sweep = sweep;
            b.k = k;
            b.kMethod = kMethod;
            b.kneeK = kneeK;
            b.silhouetteK = silhouetteK;
            b.assigned = assigned;
            b.excluded = excluded;
            b.picks = picks;
            b.agreement = agreement;
            b.paper = paper;
            b.pcaExplained = pcaExplained;
            b.thinBelow = thinBelow;
            return b;
        }

        /** Builds a {@link ReportData} one named value at a time. */
        public static final class Builder {
            private String title;
            private String commandLine;
            private String embedder;
            private boolean embedderIsDemo;
            private String level;
            private long rowsIn;
            private long rowsEmbedded;
            private long rowsOverCap;
            private Map<String, Long> skipReasons;
            private long nonFinite;
            private long zero;
            private long truncated;
            private int maxTokens;
            private List<SweepRow> sweep;
            private int k;
            private String kMethod;
            private Integer kneeK;
            private Integer silhouetteK;
            private List<Assigned> assigned;
            private Map<String, String> excluded;
            private List<TrainingLanguages.Pick> picks;
            private Agreement agreement;
            private Map<String, Table8.Language> paper;
            private double[] pcaExplained;
            private int thinBelow;

            private Builder() {}

            public Builder title(String title) {
                this.title = title;
                return this;
            }

            public Builder commandLine(String commandLine) {
                this.commandLine = commandLine;
                return this;
            }

            public Builder embedder(String embedder) {
                this.embedder = embedder;
                return this;
            }

            public Builder embedderIsDemo(boolean embedderIsDemo) {
                this.embedderIsDemo = embedderIsDemo;
                return this;
            }

            public Builder level(String level) {
                this.level = level;
                return this;
            }

            public Builder rowsIn(long rowsIn) {
                this.rowsIn = rowsIn;
                return this;
            }

            public Builder rowsEmbedded(long rowsEmbedded) {
                this.rowsEmbedded = rowsEmbedded;
                return this;
            }

            public Builder rowsOverCap(long rowsOverCap) {
                this.rowsOverCap = rowsOverCap;
                return this;
            }

            public Builder skipReasons(Map<String, Long> skipReasons) {
                this.skipReasons = skipReasons;
                return this;
            }

            public Builder nonFinite(long nonFinite) {
                this.nonFinite = nonFinite;
                return this;
            }

            public Builder zero(long zero) {
                this.zero = zero;
                return this;
            }

            public Builder truncated(long truncated) {
                this.truncated = truncated;
                return this;
            }

            public Builder maxTokens(int maxTokens) {
                this.maxTokens = maxTokens;
                return this;
            }

            public Builder sweep(List<SweepRow> sweep) {
                this.sweep = sweep;
                return this;
            }

            public Builder k(int k) {
                this.k = k;
                return this;
            }

            public Builder kMethod(String kMethod) {
                this.kMethod = kMethod;
                return this;
            }

            public Builder kneeK(Integer kneeK) {
                this.kneeK = kneeK;
                return this;
            }

            public Builder silhouetteK(Integer silhouetteK) {
                this.silhouetteK = silhouetteK;
                return this;
            }

            public Builder assigned(List<Assigned> assigned) {
                this.assigned = assigned;
                return this;
            }

            public Builder excluded(Map<String, String> excluded) {
                this.excluded = excluded;
                return this;
            }

            public Builder picks(List<TrainingLanguages.Pick> picks) {
                this.picks = picks;
                return this;
            }

            public Builder agreement(Agreement agreement) {
                this.agreement = agreement;
                return this;
            }

            public Builder paper(Map<String, Table8.Language> paper) {
                this.paper = paper;
                return this;
            }

            public Builder pcaExplained(double[] pcaExplained) {
                this.pcaExplained = pcaExplained;
                return this;
            }

            public Builder thinBelow(int thinBelow) {
                this.thinBelow = thinBelow;
                return this;
            }

            public ReportData build() {
                return new ReportData(
                        title,
                        commandLine,
                        embedder,
                        embedderIsDemo,
                        level,
                        rowsIn,
                        rowsEmbedded,
                        rowsOverCap,
                        skipReasons,
                        nonFinite,
                        zero,
                        truncated,
                        maxTokens,
                        sweep,
                        k,
                        kMethod,
                        kneeK,
                        silhouetteK,
                        assigned,
                        excluded,
                        picks,
                        agreement,
                        paper,
                        pcaExplained,
                        thinBelow);
            }
        }
    }

    public static String markdown(ReportData d) {
        StringBuilder s = new StringBuilder();
        header(s, d);
        choiceOfK(s, d);
        clusters(s, d);
        trainingLanguages(s, d);
        agreementWithTable8(s, d);
        leftOut(s, d);
        picture(s, d);
        return s.toString();
    }

    /** Title, command line, embedder, level and the row counts. */
    private static void header(StringBuilder s, ReportData d) {
        s.append("# ").append(d.title()).append("\n\n");
        if (d.commandLine() != null && !d.commandLine().isBlank()) {
            s.append("Command: `").append(d.commandLine()).append("`\n\n");
        }
        s.append("- embedder: `").append(d.embedder()).append('`');
        if (d.embedderIsDemo()) {
            s.append(" (**demo embedder: a tiny random-weight test fixture, not XLM-R; the clusters below say nothing "
                    + "about languages**)");
        }
        s.append("\n- level: ").append(d.level()).append(" (K-Means with cosine distance on L2-normalised vectors)\n");
        s.append("- rows in: ")
                .append(d.rowsIn())
                .append(", embedded: ")
                .append(d.rowsEmbedded())
                .append(", over the per-language cap: ")
                .append(d.rowsOverCap())
                .append(", skipped: ")
                .append(d.skipReasons().isEmpty() ? "none" : d.skipReasons().toString())
                .append('\n');
        s.append("- sentences longer than ")
                .append(d.maxTokens())
                .append(" tokens (embedded from their first window): ")
                .append(d.truncated())
                .append("; non-finite embeddings (left out): ")
                .append(d.nonFinite())
                .append("; zero embeddings: ")
                .append(d.zero())
                .append("\n\n");
    }

    /** The chosen k, the knee and the silhouette optimum, and the sweep table. */
    private static void choiceOfK(StringBuilder s, ReportData d) {
        s.append("## Choice of k\n\n");
        s.append("k = **").append(d.k()).append("** (").append(d.kMethod()).append(")");
        s.append("; knee of the cost curve (Kneedle): ").append(d.kneeK() == null ? "none" : d.kneeK());
        s.append("; silhouette optimum: ")
                .append(d.silhouetteK() == null ? "n/a" : d.silhouetteK())
                .append(".\n\n");
        s.append("| k | cost (Σ 1 − cos) | cosine silhouette | ARI between seeds (mean / min) | clusters found |\n");
        s.append("|---|---|---|---|---|\n");
        for (SweepRow r : d.sweep()) {
            s.append("| ")
                    .append(r.k())
                    .append(r.k() == d.k() ? " ◀" : "")
                    .append(" | ")
                    .append(f(r.cost(), 5))
                    .append(" | ")
                    .append(f(r.silhouette(), 4))
                    .append(" | ")
                    .append(f(r.ariMean(), 3))
                    .append(" / ")
                    .append(f(r.ariMin(), 3))
                    .append(" | ")
                    .append(r.clustersFound())
                    .append(" |\n");
        }
    }

    /** The clusters like the paper's Table 8, training languages in bold. */
    private static void clusters(StringBuilder s, ReportData d) {
        Map<Integer, List<Assigned>> byCluster = new TreeMap<>();
        for (Assigned a : d.assigned()) {
            byCluster.computeIfAbsent(a.cluster(), c -> new ArrayList<>()).add(a);
        }
        Map<Integer, List<String>> train = new TreeMap<>();
        for (TrainingLanguages.Pick p : d.picks()) {
            train.computeIfAbsent(p.cluster(), c -> new ArrayList<>()).add(p.language());
        }
        s.append("\n## Clusters (as the paper's Table 8)\n\n");
        s.append(
                "Languages in order of cosine distance to their cluster centre; **bold** = chosen training language.\n\n");
        s.append("| cluster | n | languages |\n|---|---|---|\n");
        for (Map.Entry<Integer, List<Assigned>> e : byCluster.entrySet()) {
            List<Assigned> ms = new ArrayList<>(e.getValue());
            ms.sort(java.util.Comparator.comparingDouble(Assigned::distance).thenComparing(Assigned::language));
            List<String> names = new ArrayList<>();
            for (Assigned a : ms) {
                boolean t = train.getOrDefault(e.getKey(), List.of()).contains(a.language());
                names.add(t ? "**" + a.language() + "**" : a.language());
            }
            s.append("| ")
                    .append(e.getKey())
                    .append(" | ")
                    .append(ms.size())
                    .append(" | ")
                    .append(String.join(", ", names))
                    .append(" |\n");
        }
    }

    /** The training languages per cluster and why. */
    private static void trainingLanguages(StringBuilder s, ReportData d) {
        s.append("\n## Training languages (§3.2)\n\n");
        s.append("Rule: per cluster the language with the largest CC-100 pretraining size (XLM-R paper, Table 6; see "
                + "crest/language/cc100_sizes.csv for where the figures come from), two for large clusters; ties and "
                + "languages of unknown size by closeness to the cluster centre.\n\n");
        s.append("| cluster | language | CC-100 GiB | paper role | reason |\n|---|---|---|---|---|\n");
        for (TrainingLanguages.Pick p : d.picks()) {
            Table8.Language pl = d.paper().get(LanguageCodes.base(p.language()));
            s.append("| ")
                    .append(p.cluster())
                    .append(" | ")
                    .append(p.language())
                    .append(" | ")
                    .append(p.cc100Gib() == null ? "?" : p.cc100Gib())
                    .append(" | ")
                    .append(
                            pl == null
                                    ? "not in Table 8"
                                    : (pl.role().isEmpty()
                                            ? "cluster " + pl.cluster()
                                            : pl.role() + ", cluster " + pl.cluster()))
                    .append(" | ")
                    .append(p.reason())
                    .append(" |\n");
        }
    }

    /** The adjusted Rand index against Table 8 and the overlap table. */
    private static void agreementWithTable8(StringBuilder s, ReportData d) {
        Agreement ag = d.agreement();
        s.append("\n## Agreement with the paper's Table 8\n\n");
        s.append("Languages shared with Table 8 (matched by ISO 639-1 code, script/region suffix dropped): ")
                .append(ag.shared())
                .append(". Adjusted Rand index over them: **")
                .append(Double.isNaN(ag.ari()) ? "n/a" : f(ag.ari(), 4))
                .append("** (1 = the same partition, ~0 = chance).\n\n");
        if (ag.shared() > 0) {
            s.append(
                    "Overlap (rows: our clusters, columns: paper clusters; counts of shared languages):\n\n| ours \\ paper |");
            for (int p : ag.paperOrder()) {
                s.append(' ').append(p).append(" |");
            }
            s.append(" best paper match |\n|---|");
            for (int i = 0; i < ag.paperOrder().length; i++) {
                s.append("---|");
            }
            s.append("---|\n");
            for (int i = 0; i < ag.oursOrder().length; i++) {
                s.append("| ").append(ag.oursOrder()[i]).append(" |");
                long best = -1;
                int bestJ = 0;
                long total = 0;
                for (int j = 0; j < ag.paperOrder().length; j++) {
                    long v = ag.overlap()[i][j];
                    s.append(' ').append(v == 0 ? "·" : Long.toString(v)).append(" |");
                    total += v;
                    if (v > best) {
                        best = v;
                        bestJ = j;
                    }
                }
                s.append(' ')
                        .append(ag.paperOrder()[bestJ])
                        .append(" (")
                        .append(best)
                        .append('/')
                        .append(total)
                        .append(") |\n");
            }
        }
    }

    /** Languages left out of K-Means, and languages with few sentences. */
    private static void leftOut(StringBuilder s, ReportData d) {
        if (!d.excluded().isEmpty()) {
            s.append("\n## Languages left out of K-Means\n\n| language | reason |\n|---|---|\n");
            for (Map.Entry<String, String> e : d.excluded().entrySet()) {
                s.append("| ")
                        .append(e.getKey())
                        .append(" | ")
                        .append(e.getValue())
                        .append(" |\n");
            }
        }
        Map<String, Long> thin = new LinkedHashMap<>();
        for (Assigned a : d.assigned()) {
            if (a.sentences() < d.thinBelow()) {
                thin.put(a.language(), a.sentences());
            }
        }
        if (!thin.isEmpty()) {
            s.append("\nLanguages with fewer than ")
                    .append(d.thinBelow())
                    .append(" sentences (their centroid is noisy; clustered anyway): ")
                    .append(thin)
                    .append("\n");
        }
    }

    /** The PCA picture and the variance its two components explain. */
    private static void picture(StringBuilder s, ReportData d) {
        s.append("\n## Picture\n\n![language centroids](centroids.png)\n\nPCA of the L2-normalised language centroids "
                        + "(computed by crest), PC1 ")
                .append(f(100 * d.pcaExplained()[0], 1))
                .append(" % and PC2 ")
                .append(f(100 * d.pcaExplained()[1], 1))
                .append(" % of the variance; also as centroids.svg.\n");
    }
}
