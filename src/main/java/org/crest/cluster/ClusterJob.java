package org.crest.cluster;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.api.java.function.PairFunction;
import org.apache.spark.ml.clustering.KMeansModel;
import org.apache.spark.ml.feature.Normalizer;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.crest.Columns;
import org.crest.UsageException;
import org.crest.inference.ModelBundle;
import org.crest.io.InputReader;
import org.crest.io.Source;
import org.crest.io.Text;
import org.crest.io.Units;
import org.crest.langid.DetectLanguage;
import org.crest.langid.NormaliseLanguage;
import org.crest.langid.Table8;
import org.crest.model.EmbedderResolver;
import org.crest.spark.JobSupport;
import org.crest.spark.OutputFiles;
import org.crest.spark.OutputGuard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * {@code crest cluster}: the paper's language clustering (§3.1, Appendix A) as a Spark plan.
 * read → validate (text, language) → optional per-language cap → sentence embeddings in mapPartitions
 * (eq. 1) → per-language sums by reduceByKey, exact fixed-point so that centroids are bit-identical
 * whatever the partitioning (eq. 2) → K-Means sweep (cosine) over the centroids or the sentences →
 * k by the knee → clusters, training languages, agreement with Table 8, picture, report.
 * Sentence vectors never come to the driver; language centroids (a few hundred vectors) do.
 */
public final class ClusterJob {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterJob.class);
    public static final String SUMMARY_FILE = "_crest_cluster_summary.json";
    public static final String MISSING_LANGUAGE = "missing_language";
    /** A language value that is not a language code (a number, a word, JSON): its primary subtag is not 2-3 letters. */
    public static final String INVALID_LANGUAGE = "invalid_language";

    public static final String EMPTY_TEXT = "empty_text";
    public static final String ZERO_CENTROID = "zero_centroid";
    public static final String NO_USABLE_SENTENCES = "no_usable_sentences";
    /** Fixed-point scale of the centroid sums: 2^24, i.e. a resolution of 6e-8 per element. */
    static final double SCALE = 1 << 24;

    static final int THIN_BELOW = 5;

    private ClusterJob() {}

    /** A language's aggregated embeddings: eq. 2 centroid (null if no usable sentence) and counts. */
    public record LanguageCentroid(
            String language,
            long sentences,
            long nonFinite,
            long zero,
            long tokens,
            long truncated,
            double[] centroid) {}

    /** The clustering of the centroids: what {@link #cluster} decided. */
    public record Clustering(
            List<KSweep.Step> sweep,
            int k,
            String kMethod,
            Integer kneeK,
            Integer silhouetteK,
            List<ClusterReport.Assigned> assigned,
            Map<String, String> excluded,
            double[][] centres) {}

    /**
     * Runs the job under {@link OutputGuard}: no overlap with the input, a lock on the output, and (local files, HDFS)
     * a staging folder that replaces the output only when the run is complete.
     */
    public static ClusterSummary run(SparkSession spark, ClusterOptions o) {
        List<OutputGuard.Input> reads = new ArrayList<>(OutputGuard.Input.of("--input", o.inputs()));
        reads.addAll(OutputGuard.Input.ifLocalFolder("--embedder", o.embedder()));
        try (OutputGuard guard = OutputGuard.claim(spark, "cluster", o.output(), o.overwrite(), reads)) {
            ClusterSummary s = guard.run(() -> run(spark, o, guard.writePath()));
            guard.commit();
            return s;
        }
    }

    private static ClusterSummary run(SparkSession spark, ClusterOptions o, String writeTo) {
        long t0 = System.nanoTime();
        ModelBundle bundle = EmbedderResolver.resolve(o.embedder());
        if (bundle.isDemo()) {
            LOG.warn(
                    "Using the bundled demo embedder {}: a tiny random-weight test fixture, not XLM-R; its clusters mean "
                            + "nothing. For the paper's clusters pass --embedder DIR with an ONNX export of xlm-roberta-base.",
                    bundle.id());
        }
        Path out = new Path(writeTo);
        FileSystem fs = JobSupport.claimOutput(spark, writeTo, o.overwrite(), true);

        Checked read = readAndCheck(spark, o);
        Dataset<Row> checked = read.rows();

        spark.sparkContext().setJobDescription("crest cluster: count and validate input");
        long rowsIn = 0;
        Map<String, Long> skip = new TreeMap<>();
        Map<String, long[]> perFile = new TreeMap<>();
        Map<String, Map<String, Long>> perFileReasons = new TreeMap<>();
        for (Row r : checked.groupBy(FILE, "reason").count().collectAsList()) {
            long n = r.getLong(2);
            rowsIn += n;
            String file = r.isNullAt(0) ? "" : r.getString(0);
            long[] f = perFile.computeIfAbsent(file, k -> new long[2]);
            if (r.isNullAt(1)) {
                f[0] += n;
            } else {
                f[1] += n;
                skip.merge(r.getString(1), n, Long::sum);
                perFileReasons.computeIfAbsent(file, k -> new TreeMap<>()).merge(r.getString(1), n, Long::sum);
            }
        }
        List<ClusterSummary.FileLine> files = fileLines(read.ledger(), perFile, perFileReasons);
        long skipped = skip.values().stream().mapToLong(Long::longValue).sum();
        Dataset<Row> good = capped(checked.where(col("reason").isNull()), o);

        EmbedPartition embed = new EmbedPartition(
                bundle,
                JobSupport.ship(spark, bundle),
                o.maxTokens(),
                o.batchTokens(),
                o.maxBatchSize(),
                o.chunkRows(),
                o.device(),
                JobSupport.intraOpThreads(spark, o.intraOpThreads()));
        Dataset<Row> embedded = good.mapPartitions(embed, Encoders.row(EmbedPartition.SCHEMA));
        if (o.level() == ClusterOptions.Level.SENTENCE) {
            embedded = embedded.persist(StorageLevel.MEMORY_AND_DISK());
        }
        spark.sparkContext().setJobDescription("crest cluster: embed and aggregate per language with " + bundle.id());
        List<LanguageCentroid> centroids = centroids(embedded);
        long embeddedRows = 0;
        long nonFinite = 0;
        long zero = 0;
        long truncated = 0;
        for (LanguageCentroid c : centroids) {
            embeddedRows += c.sentences() + c.nonFinite();
            nonFinite += c.nonFinite();
            zero += c.zero();
            truncated += c.truncated();
        }
        long overCap = rowsIn - skipped - embeddedRows;

        Clustering cl;
        Dataset<Row> sentencePoints = null;
        if (o.level() == ClusterOptions.Level.LANGUAGE) {
            cl = cluster(spark, centroids, o);
        } else {
            sentencePoints = sentencePoints(embedded).persist(StorageLevel.MEMORY_AND_DISK());
            cl = clusterSentences(spark, centroids, sentencePoints, o);
        }
        spark.sparkContext().setJobDescription("crest cluster: write outputs");
        Map<String, Table8.Language> paper = Table8.byCode();
        List<TrainingLanguages.Member> members = new ArrayList<>();
        for (ClusterReport.Assigned a : cl.assigned()) {
            members.add(new TrainingLanguages.Member(a.language(), a.cluster(), a.distance()));
        }
        List<TrainingLanguages.Pick> picks =
                TrainingLanguages.select(members, LanguageTables.cc100Gib(), o.twoRepresentativesFrom());
        ClusterReport.Agreement ag = ClusterReport.agreement(cl.assigned(), paper);
        List<ClusterReport.SweepRow> sweepRows = sweepRows(cl);

        OutputFiles.write(fs, new Path(out, "clusters.csv"), ClusterReport.clustersCsv(cl.assigned()));
        OutputFiles.write(
                fs,
                new Path(out, "k_sweep.csv"),
                ClusterReport.sweepCsv(sweepRows, cl.k(), cl.kneeK(), cl.silhouetteK()));
        OutputFiles.write(fs, new Path(out, "train_languages.csv"), ClusterReport.trainCsv(picks));
        writeExcluded(fs, new Path(out, "excluded_languages.csv"), cl.excluded(), centroids);
        writeCentroids(spark, new Path(out, "centroids").toString(), centroids, cl.assigned());
        if (sentencePoints != null) {
            writeSentenceClusters(sentencePoints, cl, new Path(out, "sentence_clusters").toString());
        }

        double[] explained = writePicture(fs, out, bundle, cl, centroids);

        ClusterReport.ReportData rd = ClusterReport.ReportData.builder()
                .title("crest cluster report")
                .commandLine(o.commandLine())
                .embedder(bundle.id())
                .embedderIsDemo(bundle.isDemo())
                .level(o.level().name().toLowerCase(java.util.Locale.ROOT))
                .rowsIn(rowsIn)
                .rowsEmbedded(embeddedRows)
                .rowsOverCap(overCap)
                .skipReasons(skip)
                .nonFinite(nonFinite)
                .zero(zero)
                .truncated(truncated)
                .maxTokens(o.maxTokens())
                .sweep(sweepRows)
                .k(cl.k())
                .kMethod(cl.kMethod())
                .kneeK(cl.kneeK())
                .silhouetteK(cl.silhouetteK())
                .assigned(cl.assigned())
                .excluded(cl.excluded())
                .picks(picks)
                .agreement(ag)
                .paper(paper)
                .pcaExplained(explained)
                .thinBelow(THIN_BELOW)
                .build();
        OutputFiles.write(fs, new Path(out, "report.md"), ClusterReport.markdown(rd));

        List<Integer> ks = new ArrayList<>();
        for (KSweep.Step s : cl.sweep()) {
            ks.add(s.k());
        }
        ClusterSummary summary = ClusterSummary.builder()
                .status("ok")
                .level(o.level().name().toLowerCase(java.util.Locale.ROOT))
                .rowsIn(rowsIn)
                .rowsEmbedded(embeddedRows)
                .rowsOverCap(overCap)
                .rowsSkipped(skipped)
                .skipReasons(skip)
                .sentencesNonFinite(nonFinite)
                .sentencesZero(zero)
                .sentencesTruncated(truncated)
                .languages(centroids.size())
                .languagesClustered(cl.assigned().size())
                .excludedLanguages(cl.excluded())
                .kSwept(ks)
                .k(cl.k())
                .kMethod(cl.kMethod())
                .kKnee(cl.kneeK())
                .kSilhouette(cl.silhouetteK())
                .paperSharedLanguages(ag.shared())
                .paperAri(Double.isNaN(ag.ari()) ? null : ag.ari())
                .embedder(bundle.id())
                .embedderIsDemo(bundle.isDemo())
                .output(o.output())
                .seconds(Math.round((System.nanoTime() - t0) / 1e6) / 1000.0)
                .files(files)
                .build();
        OutputFiles.writeJson(fs, new Path(out, SUMMARY_FILE), summary);
        if (sentencePoints != null) {
            sentencePoints.unpersist();
            embedded.unpersist();
        }
        spark.sparkContext().setJobDescription(null);
        LOG.info(
                "Clustered {} languages into k = {} ({}); {} rows in, {} embedded, {} skipped {}; output {}",
                cl.assigned().size(),
                cl.k(),
                cl.kMethod(),
                rowsIn,
                embeddedRows,
                skipped,
                skip,
                o.output());
        return summary;
    }

    /** Blank text as {@link Text#isBlank} decides it (whitespace, NBSP, zero-width characters), as a Spark function. */
    static final class BlankText implements UDF1<String, Boolean> {
        private static final long serialVersionUID = 1L;

        @Override
        public Boolean call(String text) {
            return Text.isBlank(text);
        }
    }

    /** Eq. 2 per language by a distributed sum; only one vector per language reaches the driver. */
    static List<LanguageCentroid> centroids(Dataset<Row> embedded) {
        JavaPairRDD<String, long[]> sums =
                embedded.javaRDD().mapToPair(new ToFixedPoint()).reduceByKey(new AddLongs());
        List<LanguageCentroid> out = new ArrayList<>();
        for (Tuple2<String, long[]> t : sums.collect()) {
            long[] v = t._2();
            int h = v.length - 5;
            long n = v[h];
            double[] c = null;
            if (n > 0) {
                c = new double[h];
                for (int i = 0; i < h; i++) {
                    c[i] = v[i] / SCALE / n;
                }
            }
            out.add(new LanguageCentroid(t._1(), n, v[h + 1], v[h + 2], v[h + 3], v[h + 4], c));
        }
        out.sort(Comparator.comparing(LanguageCentroid::language));
        return out;
    }

    /** (lang, embedding) → (lang, [fixed-point sums..., used, nonFinite, zero, tokens, truncated]). */
    static final class ToFixedPoint implements PairFunction<Row, String, long[]> {
        private static final long serialVersionUID = 1L;

        @Override
        public Tuple2<String, long[]> call(Row r) {
            List<Double> e = r.getList(3);
            int h = e.size();
            long[] v = new long[h + 5];
            double sq = 0;
            boolean finite = true;
            for (int i = 0; i < h; i++) {
                double x = e.get(i);
                finite &= Double.isFinite(x);
                sq += x * x;
            }
            if (finite) {
                for (int i = 0; i < h; i++) {
                    v[i] = Math.round(e.get(i) * SCALE);
                }
                v[h] = 1;
                v[h + 2] = sq == 0 ? 1 : 0;
            } else {
                v[h + 1] = 1;
            }
            v[h + 3] = r.getInt(1);
            v[h + 4] = r.getBoolean(2) ? 1 : 0;
            return new Tuple2<>(r.getString(0), v);
        }
    }

    /** Element-wise exact sum; integer addition is associative, so the order of partitions does not matter. */
    static final class AddLongs implements Function2<long[], long[], long[]> {
        private static final long serialVersionUID = 1L;

        @Override
        public long[] call(long[] a, long[] b) {
            if (a.length != b.length) {
                throw new IllegalStateException(
                        "Cannot add embeddings of different sizes (" + a.length + ", " + b.length + ")");
            }
            long[] out = new long[a.length];
            for (int i = 0; i < a.length; i++) {
                out[i] = Math.addExact(a[i], b[i]);
            }
            return out;
        }
    }

    /**
     * Language-level clustering of the centroids: exclude unusable ones, sweep k, choose it, assign.
     * Errors when there are too few languages for the requested k.
     */
    public static Clustering cluster(SparkSession spark, List<LanguageCentroid> centroids, ClusterOptions o) {
        Map<String, String> excluded = new TreeMap<>();
        List<LanguageCentroid> usable = usable(centroids, excluded);
        requireSpread(usable);
        List<Row> rows = new ArrayList<>();
        for (LanguageCentroid c : usable) {
            rows.add(RowFactory.create(
                    c.language(), org.apache.spark.ml.linalg.Vectors.dense(Vectors.normalized(c.centroid()))));
        }
        StructType schema =
                new StructType().add("lang", DataTypes.StringType, false).add("features", new VectorUDT(), false);
        Dataset<Row> points = spark.createDataFrame(rows, schema).coalesce(1).cache();
        try {
            int[] ks = ks(o, usable.size());
            List<KSweep.Step> sweep = KSweep.run(points, ks, o.seeds(), o.seed(), o.maxIter());
            Choice ch = choose(o, sweep);
            KMeansModel model = sweep.get(ch.index).best();
            Vector[] centres = model.clusterCenters();
            int[] raw = new int[usable.size()];
            long[] size = new long[centres.length];
            for (int i = 0; i < usable.size(); i++) {
                raw[i] = model.predict(org.apache.spark.ml.linalg.Vectors.dense(
                        Vectors.normalized(usable.get(i).centroid())));
                size[raw[i]]++;
            }
            int[] renumber = renumber(size, firstLanguage(raw, usable, centres.length));
            List<ClusterReport.Assigned> assigned = new ArrayList<>();
            for (int i = 0; i < usable.size(); i++) {
                LanguageCentroid c = usable.get(i);
                assigned.add(new ClusterReport.Assigned(
                        c.language(),
                        renumber[raw[i]],
                        Vectors.cosineDistance(c.centroid(), centres[raw[i]].toArray()),
                        c.sentences(),
                        1.0));
            }
            assigned.sort(Comparator.comparingInt(ClusterReport.Assigned::cluster)
                    .thenComparing(ClusterReport.Assigned::language));
            return new Clustering(
                    sweep,
                    sweep.get(ch.index).k(),
                    ch.method,
                    ch.knee,
                    ch.silhouette,
                    assigned,
                    excluded,
                    renumberedCentres(centres, renumber));
        } finally {
            points.unpersist();
        }
    }

    static List<LanguageCentroid> usable(List<LanguageCentroid> centroids, Map<String, String> excluded) {
        List<LanguageCentroid> usable = new ArrayList<>();
        for (LanguageCentroid c : centroids) {
            if (c.centroid() == null) {
                excluded.put(c.language(), NO_USABLE_SENTENCES + " (" + c.nonFinite() + " non-finite embeddings)");
            } else if (!(Vectors.norm(c.centroid()) > 0)) {
                excluded.put(c.language(), ZERO_CENTROID + " (cosine K-Means cannot place a zero vector)");
            } else {
                usable.add(c);
            }
        }
        return usable;
    }

    /** Largest cosine distance of a usable centroid from the first one below which they all count as one point. */
    static final double SAME_DIRECTION = 1e-9;

    /**
     * Refuses centroids that all point the same way (identical texts in every language, or an embedder that maps
     * everything to one direction): k-means can find only one cluster there, and no k can be chosen.
     */
    static void requireSpread(List<LanguageCentroid> usable) {
        if (usable.size() < 2) {
            return; // ks() says that there are too few languages
        }
        double[] first = usable.get(0).centroid();
        double max = 0;
        for (LanguageCentroid c : usable) {
            max = Math.max(max, Vectors.cosineDistance(first, c.centroid()));
        }
        if (!(max >= SAME_DIRECTION)) {
            throw new UsageException(String.format(
                    Locale.ROOT,
                    "Cannot cluster the %d languages: their centroids all "
                            + "point the same way (largest cosine distance %.1e), so there is only one cluster; are the texts the same "
                            + "in every language, or is the embedder degenerate? Give each language texts of its own, and an embedder "
                            + "such as xlm-roberta-base (--embedder)",
                    usable.size(),
                    max));
        }
    }

    static int[] ks(ClusterOptions o, int languages) {
        if (o.k() != null) {
            if (o.k() > languages - 1) {
                throw new UsageException("Cannot cluster: --k " + o.k() + " needs at least " + (o.k() + 1)
                        + " languages with a usable centroid, found " + languages + " (lower --k or use --k auto)");
            }
            return new int[] {o.k()};
        }
        int hi = Math.min(o.kMax(), languages - 1);
        if (hi < o.kMin()) {
            throw new UsageException("Cannot cluster: --k auto sweeps k from --k-min " + o.kMin() + " to min(--k-max, "
                    + "languages - 1) = " + hi + ", which is empty; found " + languages
                    + " languages with a usable centroid");
        }
        int[] ks = new int[hi - o.kMin() + 1];
        for (int i = 0; i < ks.length; i++) {
            ks[i] = o.kMin() + i;
        }
        return ks;
    }

    private record Choice(int index, String method, Integer knee, Integer silhouette) {}

    private static Choice choose(ClusterOptions o, List<KSweep.Step> sweep) {
        int[] ks = new int[sweep.size()];
        double[] costs = new double[sweep.size()];
        int sil = -1;
        for (int i = 0; i < ks.length; i++) {
            ks[i] = sweep.get(i).k();
            costs[i] = sweep.get(i).cost();
            double s = sweep.get(i).silhouette();
            if (!Double.isNaN(s) && (sil < 0 || s > sweep.get(sil).silhouette())) {
                sil = i;
            }
        }
        Integer silK = sil < 0 ? null : ks[sil];
        if (o.k() != null) {
            return new Choice(0, "fixed by --k", null, silK);
        }
        int knee = Knee.knee(ks, costs);
        if (knee >= 0) {
            return new Choice(knee, "knee of the cost curve", ks[knee], silK);
        }
        if (sil >= 0) {
            return new Choice(sil, "no knee in the cost curve; silhouette optimum", null, silK);
        }
        return new Choice(0, "no knee and no silhouette; smallest k", null, null);
    }

    private static String[] firstLanguage(int[] raw, List<LanguageCentroid> langs, int k) {
        String[] first = new String[k];
        for (int i = 0; i < raw.length; i++) {
            String l = langs.get(i).language();
            if (first[raw[i]] == null || l.compareTo(first[raw[i]]) < 0) {
                first[raw[i]] = l;
            }
        }
        return first;
    }

    /** Cluster ids 1..k by size (descending), then by the alphabetically first member; empty clusters last. */
    static int[] renumber(long[] size, String[] first) {
        Integer[] order = new Integer[size.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(
                order,
                Comparator.<Integer>comparingLong(i -> -size[i])
                        .thenComparing(i -> first[i] == null ? "\uffff" : first[i])
                        .thenComparingInt(i -> i));
        int[] out = new int[size.length];
        for (int r = 0; r < order.length; r++) {
            out[order[r]] = r + 1;
        }
        return out;
    }

    private static double[][] renumberedCentres(Vector[] centres, int[] renumber) {
        double[][] out = new double[centres.length][];
        for (int i = 0; i < centres.length; i++) {
            out[renumber[i] - 1] = centres[i].toArray();
        }
        return out;
    }

    /** Sentence embeddings with a finite, non-zero norm as L2-normalised ml Vectors. */
    static Dataset<Row> sentencePoints(Dataset<Row> embedded) {
        Dataset<Row> ok = embedded.withColumn(
                        "_sq", expr("aggregate(embedding, cast(0 as double), (a, x) -> a + x * x)"))
                .where(col("_sq").gt(0).and(col("_sq").lt(Double.MAX_VALUE)).and(expr("not isnan(_sq)")))
                .select(
                        col(EmbedPartition.LANG).as("lang"),
                        org.apache
                                .spark
                                .ml
                                .functions
                                .array_to_vector(col(EmbedPartition.EMBEDDING))
                                .as("raw"));
        return new Normalizer()
                .setP(2)
                .setInputCol("raw")
                .setOutputCol("features")
                .transform(ok)
                .drop("raw");
    }

    /**
     * Sentence-level clustering: K-Means over the sentence vectors; a language's cluster is the one most
     * of its sentences fall in (ties: the lower cluster number), with the share of its sentences there;
     * its distance is from its centroid to that cluster's centre.
     */
    static Clustering clusterSentences(
            SparkSession spark, List<LanguageCentroid> centroids, Dataset<Row> points, ClusterOptions o) {
        Map<String, String> excluded = new TreeMap<>();
        List<LanguageCentroid> usable = usable(centroids, excluded);
        requireSpread(usable);
        int[] ks = ks(o, usable.size());
        List<KSweep.Step> sweep = KSweep.run(points, ks, o.seeds(), o.seed(), o.maxIter());
        Choice ch = choose(o, sweep);
        KSweep.Step step = sweep.get(ch.index);
        KMeansModel model = step.best();
        String pcol = model.getPredictionCol();
        Map<String, long[]> counts = new TreeMap<>();
        int kk = model.clusterCenters().length;
        long[] size = new long[kk];
        for (Row r :
                model.transform(points).groupBy(col("lang"), col(pcol)).count().collectAsList()) {
            counts.computeIfAbsent(r.getString(0), x -> new long[kk])[r.getInt(1)] += r.getLong(2);
            size[r.getInt(1)] += r.getLong(2);
        }
        String[] first = new String[kk];
        for (Map.Entry<String, long[]> e : counts.entrySet()) {
            for (int c = 0; c < kk; c++) {
                if (e.getValue()[c] > 0 && first[c] == null) {
                    first[c] = e.getKey();
                }
            }
        }
        int[] renumber = renumber(size, first);
        Vector[] centres = model.clusterCenters();
        List<ClusterReport.Assigned> assigned = new ArrayList<>();
        for (LanguageCentroid c : usable) {
            long[] n = counts.get(c.language());
            if (n == null) {
                excluded.put(c.language(), "no non-zero sentence vector");
                continue;
            }
            int best = -1;
            long total = 0;
            for (int j = 0; j < kk; j++) {
                total += n[j];
                if (best < 0 || n[j] > n[best] || (n[j] == n[best] && renumber[j] < renumber[best])) {
                    best = j;
                }
            }
            assigned.add(new ClusterReport.Assigned(
                    c.language(),
                    renumber[best],
                    Vectors.cosineDistance(c.centroid(), centres[best].toArray()),
                    c.sentences(),
                    (double) n[best] / total));
        }
        assigned.sort(Comparator.comparingInt(ClusterReport.Assigned::cluster)
                .thenComparing(ClusterReport.Assigned::language));
        return new Clustering(
                sweep,
                step.k(),
                ch.method,
                ch.knee,
                ch.silhouette,
                assigned,
                excluded,
                renumberedCentres(centres, renumber));
    }

    private static void writeSentenceClusters(Dataset<Row> points, Clustering cl, String dir) {
        KSweep.Step step = null;
        for (KSweep.Step s : cl.sweep()) {
            if (s.k() == cl.k()) {
                step = s;
            }
        }
        KMeansModel model = step.best();
        Vector[] centres = model.clusterCenters();
        // map the model's ids to the report's numbers by matching centres
        int[] map = new int[centres.length];
        for (int i = 0; i < centres.length; i++) {
            for (int j = 0; j < cl.centres().length; j++) {
                if (java.util.Arrays.equals(centres[i].toArray(), cl.centres()[j])) {
                    map[i] = j + 1;
                }
            }
        }
        StringBuilder caseExpr = new StringBuilder("CASE " + model.getPredictionCol());
        for (int i = 0; i < map.length; i++) {
            caseExpr.append(" WHEN ").append(i).append(" THEN ").append(map[i]);
        }
        caseExpr.append(" END");
        model.transform(points)
                .select(col("lang"), expr(caseExpr.toString()).as("cluster"))
                .write()
                .mode(SaveMode.Overwrite)
                .parquet(dir);
    }

    private static void writeCentroids(
            SparkSession spark, String dir, List<LanguageCentroid> centroids, List<ClusterReport.Assigned> assigned) {
        Map<String, Integer> cluster = new HashMap<>();
        for (ClusterReport.Assigned a : assigned) {
            cluster.put(a.language(), a.cluster());
        }
        List<Row> rows = new ArrayList<>();
        for (LanguageCentroid c : centroids) {
            rows.add(RowFactory.create(
                    c.language(),
                    cluster.get(c.language()),
                    c.sentences(),
                    c.tokens(),
                    c.centroid() == null ? null : toList(c.centroid())));
        }
        StructType schema = new StructType()
                .add("language", DataTypes.StringType, false)
                .add("cluster", DataTypes.IntegerType, true)
                .add("sentences", DataTypes.LongType, false)
                .add("tokens", DataTypes.LongType, false)
                .add("centroid", DataTypes.createArrayType(DataTypes.DoubleType, false), true);
        spark.createDataFrame(rows, schema)
                .coalesce(1)
                .write()
                .mode(SaveMode.Overwrite)
                .parquet(dir);
    }

    private static List<Double> toList(double[] v) {
        List<Double> l = new ArrayList<>(v.length);
        for (double x : v) {
            l.add(x);
        }
        return l;
    }

    /**
     * Read and check: the input's rows as (reason, language, text); reason null for a row to embed, else why it is
     * skipped. The language is the normalised --lang-col value, else (--detect-language) the detected one.
     */
    private static Checked readAndCheck(SparkSession spark, ClusterOptions o) {
        // the exact reader: per-record parsing (no schema inference, so no key can fail the run) and a per-file ledger
        Source source = InputReader.readExact(spark, o.inputs(), o.format(), List.of(o.textCol(), o.langCol()));
        boolean hasLangCol = List.of(source.rows().columns()).contains(o.langCol());
        if (!hasLangCol && !o.detectLanguage()) {
            List<String> cols = new ArrayList<>(List.of(source.rows().columns()));
            cols.removeIf(Source::isInternal);
            throw new UsageException("Cannot cluster: the input has no column '" + o.langCol() + "' (columns: " + cols
                    + "); name the language column with --lang-col, or pass --detect-language");
        }
        Units units = Units.flat(source, o.textCol());
        Dataset<Row> unitRows = source.rows().flatMap(units, Encoders.row(units.schema()));
        // the units' names: an input's crest_* columns (a crest output: crest_lang, crest_text) are crest_prev_* there
        Column text = col(quote(units.textColumn()));
        Column langValue = col(quote(Units.outputName(o.langCol(), source.format())));
        // precedence: the language column where it is present and not blank, else (--detect-language) the detected one
        Column given = hasLangCol
                ? udf(new NormaliseLanguage(), DataTypes.StringType).apply(langValue.cast("string"))
                : lit(null).cast("string");
        Column language = o.detectLanguage()
                ? when(
                                given.isNull().or(length(given).equalTo(0)),
                                udf(new DetectLanguage(), DataTypes.StringType).apply(text))
                        .otherwise(given)
                : given;
        Dataset<Row> checked = unitRows.withColumn("\u0001crest_language", language)
                .select(
                        when(col(Columns.ERROR_COL).isNotNull(), col(Columns.ERROR_COL))
                                .when(
                                        col("\u0001crest_language")
                                                .isNull()
                                                .or(length(col("\u0001crest_language"))
                                                        .equalTo(0)),
                                        lit(MISSING_LANGUAGE))
                                .when(
                                        udf(new ValidLanguage(), DataTypes.BooleanType)
                                                .apply(col("\u0001crest_language"))
                                                .equalTo(false),
                                        lit(INVALID_LANGUAGE))
                                .when(
                                        udf(new BlankText(), DataTypes.BooleanType)
                                                .apply(text),
                                        lit(EMPTY_TEXT))
                                .as("reason"),
                        col("\u0001crest_language").as(EmbedPartition.LANG),
                        text.as(EmbedPartition.TEXT),
                        col(quote(Source.FILE_COL)).as(FILE));
        return new Checked(checked, source.ledger());
    }

    /** Internal column of the checked rows: the file a row came from. */
    private static final String FILE = "\u0001crest_file";

    /** The checked rows (reason, language, text, file) and the reader's per-file ledger. */
    private record Checked(Dataset<Row> rows, Map<String, Long> ledger) {}

    /** A column name for col(): backquoted, so that dots and backquotes in it are literal. */
    private static String quote(String name) {
        return "`" + name.replace("`", "``") + "`";
    }

    /**
     * Per input file: records (ledger), rows used and skipped; fails (exit 1, naming the file) unless every listed file
     * gave exactly as many rows as its bytes hold.
     */
    static List<ClusterSummary.FileLine> fileLines(
            Map<String, Long> ledger, Map<String, long[]> perFile, Map<String, Map<String, Long>> reasons) {
        Map<String, long[]> left = new TreeMap<>(perFile);
        List<ClusterSummary.FileLine> out = new ArrayList<>();
        for (Map.Entry<String, Long> e : ledger.entrySet()) {
            String key = InputReader.pathKey(e.getKey());
            long[] f = left.remove(key);
            long read = f == null ? 0 : f[0] + f[1];
            if (read != e.getValue()) {
                throw new org.crest.ConservationException("Cannot finish: " + key + " holds " + e.getValue()
                        + " records (counted from its bytes) but " + read + " were read");
            }
            out.add(new ClusterSummary.FileLine(
                    key,
                    e.getValue(),
                    f == null ? 0 : f[0],
                    f == null ? 0 : f[1],
                    reasons.getOrDefault(key, Map.of())));
        }
        if (!left.isEmpty()) {
            throw new org.crest.ConservationException(
                    "Cannot finish: rows from " + left.keySet() + ", which are not among the listed input files");
        }
        return out;
    }

    /**
     * A language code crest can use: a primary subtag of 2-3 letters (ISO 639-1/-2/-3), then BCP-47 subtags. ISO 639's
     * special codes (und, mul, zxx) are codes too: a corpus may mean them (code-switched text is mul).
     */
    static final class ValidLanguage implements UDF1<String, Boolean> {
        private static final long serialVersionUID = 1L;
        private static final java.util.regex.Pattern CODE =
                java.util.regex.Pattern.compile("[a-z]{2,3}(-[A-Za-z0-9]{1,8})*");

        @Override
        public Boolean call(String code) {
            return code != null && CODE.matcher(code).matches();
        }
    }

    /** The rows to embed as (language, text), at most --max-sentences-per-language per language. */
    private static Dataset<Row> capped(Dataset<Row> valid, ClusterOptions o) {
        Dataset<Row> good = valid.select(EmbedPartition.LANG, EmbedPartition.TEXT);
        if (o.maxSentencesPerLanguage() > 0) {
            // deterministic cap: the N rows of each language with the smallest hash of their text
            good = good.withColumn(
                            "_rank",
                            row_number()
                                    .over(Window.partitionBy(EmbedPartition.LANG)
                                            .orderBy(xxhash64(col(EmbedPartition.TEXT)), col(EmbedPartition.TEXT))))
                    .where(col("_rank").leq(o.maxSentencesPerLanguage()))
                    .drop("_rank");
        }
        return good;
    }

    /** The k sweep as the report and k_sweep.csv show it. */
    private static List<ClusterReport.SweepRow> sweepRows(Clustering cl) {
        List<ClusterReport.SweepRow> sweepRows = new ArrayList<>();
        for (KSweep.Step s : cl.sweep()) {
            sweepRows.add(new ClusterReport.SweepRow(
                    s.k(), s.cost(), s.silhouette(), s.ariMean(), s.ariMin(), s.clustersFound(), s.bestSeedIndex()));
        }
        return sweepRows;
    }

    /** The picture: PCA of the normalised centroids of the clustered languages as PNG and SVG; returns the variance shares. */
    private static double[] writePicture(
            FileSystem fs, Path out, ModelBundle bundle, Clustering cl, List<LanguageCentroid> centroids) {
        Map<String, LanguageCentroid> byLang = new HashMap<>();
        for (LanguageCentroid c : centroids) {
            byLang.put(c.language(), c);
        }
        double[][] rows = new double[cl.assigned().size()][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = Vectors.normalized(
                    byLang.get(cl.assigned().get(i).language()).centroid());
        }
        double[] explained = new double[2];
        double[][] xy = Pca.project2(rows, explained);
        List<ClusterPlot.Point> pts = new ArrayList<>();
        for (int i = 0; i < rows.length; i++) {
            ClusterReport.Assigned a = cl.assigned().get(i);
            pts.add(new ClusterPlot.Point(a.language(), a.cluster(), xy[i][0], xy[i][1]));
        }
        String title =
                "Language centroids, k = " + cl.k() + " (" + bundle.id() + (bundle.isDemo() ? ", demo" : "") + ")";
        String xl = "PC1 (" + String.format(java.util.Locale.ROOT, "%.1f", 100 * explained[0]) + " %)";
        String yl = "PC2 (" + String.format(java.util.Locale.ROOT, "%.1f", 100 * explained[1]) + " %)";
        OutputFiles.write(fs, new Path(out, "centroids.png"), ClusterPlot.png(pts, title, xl, yl, cl.k()));
        OutputFiles.write(fs, new Path(out, "centroids.svg"), ClusterPlot.svg(pts, title, xl, yl, cl.k()));
        return explained;
    }

    private static void writeExcluded(
            FileSystem fs, Path file, Map<String, String> excluded, List<LanguageCentroid> centroids) {
        Map<String, Long> n = new HashMap<>();
        for (LanguageCentroid c : centroids) {
            n.put(c.language(), c.sentences() + c.nonFinite());
        }
        StringBuilder s = new StringBuilder("language,reason,sentences\n");
        for (Map.Entry<String, String> e : excluded.entrySet()) {
            s.append(org.crest.io.Csv.line(e.getKey(), e.getValue(), n.getOrDefault(e.getKey(), 0L)));
        }
        OutputFiles.write(fs, file, s.toString());
    }
}
