package org.crest.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The XLM-R paper's CC-100 sizes (see {@code crest/language/README.md}); the CREST paper's Table 8 is
 * {@link org.crest.langid.Table8}. Language values of a corpus are matched to them by
 * {@link org.crest.LanguageCodes#base}: without script or region ({@code zh-Hant}, {@code sr_Latn} → {@code zh}, {@code sr}).
 */
public final class LanguageTables {
    public static final String CC100_SIZES = "crest/language/cc100_sizes.csv";

    private LanguageTables() {}

    /** CC-100 size in GiB by code, rows of one code summed; romanized rows (code "-") left out. */
    public static Map<String, Double> cc100Gib() {
        Map<String, Double> out = new TreeMap<>();
        for (String[] r : rows(CC100_SIZES)) {
            if (!r[0].equals("-")) {
                out.merge(r[0], Double.parseDouble(r[3]), Double::sum);
            }
        }
        return Collections.unmodifiableMap(out);
    }

    private static List<String[]> rows(String resource) {
        try (InputStream in = LanguageTables.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("Cannot read language table: " + resource + " is missing from the jar");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            List<String[]> out = new ArrayList<>();
            boolean header = true;
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                if (header) {
                    header = false;
                    continue;
                }
                out.add(line.split(",", -1));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read language table " + resource, e);
        }
    }
}
