package org.crest.langid;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.crest.LanguageCodes;

/**
 * The CREST paper's Table 8 (Appendix A): 92 languages in 8 clusters, with the role of each in its §4 ({@code train}:
 * one of the 13 in-domain training languages; {@code ood_low}: one of the 11 low-resource evaluation languages).
 * Bundled once as {@value #RESOURCE} (see NOTE.md there) and read here only, by crest cluster and crest evaluate.
 * Languages are keyed by {@link LanguageCodes#base}.
 */
public final class Table8 {
    public static final String RESOURCE = "crest/paper/clusters.csv";

    /** One row: the paper's cluster (1-8), language name, ISO 639-1 code and role (empty when none). */
    public record Language(int cluster, String name, String code, String role) {}

    private static volatile Map<String, Language> rows;

    private Table8() {}

    /** The table by language key, in the paper's order. */
    public static Map<String, Language> byCode() {
        Map<String, Language> r = rows;
        if (r == null) {
            rows = r = read();
        }
        return r;
    }

    /** Language key → the paper's cluster. */
    public static Map<String, Integer> clusters() {
        Map<String, Integer> m = new LinkedHashMap<>();
        byCode().forEach((k, v) -> m.put(k, v.cluster()));
        return Collections.unmodifiableMap(m);
    }

    private static Map<String, Language> read() {
        try (InputStream in = Table8.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("Cannot read Table 8: " + RESOURCE + " is missing from the jar");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            Map<String, Language> out = new LinkedHashMap<>();
            boolean header = true;
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                if (header) {
                    header = false;
                    continue;
                }
                String[] f = line.replace("\uFEFF", "").split(",", -1);
                String code = LanguageCodes.base(f[2]);
                out.put(
                        code,
                        new Language(
                                Integer.parseInt(f[0].trim()), f[1].trim(), code, f.length > 3 ? f[3].trim() : ""));
            }
            return Collections.unmodifiableMap(out);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read Table 8 " + RESOURCE, e);
        }
    }
}
