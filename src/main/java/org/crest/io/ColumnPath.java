package org.crest.io;

import java.util.ArrayList;
import java.util.List;

/**
 * A column option's name as a path into nested data: {@code a.b} is field {@code b} of the JSON object (or Parquet
 * struct) in column {@code a}; a backquoted part is literal ({@code `a.b`} is the column named "a.b", {@code `a.b`.c}
 * field c inside it; a backquote inside backquotes is doubled). A top-level column whose name is exactly the option's
 * text always wins, so an input with a key "a.b" is read as before.
 */
public final class ColumnPath {
    private ColumnPath() {}

    /** The parts of {@code name}, or null when it is not a well-formed path (an empty part, an unclosed backquote). */
    public static List<String> parse(String name) {
        if (name == null || name.isEmpty()) {
            return null;
        }
        List<String> parts = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        boolean wasQuoted = false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (quoted) {
                if (c == '`') {
                    if (i + 1 < name.length() && name.charAt(i + 1) == '`') {
                        cur.append('`');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    cur.append(c);
                }
            } else if (c == '`' && cur.length() == 0 && !wasQuoted) {
                quoted = true;
                wasQuoted = true;
            } else if (c == '.') {
                if (cur.length() == 0 && !wasQuoted) {
                    return null;
                }
                parts.add(cur.toString());
                cur.setLength(0);
                wasQuoted = false;
            } else if (wasQuoted) {
                return null; // text right after a closing backquote
            } else {
                cur.append(c);
            }
        }
        if (quoted || cur.length() == 0 && !wasQuoted) {
            return null;
        }
        parts.add(cur.toString());
        return parts;
    }

    /** True when {@code name} is a path to resolve: more than one part, or a backquoted name. */
    public static boolean isPath(String name) {
        List<String> p = parse(name);
        return p != null && !(p.size() == 1 && p.get(0).equals(name));
    }

    /** The path as a Spark column expression: every part backquoted. */
    static String sparkPath(List<String> parts) {
        StringBuilder s = new StringBuilder();
        for (String p : parts) {
            s.append(s.length() == 0 ? "" : ".")
                    .append('`')
                    .append(p.replace("`", "``"))
                    .append('`');
        }
        return s.toString();
    }
}
