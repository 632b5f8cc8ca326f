package org.crest.io;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.DataTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Partition columns from {@code key=value/} folders, decided by crest instead of Spark's discovery: only
 * when every listed file lies under the same sequence of keys below its --input folder (a uniformly
 * partitioned layout), as strings, and never replacing a column the data holds (the data's own value is
 * kept and a WARN names the column). Any other layout (a file beside the key=value folders, plain
 * sub-folders, different keys) adds no column; the files are still all read.
 */
public final class Partitions {
    private static final Logger LOG = LoggerFactory.getLogger(Partitions.class);
    private final List<String> keys;
    private final Map<String, Map<String, String>> values; // listed path -> key -> value

    private Partitions(List<String> keys, Map<String, Map<String, String>> values) {
        this.keys = keys;
        this.values = values;
    }

    public List<String> keys() {
        return keys;
    }

    public Map<String, Map<String, String>> values() {
        return values;
    }

    static Partitions of(List<String> inputs, List<String> files) {
        List<String> roots = inputs.stream()
                .map(i -> InputReader.pathKey(i).replaceAll("/+$", ""))
                .toList();
        List<String> keys = null;
        Map<String, Map<String, String>> values = new HashMap<>();
        for (String f : files) {
            String p = InputReader.pathKey(f);
            String root = roots.stream()
                    .filter(r -> p.startsWith(r + "/"))
                    .findFirst()
                    .orElse(null);
            List<String> fileKeys = new ArrayList<>();
            Map<String, String> v = new LinkedHashMap<>();
            if (root != null) {
                String[] segs = p.substring(root.length() + 1).split("/");
                for (int i = 0; i < segs.length - 1; i++) {
                    int eq = segs[i].indexOf('=');
                    if (eq <= 0) {
                        fileKeys = null; // a plain sub-folder: not a partitioned layout
                        break;
                    }
                    String k = segs[i].substring(0, eq);
                    fileKeys.add(k);
                    v.put(k, unescape(segs[i].substring(eq + 1)));
                }
            }
            if (fileKeys == null || (keys != null && !keys.equals(fileKeys))) {
                if (keys != null && !keys.isEmpty() || fileKeys != null && !fileKeys.isEmpty()) {
                    LOG.warn(
                            "The input's key=value folders are not uniform (e.g. {}): no partition columns are added; "
                                    + "every file is still read",
                            f);
                }
                return new Partitions(List.of(), Map.of());
            }
            keys = fileKeys;
            values.put(f, v);
        }
        return keys == null || keys.isEmpty() ? new Partitions(List.of(), Map.of()) : new Partitions(keys, values);
    }

    private static String unescape(String s) {
        try {
            return java.net.URLDecoder.decode(s.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            return s;
        }
    }

    /** Adds the partition columns to rows read by Spark (by input_file_name), skipping those the data holds. */
    Dataset<Row> addTo(Dataset<Row> rows) {
        Dataset<Row> out = rows;
        Map<String, Map<String, String>> byKey = new HashMap<>();
        values.forEach((f, v) -> byKey.put(InputReader.pathKey(f), v));
        for (String k : keys) {
            if (List.of(rows.columns()).stream().anyMatch(c -> c.equalsIgnoreCase(k))) {
                LOG.warn(
                        "The data holds a column '{}': its own values are kept, the folder names {}=... are not used",
                        k,
                        k);
                continue;
            }
            UDF1<String, String> f = file -> {
                Map<String, String> v = byKey.get(file);
                return v == null ? null : v.get(k);
            };
            out = out.withColumn(k, udf(f, DataTypes.StringType).apply(col(Source.FILE_COL)));
        }
        return out;
    }
}
