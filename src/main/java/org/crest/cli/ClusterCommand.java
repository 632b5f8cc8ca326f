package org.crest.cli;

import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.crest.UsageException;
import org.crest.cli.options.BatchOptions;
import org.crest.cli.options.InputOptions;
import org.crest.cli.options.OutputOptions;
import org.crest.cli.options.SparkOptions;
import org.crest.cli.options.WriteMode;
import org.crest.cluster.ClusterJob;
import org.crest.cluster.ClusterOptions;
import org.crest.cluster.ClusterSummary;
import org.crest.spark.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "cluster",
        mixinStandardHelpOptions = true,
        usageHelpAutoWidth = true,
        sortOptions = false,
        description = {
            "Cluster languages by their mean sentence embedding, as the CREST paper chose its training languages.",
            "",
            "Each sentence is embedded with an XLM-R encoder (masked mean of the last hidden state, <s> and </s> "
                    + "included; texts longer than --max-tokens are embedded from their first window). A language's centroid "
                    + "is the mean of its sentence embeddings. K-Means with cosine distance (Spark MLlib) clusters the "
                    + "L2-normalised centroids (--level language, the paper's method) or the sentences themselves (--level "
                    + "sentence; a language then joins the cluster most of its sentences fall in). With --k auto, k is swept "
                    + "from --k-min to min(--k-max, languages - 1) with --seeds seeds each (the lowest cost kept) and chosen "
                    + "at the knee of the cost curve (Kneedle); the silhouette optimum is reported beside it.",
            "",
            "Writes to OUTPUT: clusters.csv, k_sweep.csv, train_languages.csv (1-2 per cluster, largest CC-100 "
                    + "pretraining size first), excluded_languages.csv, centroids/ (Parquet), centroids.png/.svg (PCA), "
                    + "report.md (clusters like the paper's Table 8 and the agreement with it) and "
                    + "_crest_cluster_summary.json. Rows without a language or text are skipped and counted; languages whose "
                    + "centroid is zero are left out of K-Means and listed.",
            ""
        },
        footer = {
            "",
            "Examples:",
            "  ./spark-submit.sh cluster --input examples/messages.jsonl --embedder demo-embedder --output /tmp/clusters",
            "  ./spark-submit.sh cluster --input s3a://bucket/multijail-100/ --lang-col language \\",
            "      --embedder /models/xlm-roberta-base-onnx --k 8 --output s3a://bucket/clusters",
            "",
            "Exit codes: 0 done, 1 the job failed, 2 the command line or its inputs are wrong."
        })
public final class ClusterCommand implements Callable<Integer> {
    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    InputOptions input;

    @Mixin
    OutputOptions output;

    @Option(
            names = {"-e", "--embedder"},
            required = true,
            paramLabel = "MODEL",
            description = "An encoder bundle folder (model.onnx with a last_hidden_state output, tokenizer.json, "
                    + "config.json: optimum-cli export onnx --task feature-extraction), or demo-embedder: the bundled tiny "
                    + "random-weight fixture, whose clusters mean nothing.")
    String embedder;

    @Option(
            names = "--text-col",
            defaultValue = "text",
            paramLabel = "COL",
            description = "Column holding the sentence. Default: ${DEFAULT-VALUE}.")
    String textCol;

    @Option(
            names = "--lang-col",
            defaultValue = "lang",
            paramLabel = "COL",
            description = "Column holding the language; its values are the languages clustered (codes like en, zh-Hant "
                    + "are matched to the paper's Table 8 by their base code). Default: ${DEFAULT-VALUE}.")
    String langCol;

    @Option(
            names = "--detect-language",
            description = "Rows whose --lang-col is absent, null or blank get the language detected from their text "
                    + "(ISO 639-1, else 639-3; OpenNLP, see docs/LANGID.md); a given language always wins. Rows the detector "
                    + "is unsure of are skipped as missing_language.")
    boolean detectLanguage;

    @Option(
            names = "--k",
            defaultValue = "auto",
            paramLabel = "auto|N",
            description =
                    "Number of clusters, or auto: sweep and take the knee. The paper found 8. Default: ${DEFAULT-VALUE}.")
    String k;

    @Option(
            names = "--k-min",
            defaultValue = "2",
            paramLabel = "N",
            description = "Smallest k of the sweep. " + "Default: ${DEFAULT-VALUE}.")
    int kMin;

    @Option(
            names = "--k-max",
            defaultValue = "16",
            paramLabel = "N",
            description = "Largest k of the sweep (clamped to languages - 1). Default: ${DEFAULT-VALUE}.")
    int kMax;

    @Option(
            names = "--seeds",
            defaultValue = "5",
            paramLabel = "N",
            description =
                    "K-Means runs per k (seeds --seed .. --seed+N-1); the lowest cost is kept and the ARI between "
                            + "runs measures stability. Default: ${DEFAULT-VALUE}.")
    int seeds;

    @Option(
            names = "--seed",
            defaultValue = "42",
            paramLabel = "N",
            description = "First seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(
            names = "--max-iter",
            defaultValue = "50",
            paramLabel = "N",
            description = "K-Means iterations at most. Default: ${DEFAULT-VALUE}.")
    int maxIter;

    @Option(
            names = "--level",
            defaultValue = "language",
            paramLabel = "LEVEL",
            description = "language: K-Means over the language centroids (the paper); sentence: over the sentence "
                    + "embeddings. Default: ${DEFAULT-VALUE}.")
    String level;

    @Option(
            names = "--max-sentences-per-language",
            defaultValue = "0",
            paramLabel = "N",
            description = "Embed at most N sentences per language (the same N every run: smallest hash of the text); "
                    + "0 = all. Default: ${DEFAULT-VALUE}.")
    int maxPerLanguage;

    @Option(
            names = "--two-representatives-from",
            defaultValue = "11",
            paramLabel = "N",
            description = "Clusters with at least N languages get 2 training languages, smaller ones 1. "
                    + "Default: ${DEFAULT-VALUE}.")
    int twoFrom;

    @Mixin
    BatchOptions batch;

    @Mixin
    SparkOptions spark;

    @Override
    public Integer call() {
        ClusterOptions o = options();
        // a broken embedder, or a classifier given as --embedder, is refused in one line before Spark starts
        org.crest.model.EmbedderResolver.resolve(o.embedder());
        SparkSession session = spark.start("crest cluster");
        try {
            ClusterSummary s = ClusterJob.run(session, o);
            System.out.printf(
                    "crest cluster: %d rows in, %d embedded, %d over the cap, %d skipped %s%n",
                    s.rowsIn(), s.rowsEmbedded(), s.rowsOverCap(), s.rowsSkipped(), s.skipReasons());
            System.out.printf(
                    "  %d languages clustered into k = %d (%s; knee %s, silhouette optimum %s)%s%n",
                    s.languagesClustered(),
                    s.k(),
                    s.kMethod(),
                    s.kKnee(),
                    s.kSilhouette(),
                    s.excludedLanguages().isEmpty()
                            ? ""
                            : ", left out " + s.excludedLanguages().keySet());
            System.out.printf(
                    "  agreement with the paper's Table 8 over %d shared languages: ARI %s%n",
                    s.paperSharedLanguages(),
                    s.paperAri() == null ? "n/a" : String.format(Locale.ROOT, "%.4f", s.paperAri()));
            System.out.printf(
                    "  embedder %s%s; report %s/report.md%n",
                    s.embedder(), s.embedderIsDemo() ? " (demo: clusters mean nothing)" : "", s.output());
            return 0;
        } finally {
            SparkSessions.release(session);
        }
    }

    ClusterOptions options() {
        WriteMode m = output.mode();
        Integer kk;
        if (k.trim().equalsIgnoreCase("auto")) {
            kk = null;
        } else {
            try {
                kk = Integer.parseInt(k.trim());
            } catch (NumberFormatException e) {
                throw new UsageException("Cannot cluster: --k must be auto or a number (" + k + ")");
            }
        }
        String cmd = spec == null
                ? ""
                : "crest "
                        + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        return ClusterOptions.builder()
                .inputs(input.inputs())
                .format(input.format())
                .output(output.output())
                .overwrite(m.overwrite())
                .textCol(textCol)
                .langCol(langCol)
                .detectLanguage(detectLanguage)
                .embedder(embedder)
                .k(kk)
                .kMin(kMin)
                .kMax(kMax)
                .seeds(seeds)
                .seed(seed)
                .maxIter(maxIter)
                .level(ClusterOptions.Level.parse(level))
                .maxSentencesPerLanguage(maxPerLanguage)
                .twoRepresentativesFrom(twoFrom)
                .maxTokens(batch.maxTokens())
                .batchTokens(batch.batchTokens())
                .maxBatchSize(batch.maxBatchSize())
                .chunkRows(batch.chunkRows())
                .device(batch.device())
                .intraOpThreads(batch.intraOpThreads())
                .commandLine(cmd)
                .build();
    }
}
