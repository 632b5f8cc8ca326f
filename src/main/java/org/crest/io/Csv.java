package org.crest.io;

import java.util.ArrayList;
import java.util.List;

/** CSV as the jobs write it (RFC 4180): fields with a comma, quote or line break are quoted, quotes doubled. */
public final class Csv {
    private Csv() {}

    /** One field; null is the empty field. */
    public static String field(Object value) {
        String s = value == null ? "" : value.toString();
        if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
            return '"' + s.replace("\"", "\"\"") + '"';
        }
        return s;
    }

    /** One line, with its line break. */
    public static String line(List<?> fields) {
        List<String> out = new ArrayList<>(fields.size());
        for (Object f : fields) {
            out.add(field(f));
        }
        return String.join(",", out) + "\n";
    }

    /** One line, with its line break. */
    public static String line(Object... fields) {
        return line(java.util.Arrays.asList(fields));
    }
}
