package org.crest.cluster;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.crest.LanguageCodes;

/**
 * Training-language selection of the paper's §3.2: per cluster, 1 or 2 high-resource representatives.
 *
 * <p>Rule: a cluster with at least {@code twoFrom} languages gets 2 representatives, a smaller one 1
 * (with the default 11 this reproduces the paper's 1-or-2 split on Table 8 except for its third
 * pick in cluster 3, Finnish). Candidates are ranked by their CC-100 pretraining size (GiB, XLM-R
 * paper Table 6), largest first; languages without a known size come after all sized ones; ties and
 * unsized languages are ordered by cosine distance to the cluster centre (closest first), then by code.
 */
public final class TrainingLanguages {
    /** A clustered language: its code, cluster and cosine distance to its cluster centre. */
    public record Member(String language, int cluster, double distance) {}

    /** A chosen training language with the reason for the choice. */
    public record Pick(int cluster, String language, int rank, Double cc100Gib, double distance, String reason) {}

    private TrainingLanguages() {}

    public static List<Pick> select(List<Member> members, Map<String, Double> gib, int twoFrom) {
        Map<Integer, List<Member>> byCluster = new java.util.TreeMap<>();
        for (Member m : members) {
            byCluster.computeIfAbsent(m.cluster(), c -> new ArrayList<>()).add(m);
        }
        List<Pick> out = new ArrayList<>();
        for (Map.Entry<Integer, List<Member>> e : byCluster.entrySet()) {
            List<Member> ms = new ArrayList<>(e.getValue());
            ms.sort(Comparator.<Member>comparingDouble(m -> -size(gib, m))
                    .thenComparingDouble(Member::distance)
                    .thenComparing(Member::language));
            int want = ms.size() >= twoFrom ? 2 : 1;
            for (int i = 0; i < Math.min(want, ms.size()); i++) {
                Member m = ms.get(i);
                Double g = gib.get(LanguageCodes.base(m.language()));
                String why;
                if (g != null) {
                    why = (i == 0 ? "largest" : "2nd largest") + " CC-100 size in cluster " + e.getKey() + " (" + g
                            + " GiB of " + ms.size() + " languages"
                            + (want == 2 ? ", >= " + twoFrom + " so 2 picks" : "") + ")";
                } else {
                    why = "no CC-100 size known for the " + (i == 0 ? "" : "remaining ") + "languages of cluster "
                            + e.getKey()
                            + "; closest to the cluster centre (cosine distance "
                            + String.format(java.util.Locale.ROOT, "%.4f", m.distance()) + ")";
                }
                if (g != null && i + 1 < ms.size() && size(gib, ms.get(i + 1)) == g) {
                    why += "; tie on size broken by closeness to the centre";
                }
                out.add(new Pick(e.getKey(), m.language(), i + 1, g, m.distance(), why));
            }
        }
        return out;
    }

    private static double size(Map<String, Double> gib, Member m) {
        Double g = gib.get(LanguageCodes.base(m.language()));
        return g == null ? -1 : g;
    }
}
