package org.crest.evaluate;

import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.crest.io.InputReader;
import org.crest.io.Source;
import org.crest.langid.Table8;

/** Reads a labeled benchmark (jsonl/json, csv, parquet) into normalised evaluation rows ({@link BenchmarkRows}). */
public final class BenchmarkReader {
    private BenchmarkReader() {}

    /** The rows of the benchmark, not yet checked for unknown labels; with the resolved normaliser. */
    public record Benchmark(Dataset<Row> rows, BenchmarkRows normaliser, Source source) {}

    public static Benchmark read(SparkSession spark, BenchmarkOptions o) {
        Map<String, Integer> clusters = Table8.clusters();
        Map<String, String> groups = Paper.languageGroups(o.languageGroups());
        // the exact reader: per-record parsing (no schema inference, so no key can fail the run) and a per-file ledger
        Source source = InputReader.readExact(spark, o.inputs(), o.format(), BenchmarkRows.stringColumns(o));
        Dataset<Row> in = source.rows();
        BenchmarkRows normaliser = BenchmarkRows.resolve(source, in.schema(), o, clusters, groups);
        Dataset<Row> rows = in.flatMap(normaliser, Encoders.row(normaliser.schema()));
        return new Benchmark(rows, normaliser, source);
    }
}
