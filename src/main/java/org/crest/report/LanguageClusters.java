package org.crest.report;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The CREST paper's Table 8 (bundled as {@code crest/paper/clusters.csv}): ISO 639-1 code → language cluster 1-8.
 * Language values are matched by their base code: lower case, without region or script ({@code pt-BR},
 * {@code zh_Hant} → pt, zh); {@code nb}/{@code nn} count as Table 8's {@code no}, {@code fil} as {@code tl}.
 */
public final class LanguageClusters {
    static final String RESOURCE = "crest/paper/clusters.csv";
    /** Cluster key of rows whose language is null (the detector was unsure). */
    public static final String UNDETERMINED = "und";
    /** Cluster key of languages that Table 8 does not list. */
    public static final String NOT_IN_TABLE = "not in Table 8";

    private LanguageClusters() {}

    /** Base code → "cluster N", including the aliases. */
    public static Map<String, String> byCode() {
        Map<String, String> m = new LinkedHashMap<>();
        try (InputStream in = LanguageClusters.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(
                        "Cannot read the language clusters: " + RESOURCE + " is missing from the jar");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            r.readLine(); // cluster,language,iso639_1,role
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                String[] f = line.split(",", -1);
                if (f.length >= 3 && !f[2].isBlank()) {
                    m.put(f[2].trim().toLowerCase(Locale.ROOT), "cluster " + Integer.parseInt(f[0].trim()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + RESOURCE, e);
        }
        alias(m, "nb", "no");
        alias(m, "nn", "no");
        alias(m, "fil", "tl");
        return Collections.unmodifiableMap(m);
    }

    private static void alias(Map<String, String> m, String code, String as) {
        if (m.containsKey(as)) {
            m.putIfAbsent(code, m.get(as));
        }
    }
}
