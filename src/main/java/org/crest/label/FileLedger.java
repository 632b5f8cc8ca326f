package org.crest.label;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.crest.Columns;
import org.crest.io.InputReader;
import org.crest.io.Source;
import org.crest.io.Units;

/**
 * Reconciles, per input file, the records the ledger counted from the file's bytes ({@link Source#ledger})
 * with what the labeling read made of them: flat rows must each be labeled or quarantined exactly once;
 * for chats every conversation must be seen once (its messages labeled, quarantined or not selected, or
 * the conversation counted as no_selected_message).
 */
final class FileLedger {
    /** One file's line in the summary (or in _crest_files.parquet). */
    public record FileCount(
            @JsonProperty("file") String file,
            @JsonProperty("records") long records,
            @JsonProperty("records_read") long recordsRead,
            @JsonProperty("labeled") long labeled,
            @JsonProperty("quarantined") long quarantined,
            @JsonProperty("not_selected") long notSelected)
            implements java.io.Serializable {}

    private final List<FileCount> files;
    private final Map<String, Long> notSelected;
    private final List<String> unlisted;
    private final boolean messages;

    private FileLedger(List<FileCount> files, Map<String, Long> notSelected, List<String> unlisted, boolean messages) {
        this.files = files;
        this.notSelected = notSelected;
        this.unlisted = unlisted;
        this.messages = messages;
    }

    static FileLedger count(SparkSession spark, Source source, Dataset<Row> units, boolean messages) {
        Map<String, long[]> seen = new HashMap<>();
        for (Row r : units.groupBy(col(Source.FILE_COL))
                .agg(
                        sum(when(col(Units.FIRST_COL), 1L).otherwise(0L)),
                        sum(when(
                                        col(Columns.ERROR_COL)
                                                .isNull()
                                                .and(col(Units.SKIP_COL).isNull()),
                                        1L)
                                .otherwise(0L)),
                        sum(when(col(Columns.ERROR_COL).isNotNull(), 1L).otherwise(0L)),
                        sum(when(col(Units.SKIP_COL).equalTo(lit(Units.NO_SELECTED_MESSAGE)), 1L)
                                .otherwise(0L)))
                .collectAsList()) {
            seen.put(
                    r.isNullAt(0) ? null : r.getString(0),
                    new long[] {r.getLong(1), r.getLong(2), r.getLong(3), r.getLong(4)});
        }
        Map<String, Long> notSelected = new TreeMap<>();
        for (Row r : units.where(col(Units.SKIP_COL).isNotNull())
                .groupBy(col(Units.SKIP_COL))
                .count()
                .collectAsList()) {
            notSelected.put(r.getString(0), r.getLong(1));
        }
        List<FileCount> files = new ArrayList<>();
        for (Map.Entry<String, Long> e : source.ledger().entrySet()) {
            long[] s = seen.remove(InputReader.pathKey(e.getKey()));
            if (s == null) {
                s = new long[4];
            }
            files.add(new FileCount(e.getKey(), e.getValue(), s[0], s[1], s[2], s[3]));
        }
        List<String> unlisted = new ArrayList<>();
        seen.forEach((f, s) -> {
            if (s[0] > 0) {
                unlisted.add(f);
            }
        });
        return new FileLedger(files, notSelected, unlisted, messages);
    }

    List<FileCount> files() {
        return files;
    }

    Map<String, Long> notSelected() {
        return notSelected;
    }

    long recordsIn() {
        return files.stream().mapToLong(FileCount::records).sum();
    }

    long unitsOut() {
        return files.stream().mapToLong(f -> f.labeled() + f.quarantined()).sum();
    }

    /** What does not add up, or null: per file, and the totals against the written output. */
    String problem(long labeledWritten, long quarantinedWritten) {
        if (!unlisted.isEmpty()) {
            return "records came from file(s) crest did not list, e.g. " + unlisted.get(0);
        }
        for (FileCount f : files) {
            long out = messages ? f.recordsRead() : f.labeled() + f.quarantined();
            if (f.records() >= 0 && (out != f.records() || f.recordsRead() != f.records())) {
                return "file " + f.file() + " holds " + f.records() + " record(s) (counted from the file) but "
                        + f.recordsRead() + " were read, " + f.labeled() + " labeled + " + f.quarantined()
                        + " quarantined"
                        + (messages ? " message(s), " + f.notSelected() + " conversation(s) with nothing selected" : "")
                        + (f.recordsRead() != f.records()
                                ? "; did it change while crest read it (a writer still appending, a copy in flight)? "
                                        + "Label it once it is complete"
                                : "");
            }
        }
        long labeled = files.stream().mapToLong(FileCount::labeled).sum();
        long quarantined = files.stream().mapToLong(FileCount::quarantined).sum();
        if (labeled != labeledWritten || quarantined != quarantinedWritten) {
            return labeled + " unit(s) to label and " + quarantined + " to quarantine, but the output holds "
                    + labeledWritten + " labeled and " + quarantinedWritten + " quarantined";
        }
        return null;
    }

    /** Writes the per-file lines as one small Parquet file. */
    void write(SparkSession spark, String path) {
        org.apache.spark.sql.types.StructType schema = new org.apache.spark.sql.types.StructType()
                .add("file", "string")
                .add("records", "long")
                .add("records_read", "long")
                .add("labeled", "long")
                .add("quarantined", "long")
                .add("not_selected", "long");
        List<Row> rows = new ArrayList<>();
        for (FileCount f : files) {
            rows.add(org.apache.spark.sql.RowFactory.create(
                    f.file(), f.records(), f.recordsRead(), f.labeled(), f.quarantined(), f.notSelected()));
        }
        spark.createDataFrame(rows, schema)
                .coalesce(1)
                .write()
                .mode(SaveMode.Overwrite)
                .parquet(path);
    }
}
