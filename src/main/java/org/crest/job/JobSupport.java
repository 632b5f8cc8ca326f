package org.crest.job;

import java.io.IOException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.crest.inference.ModelBundle;

/** Driver-side pieces every model job needs: threads per task, shipping the bundle, file systems. */
final class JobSupport {
  private JobSupport() {}

  /** ONNX Runtime intra-op threads per task: {@code requested} when positive, else spark.task.cpus. */
  static int intraOpThreads(SparkSession spark, int requested) {
    if (requested > 0) {
      return requested;
    }
    try {
      return Math.max(1, Integer.parseInt(spark.conf().get("spark.task.cpus", "1").trim()));
    } catch (NumberFormatException e) {
      return 1;
    }
  }

  /**
   * Local mode reads the bundle where it is (returns null); a cluster gets a copy through SparkFiles,
   * under the returned name.
   */
  static String ship(SparkSession spark, ModelBundle bundle) {
    if (spark.sparkContext().isLocal()) {
      return null;
    }
    spark.sparkContext().addFile(bundle.dir().toUri().toString(), true);
    return bundle.dir().getFileName().toString();
  }

  /**
   * Checks that {@code output} may be written: refuses an existing one unless {@code overwrite}, and
   * with {@code clear} deletes it first (jobs that write several things into it; Spark's own overwrite
   * replaces the folder otherwise). Returns the output's file system.
   */
  static FileSystem claimOutput(SparkSession spark, String output, boolean overwrite, boolean clear) {
    Path out = new Path(output);
    FileSystem fs = fileSystem(spark, out);
    try {
      if (fs.exists(out)) {
        if (!overwrite) {
          throw new UsageException("Cannot write: output " + output + " already exists (pass --mode overwrite "
              + "to replace it)");
        }
        if (clear) {
          fs.delete(out, true);
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("Cannot check output " + output, e);
    }
    return fs;
  }

  /** The bundle on this executor: where the driver had it (local mode), or its SparkFiles copy. */
  static ModelBundle localBundle(ModelBundle bundle, String shippedAs) {
    return shippedAs == null ? bundle
        : bundle.at(java.nio.file.Path.of(org.apache.spark.SparkFiles.get(shippedAs)));
  }

  static FileSystem fileSystem(SparkSession spark, Path p) {
    try {
      return p.getFileSystem(spark.sparkContext().hadoopConfiguration());
    } catch (IOException e) {
      throw new UsageException("Cannot open the file system of " + p + " (" + e.getMessage() + ")", e);
    }
  }
}
