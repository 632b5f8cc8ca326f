package org.crest;

import java.util.Locale;
import java.util.Map;

/**
 * The one normaliser of language codes, so that {@code EN}, {@code en} and {@code en } are one language in label,
 * cluster and evaluate alike. A code is trimmed, split at {@code -} or {@code _} into BCP-47 subtags and written in
 * their usual case (language lower, script title, region upper: {@code ZH_hant} → {@code zh-Hant}, {@code pt-br} →
 * {@code pt-BR}). Tables are looked up by {@link #base}, the language alone, where the CREST paper's {@code fil} is
 * the {@code tl} of its Table 8.
 */
public final class LanguageCodes {
    /** Language subtags written differently by the paper's tables: the key is replaced by the value. */
    static final Map<String, String> ALIASES = Map.of("fil", "tl");

    private LanguageCodes() {}

    /** The normal form of {@code code}; null when it is null or blank. */
    public static String normalise(String code) {
        if (code == null || code.isBlank()) {
            return null;
        }
        String[] tags = code.trim().split("[-_]", -1);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < tags.length; i++) {
            String t = tags[i];
            if (i == 0) {
                t = t.toLowerCase(Locale.ROOT);
            } else if (t.length() == 4 && t.chars().allMatch(Character::isLetter)) {
                t = t.substring(0, 1).toUpperCase(Locale.ROOT) + t.substring(1).toLowerCase(Locale.ROOT);
            } else if (t.length() == 2 && t.chars().allMatch(Character::isLetter)) {
                t = t.toUpperCase(Locale.ROOT);
            } else {
                t = t.toLowerCase(Locale.ROOT);
            }
            out.append(i == 0 ? "" : "-").append(t);
        }
        return out.toString();
    }

    /**
     * The language alone, as tables are looked up by it: the primary subtag of the normal form ({@code pt-BR},
     * {@code zh_Hans}, {@code FIL} → pt, zh, tl); "" for null or blank.
     */
    public static String base(String code) {
        String n = normalise(code);
        if (n == null) {
            return "";
        }
        int dash = n.indexOf('-');
        String b = dash > 0 ? n.substring(0, dash) : n;
        return ALIASES.getOrDefault(b, b);
    }
}
