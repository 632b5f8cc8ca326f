package org.crest.evaluate;

import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.crest.UsageException;
import org.crest.io.InputFormat;
import org.crest.spark.JobSupport;
import org.crest.spark.OutputFiles;
import org.crest.spark.OutputGuard;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code crest evaluate --suite DIR}: every preset whose benchmark files are in DIR ({@link SuiteFiles}), each
 * evaluated exactly as {@code crest evaluate --preset P} does ({@link EvaluateJob}, into {@code OUTPUT/<preset>/}),
 * in one Spark session (the executors' model session is cached, so the model is loaded once per executor for the
 * whole suite), then one report over all of them: {@code suite.md}, {@code suite.json}, {@code suite.csv}
 * ({@link SuiteReport}), from the runs' dataset × language confusion counts rolled up by {@link Metrics}.
 */
public final class SuiteJob {
    private static final Logger LOG = LoggerFactory.getLogger(SuiteJob.class);
    public static final String SUITE_MD = "suite.md";
    public static final String SUITE_JSON = "suite.json";
    public static final String SUITE_CSV = "suite.csv";

    private SuiteJob() {}

    /** One preset's run: what was found, where its output is, and its result. */
    public record Run(SuiteFiles.Found found, String output, EvaluateJob.Result result) {}

    /**
     * What the suite found and computed; {@code metrics} are all runs' dataset × language cells rolled up
     * ({@link Metrics#rollUp}), {@code averages} their {@link Metrics#averages}.
     */
    public record Result(
            SuiteFiles.Discovery discovery,
            List<Run> runs,
            String modelName,
            String model,
            boolean modelIsDemo,
            String paperModel,
            double threshold,
            List<Cell> metrics,
            List<Metrics.Average> averages) {

        public Cell overall() {
            return metrics.stream()
                    .filter(c -> c.level().equals(Metrics.OVERALL))
                    .findFirst()
                    .orElseThrow();
        }
    }

    /**
     * Runs the suite under one {@link OutputGuard} on {@code o.output()}; {@code o}'s benchmark options give only
     * {@code --label-map} and {@code --language-groups}, its label options the model and scoring.
     */
    public static Result run(SparkSession spark, EvalOptions o, String dir) {
        SuiteFiles.Discovery d = SuiteFiles.discover(spark.sparkContext().hadoopConfiguration(), dir);
        List<OutputGuard.Input> reads = new ArrayList<>();
        reads.add(new OutputGuard.Input("--suite", dir));
        reads.addAll(o.reads());
        try (OutputGuard guard = OutputGuard.claim(spark, "evaluate", o.output(), o.overwrite(), reads)) {
            Result r = guard.run(() -> suite(spark, o, d, guard.writePath()));
            guard.commit();
            List<Run> runs = r.runs().stream()
                    .map(x -> new Run(
                            x.found(),
                            new Path(o.output(), x.found().preset().cliName()).toString(),
                            x.result()
                                    .movedTo(new Path(
                                                    o.output(),
                                                    x.found().preset().cliName())
                                            .toString())))
                    .toList();
            return new Result(
                    d,
                    runs,
                    r.modelName(),
                    r.model(),
                    r.modelIsDemo(),
                    r.paperModel(),
                    r.threshold(),
                    r.metrics(),
                    r.averages());
        }
    }

    /** The options of one preset's run: its files, read as the preset says, into {@code OUTPUT/<preset>}. */
    static EvalOptions presetOptions(EvalOptions o, SuiteFiles.Found f, String output) {
        BenchmarkOptions b = new BenchmarkOptions(
                f.files(),
                InputFormat.AUTO,
                f.preset(),
                null,
                null,
                null,
                null,
                o.bench().labelMap(),
                o.bench().languageGroups());
        return new EvalOptions(b, new Path(output, f.preset().cliName()).toString(), o.overwrite(), o.label());
    }

    private static Result suite(SparkSession spark, EvalOptions o, SuiteFiles.Discovery d, String output) {
        List<Run> runs = new ArrayList<>();
        List<Cell> cells = new ArrayList<>();
        for (SuiteFiles.Found f : d.found()) {
            EvalOptions po = presetOptions(o, f, output);
            LOG.info("Suite: preset {} on {}", f.preset().cliName(), f.files());
            EvaluateJob.Result r;
            try {
                r = EvaluateJob.evaluate(spark, po);
            } catch (UsageException e) {
                throw new UsageException(
                        "Cannot run the suite: preset " + f.preset().cliName() + " " + f.files() + ": "
                                + e.getMessage(),
                        e);
            }
            // the report names where the preset's output will be once the guard commits, not the staging folder
            runs.add(new Run(f, new Path(o.output(), f.preset().cliName()).toString(), r));
            r.metrics().stream()
                    .filter(c -> c.level().equals(Metrics.DATASET_LANG))
                    .forEach(cells::add);
        }
        List<Cell> metrics = Metrics.rollUp(cells);
        List<Metrics.Average> averages = Metrics.averages(metrics);
        EvaluateJob.Result first = runs.get(0).result();
        Result r = new Result(
                d,
                runs,
                first.modelName(),
                first.scored().label().model(),
                first.scored().label().modelIsDemo(),
                first.paperModel(),
                o.threshold(),
                metrics,
                averages);
        FileSystem fs = JobSupport.fileSystem(spark, new Path(output));
        SuiteReport report = new SuiteReport(r);
        OutputFiles.write(fs, new Path(output, SUITE_MD), report.markdown());
        OutputFiles.write(fs, new Path(output, SUITE_JSON), report.json());
        OutputFiles.write(fs, new Path(output, SUITE_CSV), report.csv());
        LOG.info(
                "Suite of {} presets: F1 {} over {} rows; report at {}",
                runs.size(),
                r.overall().c().f1(),
                r.overall().c().n(),
                new Path(output, SUITE_MD));
        return r;
    }
}
