package org.crest.io;

import java.util.Locale;

/** Input file formats; {@link #AUTO} decides by file extension. */
public enum InputFormat {
    AUTO,
    JSON,
    CSV,
    PARQUET;

    public static InputFormat parse(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        switch (v) {
            case "auto":
                return AUTO;
            case "json":
            case "jsonl":
            case "ndjson":
                return JSON;
            case "csv":
                return CSV;
            case "parquet":
                return PARQUET;
            default:
                throw new IllegalArgumentException(
                        "Unknown format " + s + ", expected one of auto, jsonl, json, csv, parquet");
        }
    }

    /** Format of one file name by extension (compression suffixes ignored), or null if unknown. */
    public static InputFormat ofFileName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (String z : new String[] {".gz", ".bz2", ".zst", ".snappy", ".lz4", ".deflate"}) {
            if (n.endsWith(z) && !n.endsWith(".parquet" + z)) {
                n = n.substring(0, n.length() - z.length());
                break;
            }
        }
        if (n.endsWith(".jsonl") || n.endsWith(".json") || n.endsWith(".ndjson")) {
            return JSON;
        }
        if (n.endsWith(".csv")) {
            return CSV;
        }
        if (n.endsWith(".parquet") || n.endsWith(".parq") || n.matches(".*\\.parquet\\.[a-z0-9]+$")) {
            return PARQUET;
        }
        return null;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
