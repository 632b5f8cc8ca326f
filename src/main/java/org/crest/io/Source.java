package org.crest.io;

import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Input as read, before validation: the input's columns (text and messages columns as strings where
 * the format allows) plus {@link #RAW_COL}, the original record where the format keeps one (JSON
 * Lines: the line; CSV: the malformed line, else null; Parquet: null), {@link #ISSUE_COL}, a reason
 * code when the record's bytes are bad (invalid UTF-8, NUL), else null, and {@link #FILE_COL}, the
 * file the record came from (its path as listed).
 *
 * <p>The internal names start with a control character, so no input column can take or forge them: a
 * user column named {@code _crest_issue} or {@code _crest_raw} is an ordinary column.
 *
 * @param files the data files read (corrupt ones skipped on request are not among them)
 * @param check empty, ignored and skipped files
 * @param ledger records per file as counted from the files themselves ({@link Ledger}), in listing
 *     order; empty when not counted
 */
public record Source(
        Dataset<Row> rows, InputFormat format, List<String> files, InputCheck check, Map<String, Long> ledger) {
    public static final String RAW_COL = "\u0001crest_raw";
    public static final String ISSUE_COL = "\u0001crest_issue";
    public static final String FILE_COL = "\u0001crest_file";

    public Source(Dataset<Row> rows, InputFormat format, List<String> files, InputCheck check) {
        this(rows, format, files, check, Map.of());
    }

    public Source(Dataset<Row> rows, InputFormat format, List<String> files) {
        this(rows, format, files, InputCheck.NONE, Map.of());
    }

    /** True for the columns the reader adds, which are not input columns. */
    public static boolean isInternal(String column) {
        return column.equals(RAW_COL) || column.equals(ISSUE_COL) || column.equals(FILE_COL);
    }
}
