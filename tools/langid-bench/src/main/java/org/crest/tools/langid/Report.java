package org.crest.tools.langid;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/** Markdown tables from the files {@link LangIdBench#run} wrote for each candidate. */
final class Report {
  /** XLM-R's language codes without the romanized / Zawgyi variants. */
  static final int XLMR_LANGUAGES = 94;
  static final double[] RATIOS = {1.0, 1.1, 1.2, 1.3, 1.5, 2.0};

  private Report() {}

  static String markdown(Path out) throws IOException {
    List<String> cands = new ArrayList<>();
    for (String c : Candidates.NAMES) {
      if (Files.exists(out.resolve(c + ".meta.tsv"))) {
        cands.add(c);
      }
    }
    Map<String, String> names = new LinkedHashMap<>();
    for (String[] r : LangIdBench.Sample.tsv(out.resolve("languages.tsv"))) {
      names.put(r[0], r[1]);
    }
    StringBuilder md = new StringBuilder();
    md.append("| candidate | library | XLM-R languages covered (of ").append(XLMR_LANGUAGES)
        .append(") | macro accuracy, all languages with data (uncovered = 0) | macro accuracy, covered languages | UDHR macro | NTREX macro "
            + "| short snippets (≤ 40 chars) macro | texts/s, 1 core | load s | heap MB | jars MB |\n")
        .append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    Map<String, Map<String, Double>> perLang = new LinkedHashMap<>();
    for (String c : cands) {
      Map<String, String> meta = new LinkedHashMap<>();
      for (String l : Files.readAllLines(out.resolve(c + ".meta.tsv"))) {
        String[] kv = l.split("\t", 2);
        meta.put(kv[0], kv.length > 1 ? kv[1] : "");
      }
      Set<String> covered = new TreeSet<>(List.of(meta.get("covered").split(",")));
      Map<String, int[]> lang = new TreeMap<>();
      Map<String, int[]> src = new TreeMap<>();
      for (String[] r : LangIdBench.Sample.tsv(out.resolve(c + ".results.tsv"))) {
        int n = Integer.parseInt(r[2]);
        int k = Integer.parseInt(r[3]);
        add(lang, r[0], n, k);
        add(src, r[1] + "\t" + r[0], n, k);
      }
      Map<String, Double> acc = new TreeMap<>();
      lang.forEach((l, v) -> acc.put(l, (double) v[1] / v[0]));
      perLang.put(c, acc);
      double all = mean(acc.values());
      List<Double> cov = new ArrayList<>();
      acc.forEach((l, a) -> {
        if (covered.contains(Codes.base(l))) {
          cov.add(a);
        }
      });
      long coveredCodes = names.keySet().stream().filter(x -> covered.contains(Codes.base(x))).count();
      md.append(String.format(Locale.ROOT, "| %s | %s | %d | %.3f | %.3f | %.3f | %.3f | %s | %s | %s | %s | %.1f |%n", c,
          meta.get("library"), coveredCodes, all, mean(cov), sourceMacro(src, "udhr"), sourceMacro(src, "ntrex"),
          meta.get("short_macro_accuracy"), meta.get("texts_per_second"), meta.get("load_seconds"),
          meta.get("heap_after_load_mb"), Long.parseLong(meta.get("artifact_bytes")) / 1048576.0));
    }

    for (String c : cands) {
      if (!Files.exists(out.resolve(c + ".predictions.tsv"))) {
        continue;
      }
      List<String[]> preds = LangIdBench.Sample.tsv(out.resolve(c + ".predictions.tsv"));
      if (preds.isEmpty() || preds.get(0)[4].equals("NaN")) {
        continue;
      }
      md.append("\n**").append(c).append("**: answer only when conf(best) ≥ r × conf(second); else null.\n\n")
          .append("| r | full texts answered | accuracy when answered | short snippets answered "
              + "| accuracy when answered |\n|---|---|---|---|---|\n");
      for (double r : RATIOS) {
        double[] full = rule(preds, "full", r);
        double[] sh = rule(preds, "short", r);
        md.append(String.format(Locale.ROOT, "| %.1f | %.1f %% | %.3f | %.1f %% | %.3f |%n", r, 100 * full[0], full[1],
            100 * sh[0], sh[1]));
      }
    }

    md.append("\nPer language (accuracy over UDHR + NTREX texts; – = the library has no such language):\n\n| code | name |");
    for (String c : cands) {
      md.append(' ').append(c).append(" |");
    }
    md.append("\n|---|---|");
    md.append("---|".repeat(cands.size())).append('\n');
    for (Map.Entry<String, String> e : names.entrySet()) {
      md.append("| ").append(e.getKey()).append(" | ").append(e.getValue()).append(" |");
      for (String c : cands) {
        Double a = perLang.get(c).get(e.getKey());
        Set<String> covered = covered(out, c);
        md.append(' ').append(a == null ? "no data" : !covered.contains(Codes.base(e.getKey())) ? "–"
            : String.format(Locale.ROOT, "%.2f", a)).append(" |");
      }
      md.append('\n');
    }
    return md.toString();
  }

  private static Set<String> covered(Path out, String c) throws IOException {
    for (String l : Files.readAllLines(out.resolve(c + ".meta.tsv"))) {
      if (l.startsWith("covered\t")) {
        return new TreeSet<>(List.of(l.substring(8).split(",")));
      }
    }
    return Set.of();
  }

  /** Share answered and accuracy of the answered under the ratio rule. */
  private static double[] rule(List<String[]> preds, String length, double r) {
    int n = 0;
    int answered = 0;
    int correct = 0;
    for (String[] p : preds) {
      if (!p[2].equals(length)) {
        continue;
      }
      n++;
      double c1 = Double.parseDouble(p[4]);
      double c2 = Double.parseDouble(p[5]);
      if (c1 >= r * c2 && c1 > c2) {
        answered++;
        if (Codes.base(p[3]).equals(Codes.base(p[0]))) {
          correct++;
        }
      }
    }
    return new double[] {(double) answered / n, answered == 0 ? Double.NaN : (double) correct / answered};
  }

  private static void add(Map<String, int[]> m, String key, int n, int k) {
    int[] v = m.computeIfAbsent(key, x -> new int[2]);
    v[0] += n;
    v[1] += k;
  }

  private static double sourceMacro(Map<String, int[]> src, String source) {
    List<Double> a = new ArrayList<>();
    src.forEach((k, v) -> {
      if (k.startsWith(source + "\t")) {
        a.add((double) v[1] / v[0]);
      }
    });
    return mean(a);
  }

  private static double mean(Iterable<Double> xs) {
    double s = 0;
    int n = 0;
    for (double x : xs) {
      s += x;
      n++;
    }
    return n == 0 ? Double.NaN : s / n;
  }
}
