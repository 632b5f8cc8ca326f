package org.crest.io;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Input as read, before validation: the input's columns (text and messages columns as strings where
 * the format allows) plus {@link #RAW_COL}, the original record where the format keeps one (JSON
 * Lines: the line; CSV: the malformed line, else null; Parquet: null), and {@link #ISSUE_COL}, a
 * reason code when the record's bytes are bad (invalid UTF-8, NUL), else null.
 *
 * @param files the data files read (corrupt ones skipped on request are not among them)
 * @param check empty, ignored and skipped files
 */
public record Source(Dataset<Row> rows, InputFormat format, List<String> files, InputCheck check) {
  public static final String RAW_COL = "_crest_raw";
  public static final String ISSUE_COL = "_crest_issue";

  public Source(Dataset<Row> rows, InputFormat format, List<String> files) {
    this(rows, format, files, InputCheck.NONE);
  }

  /** True for the columns the reader adds, which are not input columns. */
  public static boolean isInternal(String column) {
    return column.equals(RAW_COL) || column.equals(ISSUE_COL);
  }
}
