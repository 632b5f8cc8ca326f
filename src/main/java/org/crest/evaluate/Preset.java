package org.crest.evaluate;

import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.crest.UsageException;

/**
 * Benchmarks as their files are distributed, read the way the CREST paper's Appendix C reads them. The
 * column names are matched case-insensitively; where a benchmark is distributed in two layouts (the
 * upstream repository's CSV and the walledai/ Hugging Face copy) both are understood.
 */
public enum Preset {
    GENERIC(
            "generic",
            null,
            "TEXT_COL (text), LABEL_COL (label), optional LANG_COL, DATASET_COL",
            "from --label-col",
            "from --lang-col, else und",
            "from --dataset-col, else the file name"),
    AEGIS(
            "aegis",
            "aegis_cs2",
            "prompt, prompt_label (+ id, response, response_label, ...)",
            "prompt_label: safe/unsafe",
            "en",
            "aegis_cs2"),
    HARMBENCH(
            "harmbench",
            "harmbench",
            "Behavior, FunctionalCategory, SemanticCategory, Tags, ContextString, BehaviorID (upstream CSV); "
                    + "or prompt[, context], category (walledai/HarmBench)",
            "all unsafe; Standard and Contextual only (copyright rows excluded), context prepended",
            "en",
            "harmbench"),
    STRONGREJECT(
            "strongreject",
            "strongreject",
            "category, source, forbidden_prompt (or prompt)",
            "all unsafe",
            "en",
            "strongreject"),
    REDTEAM2K("redteam2k", "redteam2k", "id, question, policy, from", "all unsafe", "en", "redteam2k"),
    JBB_BEHAVIORS(
            "jbb-behaviors",
            "jbb_behav",
            "index, goal, target, behavior, category, source (harmful-behaviors.csv and benign-behaviors.csv)",
            "by file: harmful* unsafe, benign* safe",
            "en",
            "jbb_behav"),
    JBB_JUDGE(
            "jbb-judge",
            "jbb_judge",
            "Index, goal, prompt, target_response, human1..3, human_majority, ... (judge_comparison.csv)",
            "all unsafe; goal and prompt each become a row",
            "en",
            "jbb_judge"),
    XSTEST(
            "xstest",
            "xstest",
            "id, prompt, type, label, focus, note",
            "type contrast_* unsafe, others safe",
            "en",
            "xstest"),
    MULTIJAIL(
            "multijail",
            "multijail",
            "id, source, tags, en, zh, it, vi, ar, ko, th, bn, sw, jv",
            "all unsafe; one row per language column",
            "the column's language",
            "multijail"),
    CSRT("csrt", "csrt", "id, category, en, csrt (or prompt)", "all unsafe; the code-switched text", "mul", "csrt"),
    SIMPLESAFETYTESTS(
            "simplesafetytests",
            "simplesafetytests",
            "id, harm_area, counter, category, prompts_final",
            "all unsafe",
            "en",
            "simplesafetytests");

    private final String cliName;
    private final String dataset;
    private final String columns;
    private final String labels;
    private final String lang;
    private final String datasetDoc;

    Preset(String cliName, String dataset, String columns, String labels, String lang, String datasetDoc) {
        this.cliName = cliName;
        this.dataset = dataset;
        this.columns = columns;
        this.labels = labels;
        this.lang = lang;
        this.datasetDoc = datasetDoc;
    }

    public static Preset parse(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (Preset p : values()) {
            if (p.cliName.equals(v) || p.cliName.replace("-", "").equals(v.replace("-", ""))) {
                return p;
            }
        }
        throw new UsageException("Cannot use --preset: unknown preset, expected one of " + names() + " (" + s + ")");
    }

    public static String names() {
        return Stream.of(values()).map(p -> p.cliName).collect(Collectors.joining(", "));
    }

    public String cliName() {
        return cliName;
    }

    /** The dataset id its rows get (null for generic). */
    public String dataset() {
        return dataset;
    }

    public String columns() {
        return columns;
    }

    public String labels() {
        return labels;
    }

    public String lang() {
        return lang;
    }

    public String datasetDoc() {
        return datasetDoc;
    }

    @Override
    public String toString() {
        return cliName;
    }
}
