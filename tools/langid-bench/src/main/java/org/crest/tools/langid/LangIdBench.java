package org.crest.tools.langid;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Measures language-identification libraries on the project's parallel corpora (UDHR articles and
 * NTREX-128 news sentences) for the XLM-R languages.
 *
 * <pre>
 *   LangIdBench run CANDIDATE DATA_DIR OUT_DIR [PER_SOURCE]   one candidate, one JVM (clean memory figures)
 *   LangIdBench report OUT_DIR                                Markdown tables from all candidates' results
 * </pre>
 *
 * The sample: for each XLM-R language of {@code DATA_DIR/xlmr_language_coverage.tsv}, the first
 * PER_SOURCE (default 30) UDHR articles of one translation and the first PER_SOURCE NTREX sentences of
 * one language file. A prediction is correct when the library's code maps to the same XLM-R code
 * ({@link Codes}); zh-Hans and zh-Hant both count as zh. Every text is classified once, top-1, with no
 * abstention (the production rule with abstention is measured by the "*-rule" candidates).
 */
public final class LangIdBench {

  private LangIdBench() {}

  /** One text of the sample. */
  record Item(String xlmr, String source, String text) {}

  public static void main(String[] args) throws Exception {
    if (args.length >= 4 && args[0].equals("run")) {
      int perSource = args.length > 4 ? Integer.parseInt(args[4]) : 30;
      run(args[1], Path.of(args[2]), Path.of(args[3]), perSource);
    } else if (args.length == 2 && args[0].equals("report")) {
      System.out.print(Report.markdown(Path.of(args[1])));
    } else {
      System.err.println("usage: LangIdBench run CANDIDATE DATA_DIR OUT_DIR [PER_SOURCE] | report OUT_DIR");
      System.err.println("candidates: " + Candidates.NAMES);
      System.exit(2);
    }
  }

  static void run(String name, Path data, Path out, int perSource) throws Exception {
    Files.createDirectories(out);
    Sample sample = Sample.load(data, perSource);
    gc();
    long heap0 = usedHeap();
    long t0 = System.nanoTime();
    Candidate c = Candidates.create(name);
    double loadSeconds = (System.nanoTime() - t0) / 1e9;
    gc();
    long heap = usedHeap() - heap0;

    // warm-up on a slice of the sample (JIT, lazy model loading), then one timed pass over everything
    for (int i = 0; i < sample.items.size(); i += 10) {
      c.predict(sample.items.get(i).text());
    }
    String[] predicted = new String[sample.items.size()];
    long t1 = System.nanoTime();
    for (int i = 0; i < predicted.length; i++) {
      predicted[i] = c.predict(sample.items.get(i).text());
    }
    double seconds = (System.nanoTime() - t1) / 1e9;
    gc();
    long heapAfter = usedHeap() - heap0;

    Set<String> covered = new TreeSet<>();
    for (String raw : c.supported()) {
      String x = Codes.toXlmr(raw);
      if (x != null && sample.languages.containsKey(Codes.base(x))) {
        covered.add(Codes.base(x));
      }
    }
    // results: language, source, n, correct, abstained; confusions: language, predicted, count
    Map<String, int[]> counts = new TreeMap<>();
    Map<String, Map<String, Integer>> confusions = new TreeMap<>();
    for (int i = 0; i < predicted.length; i++) {
      Item it = sample.items.get(i);
      int[] n = counts.computeIfAbsent(it.xlmr() + "\t" + it.source(), k -> new int[3]);
      n[0]++;
      String p = predicted[i] == null ? null : Codes.toXlmr(predicted[i]);
      if (p == null && predicted[i] == null) {
        n[2]++;
      } else if (p != null && Codes.base(p).equals(Codes.base(it.xlmr()))) {
        n[1]++;
      } else {
        confusions.computeIfAbsent(it.xlmr(), k -> new TreeMap<>())
            .merge(p != null ? p : "raw:" + predicted[i], 1, Integer::sum);
      }
    }
    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out.resolve(name + ".results.tsv")))) {
      w.println("xlmr\tsource\tn\tcorrect\tabstained");
      for (Map.Entry<String, int[]> e : counts.entrySet()) {
        w.println(e.getKey() + "\t" + e.getValue()[0] + "\t" + e.getValue()[1] + "\t" + e.getValue()[2]);
      }
    }
    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out.resolve(name + ".confusions.tsv")))) {
      w.println("xlmr\tpredicted\tcount");
      for (Map.Entry<String, Map<String, Integer>> e : confusions.entrySet()) {
        for (Map.Entry<String, Integer> p : e.getValue().entrySet()) {
          w.println(e.getKey() + "\t" + p.getKey() + "\t" + p.getValue());
        }
      }
    }
    // short snippets (chat-like): the first words of each text, up to SHORT chars; and the top-two confidences
    int shortCorrect = 0;
    Map<String, int[]> shortCounts = new TreeMap<>();
    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out.resolve(name + ".predictions.tsv")))) {
      w.println("xlmr\tsource\tlength\tpredicted\tconf1\tconf2");
      for (int i = 0; i < predicted.length; i++) {
        Item it = sample.items.get(i);
        double[] t = c.topTwo(it.text());
        w.println(it.xlmr() + "\t" + it.source() + "\tfull\t" + Codes.toXlmr(predicted[i]) + "\t" + t[0] + "\t" + t[1]);
        String snippet = snippet(it.text());
        String p = c.predict(snippet);
        double[] ts = c.topTwo(snippet);
        w.println(it.xlmr() + "\t" + it.source() + "\tshort\t" + Codes.toXlmr(p) + "\t" + ts[0] + "\t" + ts[1]);
        int[] n = shortCounts.computeIfAbsent(it.xlmr(), k -> new int[2]);
        n[0]++;
        if (p != null && Codes.base(Codes.toXlmr(p)).equals(Codes.base(it.xlmr()))) {
          n[1]++;
          shortCorrect++;
        }
      }
    }
    double shortMacro = 0;
    for (int[] n : shortCounts.values()) {
      shortMacro += (double) n[1] / n[0];
    }
    shortMacro /= shortCounts.size();
    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out.resolve("languages.tsv")))) {
      w.println("xlmr\tname");
      sample.names.forEach((k, v) -> w.println(k + "\t" + v));
    }
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("candidate", name);
    meta.put("library", c.library());
    meta.put("artifact_bytes", Long.toString(c.artifactBytes()));
    meta.put("load_seconds", String.format(Locale.ROOT, "%.2f", loadSeconds));
    meta.put("heap_after_load_mb", String.format(Locale.ROOT, "%.0f", heap / 1048576.0));
    meta.put("heap_after_run_mb", String.format(Locale.ROOT, "%.0f", heapAfter / 1048576.0));
    meta.put("texts", Integer.toString(predicted.length));
    meta.put("chars", Long.toString(sample.chars));
    meta.put("seconds", String.format(Locale.ROOT, "%.2f", seconds));
    meta.put("texts_per_second", String.format(Locale.ROOT, "%.0f", predicted.length / seconds));
    meta.put("short_micro_accuracy", String.format(Locale.ROOT, "%.4f", (double) shortCorrect / predicted.length));
    meta.put("short_macro_accuracy", String.format(Locale.ROOT, "%.4f", shortMacro));
    meta.put("processors", Integer.toString(Runtime.getRuntime().availableProcessors()));
    meta.put("covered", String.join(",", covered));
    meta.put("java", System.getProperty("java.version"));
    try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out.resolve(name + ".meta.tsv")))) {
      meta.forEach((k, v) -> w.println(k + "\t" + v));
    }
    System.out.printf(Locale.ROOT, "%s: %d texts in %.1f s (%.0f/s), load %.1f s, heap %d MB, covers %d languages%n",
        name, predicted.length, seconds, predicted.length / seconds, loadSeconds, heap / 1048576, covered.size());
  }

  /** Chars of a short snippet: chat-like messages are often this short. */
  static final int SHORT = 40;

  /** The first words of a text, at most {@link #SHORT} chars (cut at the last space, if there is one). */
  static String snippet(String text) {
    if (text.length() <= SHORT) {
      return text;
    }
    String s = text.substring(0, SHORT);
    int sp = s.lastIndexOf(' ');
    return sp > SHORT / 2 ? s.substring(0, sp) : s;
  }

  private static void gc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
    }
  }

  private static long usedHeap() {
    Runtime r = Runtime.getRuntime();
    return r.totalMemory() - r.freeMemory();
  }

  /** The sample and the XLM-R languages it has data for. */
  static final class Sample {
    final List<Item> items = new ArrayList<>();
    /** base XLM-R code (zh for zh-Hans/zh-Hant) -> name, for the languages of the coverage table */
    final Map<String, String> languages = new TreeMap<>();
    final Map<String, String> names = new LinkedHashMap<>();
    long chars;

    /** UDHR translation to use where the coverage table lists several (script or orthography variants). */
    private static final Map<String, String> UDHR_PICK = Map.of("az", "azj_latn", "bs", "bos_latn", "ms", "mly_latn",
        "uz", "uzn_latn", "de", "deu_1996", "ro", "ron_2006", "el", "ell_monotonic", "ha", "hau_NG", "sw", "swh",
        "en", "eng");

    static Sample load(Path data, int perSource) throws IOException {
      Sample s = new Sample();
      Map<String, String> udhrKey = new HashMap<>();
      Map<String, String> ntrexCode = new HashMap<>();
      for (String[] r : tsv(data.resolve("xlmr_language_coverage.tsv"))) {
        String x = r[0];
        if (x.contains("_")) {
          continue; // romanized / Zawgyi variants: no data
        }
        s.languages.put(Codes.base(x), r[1]);
        s.names.put(x, r[1]);
        String[] keys = r.length > 3 && !r[3].isEmpty() ? r[3].split(",") : new String[0];
        String pick = UDHR_PICK.get(x);
        if (pick == null) {
          for (String k : keys) {
            if (!Character.isDigit(k.charAt(0))) {
              pick = k;
              break;
            }
          }
        }
        if (pick != null) {
          udhrKey.put(pick, x);
        }
        if (r.length > 4 && !r[4].isEmpty()) {
          String[] codes = r[4].split(",");
          ntrexCode.put(x.equals("en") ? "eng" : codes[0], x);
        }
      }
      Map<String, Integer> taken = new HashMap<>();
      for (String[] r : tsv(data.resolve("udhr/udhr_articles.tsv"))) {
        String x = udhrKey.get(r[0]);
        if (x != null && taken.merge("udhr " + x, 1, Integer::sum) <= perSource) {
          s.add(x, "udhr", r[6]);
        }
      }
      for (String[] r : tsv(data.resolve("ntrex128/ntrex128_first200.tsv"))) {
        String x = ntrexCode.get(r[2]);
        if (x != null && Integer.parseInt(r[0]) <= perSource) {
          s.add(x, "ntrex", r[4]);
        }
      }
      return s;
    }

    private void add(String xlmr, String source, String text) {
      items.add(new Item(xlmr, source, text));
      chars += text.length();
    }

    /** Data rows of a TSV with a header line. */
    static List<String[]> tsv(Path p) throws IOException {
      List<String[]> rows = new ArrayList<>();
      List<String> lines = Files.readAllLines(p, StandardCharsets.UTF_8);
      for (String l : lines.subList(1, lines.size())) {
        if (!l.isEmpty()) {
          rows.add(l.split("\t", -1));
        }
      }
      return rows;
    }
  }

  static UncheckedIOException unchecked(IOException e) {
    return new UncheckedIOException(e);
  }
}
