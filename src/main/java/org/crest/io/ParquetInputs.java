package org.crest.io;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.Type;

/**
 * Parquet inputs Spark's reader cannot take, named before or after it fails: a file given by a name Spark hides, and
 * files whose columns have types Spark's schema merge refuses (it says which types, never which column or file).
 */
final class ParquetInputs {
    /** File-level reason: Parquet files whose names start with _ or . (Spark reads them as metadata, not data). */
    static final String HIDDEN_NAME = "hidden_name";
    /** File-level reason: a column (other than the text column) of different types in different files. */
    static final String INCOMPATIBLE_TYPES = "incompatible_parquet_types";

    private ParquetInputs() {}

    /**
     * Refuses a Parquet file given by a name that starts with {@code _} or {@code .}: listing a folder leaves such
     * files out (and counts them), but one named on the command line reached Spark, which skips it without a word
     * and then failed with "Unable to infer schema" (or read the other files and lost its rows).
     */
    static void refuseHiddenNames(List<String> files) {
        for (String f : files) {
            String name = f.substring(f.lastIndexOf('/') + 1);
            if (name.startsWith("_") && !name.contains("=") || name.startsWith(".")) { // Spark's own rule
                throw new BadInputException(
                        f,
                        HIDDEN_NAME,
                        "Cannot read input: " + f + ": Spark never reads a Parquet file whose name starts with '"
                                + name.charAt(0) + "' (it takes it for metadata, like _SUCCESS or .crc); "
                                + "copy or rename it to a name without that prefix",
                        null);
            }
        }
    }

    /**
     * For a failed Parquet schema merge: the refusal naming a column whose type differs between files, with a file of
     * each type, read from the footers; null when the footers show no such column (the failure is something else).
     */
    static BadInputException mergeFailure(Configuration conf, List<String> files, Throwable cause) {
        boolean merge = false;
        for (Throwable t = cause; t != null && !merge; t = t.getCause()) {
            merge = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT).contains("merge");
        }
        if (!merge) {
            return null;
        }
        Map<String, Map<String, String>> firstFileOfType = new LinkedHashMap<>();
        for (String f : files) {
            try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromPath(new Path(f), conf))) {
                for (Type t : r.getFooter().getFileMetaData().getSchema().getFields()) {
                    firstFileOfType
                            .computeIfAbsent(t.getName().toLowerCase(Locale.ROOT), k -> new LinkedHashMap<>())
                            .putIfAbsent(describe(t), f);
                }
            } catch (IOException | RuntimeException e) {
                // the check read this footer already; a file that cannot be read now fails on its own
            }
        }
        for (Map.Entry<String, Map<String, String>> c : firstFileOfType.entrySet()) {
            if (c.getValue().size() > 1) {
                String which = c.getValue().entrySet().stream()
                        .map(e -> "'" + e.getKey() + "' in " + e.getValue())
                        .collect(Collectors.joining(", "));
                return new BadInputException(
                        c.getValue().values().iterator().next(),
                        INCOMPATIBLE_TYPES,
                        "Cannot read input: column '" + c.getKey() + "' has incompatible Parquet types across files: "
                                + which + " (" + firstLine(cause) + "); rewrite the odd files with one type",
                        cause);
            }
        }
        return null;
    }

    /** A column's Parquet type as Spark's merge sees it: physical type, logical annotation, nested fields. */
    static String describe(Type t) {
        String logical = t.getLogicalTypeAnnotation() == null
                ? ""
                : " (" + t.getLogicalTypeAnnotation().toString().replace("STRING", "UTF8") + ")";
        String repeated = t.isRepetition(Type.Repetition.REPEATED) ? "repeated " : "";
        if (t.isPrimitive()) {
            return repeated + t.asPrimitiveType().getPrimitiveTypeName().name().toLowerCase(Locale.ROOT) + logical;
        }
        return repeated + "group" + logical
                + t.asGroupType().getFields().stream()
                        .map(c -> c.getName() + ": " + describe(c))
                        .collect(Collectors.joining(", ", " {", "}"));
    }

    /** The first sentence of the deepest message in the chain that speaks of the merge (Spark names the types). */
    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT).contains("merge")) {
                m = t.getMessage();
            }
        }
        m = m.lines().findFirst().orElse("");
        int dot = m.indexOf(". ");
        return dot > 0 ? m.substring(0, dot) : m;
    }
}
