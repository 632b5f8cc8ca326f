package org.crest.evaluate;

import java.io.Serializable;
import java.math.BigDecimal;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.crest.UsageException;
import org.crest.io.Text;

/**
 * Turns a benchmark's label values into {@code safe} / {@code unsafe}. Values are compared after trimming,
 * case-insensitively; integral numbers by their integer value (so 1, 1.0 and "1" are the same). The user's
 * {@code --label-map} is looked up first, then the usual encodings: 0/false/safe/benign = safe and
 * 1/true/unsafe/harmful = unsafe. Anything else is unknown ({@link #normalise} returns null).
 */
public final class LabelMapping implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String SAFE = "safe";
    public static final String UNSAFE = "unsafe";

    private static final Map<String, String> DEFAULTS = Map.of(
            "0", SAFE, "false", SAFE, "safe", SAFE, "benign", SAFE, "1", UNSAFE, "true", UNSAFE, "unsafe", UNSAFE,
            "harmful", UNSAFE);

    private final Map<String, String> custom;

    private LabelMapping(Map<String, String> custom) {
        this.custom = custom;
    }

    /** The usual encodings only. */
    public static LabelMapping defaults() {
        return new LabelMapping(Map.of());
    }

    /** The usual encodings, overridden by {@code userMap} (VALUE → safe|unsafe, from --label-map). */
    public static LabelMapping of(Map<String, String> userMap) {
        Map<String, String> m = new LinkedHashMap<>();
        if (userMap != null) {
            for (Map.Entry<String, String> e : userMap.entrySet()) {
                String to = e.getValue() == null ? "" : e.getValue().trim().toLowerCase(Locale.ROOT);
                if (!to.equals(SAFE) && !to.equals(UNSAFE)) {
                    throw new UsageException("Cannot use --label-map: a value maps to safe or unsafe, not '"
                            + e.getValue() + "' (" + e.getKey() + "=" + e.getValue() + ")");
                }
                m.put(key(e.getKey()), to);
            }
        }
        return new LabelMapping(Collections.unmodifiableMap(m));
    }

    /** safe, unsafe, or null when the value is null or unknown. */
    public String normalise(Object raw) {
        if (raw == null) {
            return null;
        }
        String k = key(raw);
        String v = custom.get(k);
        return v != null ? v : DEFAULTS.get(k);
    }

    /** The comparison key of a label value: trimmed, lower case, integral numbers as integers. */
    static String key(Object raw) {
        if (raw instanceof Boolean) {
            return raw.toString();
        }
        String s = strip(raw.toString()).toLowerCase(Locale.ROOT);
        if (raw instanceof Number || s.matches("[+-]?\\d+(\\.\\d+)?")) {
            try {
                BigDecimal d = new BigDecimal(s).stripTrailingZeros();
                if (d.scale() <= 0) {
                    return d.toBigInteger().toString();
                }
            } catch (NumberFormatException e) {
                return s;
            }
        }
        return s;
    }

    /**
     * {@code s} without leading and trailing blank characters as {@link Text#isBlank} counts them (so an NBSP or a
     * zero-width space a spreadsheet left around {@code unsafe} does not make it an unknown value).
     */
    static String strip(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && Text.isBlank(s.substring(from, from + Character.charCount(s.codePointAt(from))))) {
            from += Character.charCount(s.codePointAt(from));
        }
        while (to > from && Text.isBlank(s.substring(Character.offsetByCodePoints(s, to, -1), to))) {
            to = Character.offsetByCodePoints(s, to, -1);
        }
        return s.substring(from, to);
    }

    public Map<String, String> custom() {
        return custom;
    }
}
