package org.crest.io;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Input as read, before validation: the input's columns (text and messages columns as strings where
 * the format allows) plus {@link #RAW_COL}, the original record where the format keeps one (JSON
 * Lines: the line; CSV: the malformed line, else null; Parquet: null).
 */
public record Source(Dataset<Row> rows, InputFormat format, List<String> files) {
  public static final String RAW_COL = "_crest_raw";
}
