package org.crest.io;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.trim;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.crest.job.UsageException;

/** Reads jsonl/json, csv or parquet from local paths, s3a:// or hdfs:// into a {@link Source}. */
public final class InputReader {
  private InputReader() {}

  /**
   * @param stringCols columns that must be read as strings whatever the file says (the text or
   *     messages column), so their raw JSON type can be checked per row
   */
  public static Source read(SparkSession spark, List<String> inputs, InputFormat requested, List<String> stringCols) {
    List<String> files = listFiles(spark, inputs);
    InputFormat format = requested == InputFormat.AUTO ? detect(inputs, files) : requested;
    String[] paths = inputs.toArray(new String[0]);
    Dataset<Row> rows;
    switch (format) {
      case JSON:
        rows = readJson(spark, paths, stringCols);
        break;
      case CSV:
        rows = readCsv(spark, paths);
        break;
      case PARQUET:
        rows = spark.read().parquet(paths).withColumn(Source.RAW_COL, lit(null).cast(DataTypes.StringType));
        break;
      default:
        throw new IllegalStateException("unreachable: " + format);
    }
    return new Source(rows, format, files);
  }

  private static Dataset<Row> readJson(SparkSession spark, String[] paths, List<String> stringCols) {
    Dataset<Row> lines = spark.read().text(paths)
        .withColumn("value", regexp_replace(col("value"), "^\uFEFF", ""))
        // blank lines are not records in JSON Lines; Spark's JSON reader skips them too
        .where(length(trim(col("value"))).gt(0));
    StructType inferred = spark.read().json(lines.select("value").as(Encoders.STRING())).schema();
    List<String> partitionCols = new ArrayList<>(Arrays.asList(lines.columns()));
    partitionCols.remove("value");
    List<StructField> fields = new ArrayList<>();
    for (StructField f : inferred.fields()) {
      if (f.name().equals("_corrupt_record") || partitionCols.contains(f.name())) {
        continue;
      }
      fields.add(stringCols.contains(f.name()) ? DataTypes.createStructField(f.name(), DataTypes.StringType, true) : f);
    }
    StructType schema = DataTypes.createStructType(fields);
    List<Column> select = new ArrayList<>();
    select.add(from_json(col("value"), schema, Map.of("mode", "PERMISSIVE")).as("_crest_parsed"));
    select.add(col("value").as(Source.RAW_COL));
    for (String p : partitionCols) {
      select.add(col(p));
    }
    Dataset<Row> parsed = lines.select(select.toArray(new Column[0]));
    List<Column> flat = new ArrayList<>();
    for (StructField f : fields) {
      flat.add(col("_crest_parsed").getField(f.name()).as(f.name()));
    }
    for (String p : partitionCols) {
      flat.add(col(p));
    }
    flat.add(col(Source.RAW_COL));
    return parsed.select(flat.toArray(new Column[0]));
  }

  private static Dataset<Row> readCsv(SparkSession spark, String[] paths) {
    Map<String, String> opts = new TreeMap<>();
    opts.put("header", "true");
    opts.put("multiLine", "true"); // chat text has newlines inside quoted fields
    opts.put("escape", "\""); // RFC 4180: a quote inside a quoted field is doubled
    opts.put("mode", "PERMISSIVE");
    StructType header = spark.read().options(opts).csv(paths).schema();
    StructType schema = header.add(Source.RAW_COL, DataTypes.StringType, true);
    opts.put("columnNameOfCorruptRecord", Source.RAW_COL);
    return spark.read().options(opts).schema(schema).csv(paths);
  }

  /** Data files under the inputs, skipping hidden and _-prefixed names as Spark does. */
  static List<String> listFiles(SparkSession spark, List<String> inputs) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    List<String> out = new ArrayList<>();
    for (String in : inputs) {
      Path p = new Path(in);
      try {
        FileSystem fs = p.getFileSystem(conf);
        FileStatus st;
        try {
          st = fs.getFileStatus(p);
        } catch (java.io.FileNotFoundException e) {
          throw new UsageException("Cannot read input: " + in + " does not exist");
        }
        if (st.isFile()) {
          out.add(st.getPath().toString());
          continue;
        }
        RemoteIterator<LocatedFileStatus> it = fs.listFiles(p, true);
        String root = st.getPath().toUri().getPath();
        while (it.hasNext()) {
          LocatedFileStatus f = it.next();
          String rel = f.getPath().toUri().getPath().substring(root.length());
          if (Arrays.stream(rel.split("/")).noneMatch(s -> s.startsWith(".") || s.startsWith("_"))) {
            out.add(f.getPath().toString());
          }
        }
      } catch (IOException e) {
        throw new UsageException("Cannot read input: cannot list " + in + " (" + e.getMessage() + ")", e);
      }
    }
    if (out.isEmpty()) {
      throw new UsageException("Cannot read input: no data files in " + inputs
          + " (hidden and _-prefixed files are ignored)");
    }
    return out;
  }

  static InputFormat detect(List<String> inputs, List<String> files) {
    Map<InputFormat, Integer> seen = new TreeMap<>();
    List<String> unknown = new ArrayList<>();
    for (String f : files) {
      InputFormat fmt = InputFormat.ofFileName(f.substring(f.lastIndexOf('/') + 1));
      if (fmt == null) {
        unknown.add(f);
      } else {
        seen.merge(fmt, 1, Integer::sum);
      }
    }
    if (!unknown.isEmpty()) {
      throw new UsageException("Cannot tell the input format of " + unknown.get(0)
          + (unknown.size() > 1 ? " and " + (unknown.size() - 1) + " other file(s)" : "")
          + " from its extension (.jsonl, .json, .csv, .parquet, optionally .gz); pass --format");
    }
    if (seen.size() > 1) {
      throw new UsageException("Cannot read input " + inputs + ": it mixes formats " + seen
          + "; pass one format per run (--input for each folder) or --format");
    }
    return seen.keySet().iterator().next();
  }
}
