package org.crest.io;

import java.io.EOFException;
import java.io.FileNotFoundException;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.spark.SparkThrowable;

/**
 * Turns Spark's failure to read an input file (FAILED_READ_FILE.*, CANNOT_READ_FILE_FOOTER, thrown
 * from a task and wrapped several times) into a {@link BadInputException} that names the file and
 * says what is wrong with it in one line.
 */
public final class ReadFailures {
    private ReadFailures() {}

    /** Runs {@code job}; a failure to read an input file comes out as a {@link BadInputException}. */
    public static <T> T translating(Supplier<T> job) {
        try {
            return job.get();
        } catch (Exception e) { // Spark throws SparkException, a checked exception, from Scala without declaring it
            BadInputException bad = translate(e);
            if (bad != null) {
                throw bad;
            }
            throw ReadFailures.<RuntimeException>rethrow(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static <E extends Exception> E rethrow(Exception e) throws E {
        throw (E) e;
    }

    /** The refusal that {@code e} amounts to, or null when it is not a failure to read an input file. */
    public static BadInputException translate(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof BadInputException b) {
                return b;
            }
            if (!(t instanceof SparkThrowable st) || st.getCondition() == null) {
                continue;
            }
            String cond = st.getCondition();
            Map<String, String> params = st.getMessageParameters();
            String path = params == null ? null : params.get("path");
            if (path == null || !(cond.startsWith("FAILED_READ_FILE") || cond.startsWith("CANNOT_READ_FILE_FOOTER"))) {
                continue;
            }
            String reason;
            String problem;
            Throwable root = rootCause(t);
            if (cond.endsWith("FILE_NOT_EXIST") || root instanceof FileNotFoundException) {
                reason = "file_disappeared";
                problem =
                        "it was listed but is gone now (deleted or replaced while the job ran); run again on a stable input";
            } else if (cond.endsWith("PARQUET_COLUMN_DATA_TYPE_MISMATCH")) {
                reason = "incompatible_parquet_types";
                problem = "column " + params.get("column") + " is " + params.get("actualType") + " in this file but "
                        + params.get("expectedType") + " in the schema taken from the other files";
            } else if (cond.contains("FOOTER")) {
                reason = FileCheck.CORRUPT_PARQUET_FOOTER;
                problem = "corrupt Parquet footer: " + describe(t.getCause() == null ? t : t.getCause());
            } else if (root.getMessage() != null && root.getMessage().startsWith("CSV header does not conform")) {
                reason = "csv_header_mismatch";
                problem = "its CSV header differs from the first file's ("
                        + root.getMessage().replaceAll("\\s*CSV file: .*", "").replaceAll("\\s*\\n\\s*", "; ") + ")";
            } else if (root instanceof EOFException
                    || root instanceof java.util.zip.ZipException
                    || String.valueOf(root.getMessage()).contains("gzip")) {
                reason = FileCheck.CORRUPT_COMPRESSED;
                problem = "truncated or corrupt compressed data: " + describe(t);
            } else {
                reason = FileCheck.UNREADABLE;
                problem = describe(t.getCause() == null ? t : t.getCause());
            }
            boolean skippable = !reason.equals("file_disappeared")
                    && !reason.equals("incompatible_parquet_types")
                    && !reason.equals("csv_header_mismatch");
            return new BadInputException(
                    path,
                    reason,
                    "Cannot read " + path + ": " + problem
                            + (skippable
                                    ? "; fix or remove the file, or pass --skip-corrupt-files to label the rest"
                                    : ""),
                    e);
        }
        return null;
    }

    /**
     * What went wrong, in one line: the message of the first I/O exception in the chain (the most
     * specific one a reader raised), else the innermost exception's class and message.
     */
    static String describe(Throwable e) {
        Throwable pick = null;
        for (Throwable t = e; t != null && pick == null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.io.IOException
                    && t.getMessage() != null
                    && !t.getMessage().isBlank()) {
                pick = t;
            }
        }
        boolean io = pick != null;
        if (pick == null) {
            pick = rootCause(e);
        }
        String m = pick.getMessage();
        if (m == null || m.isBlank()) {
            return pick.getClass().getSimpleName();
        }
        String first = m.strip().lines().findFirst().orElse("");
        return io && !(pick instanceof FileNotFoundException)
                ? first
                : pick.getClass().getSimpleName() + ": " + first;
    }

    private static Throwable rootCause(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c;
    }
}
