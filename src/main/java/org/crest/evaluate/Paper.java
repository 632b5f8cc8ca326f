package org.crest.evaluate;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.crest.LanguageCodes;
import org.crest.UsageException;

/**
 * The CREST paper's tables, bundled under {@code crest/paper/} (see NOTE.md there): the language clusters of
 * Table 8, the in-domain / out-of-domain language groups of Section 4, and the published F1 figures of
 * Tables 2, 4 and 6. Read on the driver.
 */
public final class Paper {
    public static final String RESOURCES = "crest/paper/";
    public static final String IN_DOMAIN = "in_domain";
    public static final String OOD_LOW = "ood_low";
    public static final String OUT_OF_DOMAIN = "out_of_domain";
    /** The paper's order of Table 6's language columns. */
    public static final List<String> TABLE6_LANGS =
            List.of("en", "gl", "is", "af", "sl", "si", "mr", "ps", "jv", "ha", "ka", "th");
    /** Table 2's columns, as dataset ids of the presets. */
    public static final List<String> TABLE2_DATASETS =
            List.of("aegis_cs2", "harmbench", "strongreject", "redteam2k", "jbb_behav", "jbb_judge", "csrt");

    private Paper() {}

    /** Language key → group; from {@code file} (CSV with columns lang,group) or the bundled default. */
    public static Map<String, String> languageGroups(String file) {
        List<String[]> rows;
        if (file == null) {
            rows = csv(resource("language-groups.csv"), "language-groups.csv");
        } else {
            try (InputStream in = Files.newInputStream(Path.of(file))) {
                rows = csvWithHeader(in, file);
            } catch (IOException e) {
                throw new UsageException("Cannot read --language-groups: " + e.getMessage() + " (" + file + ")", e);
            }
            // the header line is optional: a first line that is data (en,in_domain) is not dropped as a header
            if (!rows.isEmpty()
                    && List.of("lang", "language")
                            .contains(rows.get(0)[0].trim().toLowerCase(Locale.ROOT))) {
                rows = rows.subList(1, rows.size());
            }
            if (rows.isEmpty()) {
                throw new UsageException("Cannot read --language-groups: " + file + " holds no lang,group line (e.g. "
                        + "en,in_domain); without one every language would silently be out_of_domain");
            }
        }
        Map<String, String> m = new LinkedHashMap<>();
        for (String[] r : rows) {
            if (r.length < 2 || r[0].isBlank() || r[1].isBlank()) {
                throw new UsageException(
                        "Cannot read --language-groups: each line needs lang,group (" + String.join(",", r) + ")");
            }
            String lang = LanguageCodes.base(r[0]);
            String before = m.put(lang, r[1].trim());
            if (before != null && !before.equals(r[1].trim())) {
                throw new UsageException("Cannot read --language-groups: language " + lang + " is in two groups, "
                        + before + " and " + r[1].trim() + " (" + file + "); keep one line for it");
            }
        }
        return Collections.unmodifiableMap(m);
    }

    /** CREST-BASE or CREST-LARGE when a model name ({@code _name_or_path}) is one of them, else null. */
    public static String paperModel(String name) {
        if (name == null) {
            return null;
        }
        String n = name.toLowerCase(Locale.ROOT);
        n = n.substring(n.lastIndexOf('/') + 1);
        if (n.startsWith("crest-base")) {
            return "CREST-BASE";
        }
        if (n.startsWith("crest-large")) {
            return "CREST-LARGE";
        }
        return null;
    }

    /** Table 2: dataset id → F1 (%) of {@code model} (a row of results-english-f1.csv); empty cells left out. */
    public static Map<String, Double> table2(String model) {
        List<String[]> rows = csvWithHeader(resource("results-english-f1.csv"), "results-english-f1.csv");
        String[] header = rows.get(0);
        Map<String, Double> m = new LinkedHashMap<>();
        for (String[] r : rows.subList(1, rows.size())) {
            if (r[0].trim().equalsIgnoreCase(model)) {
                for (int i = 2; i < header.length - 1 && i < r.length; i++) {
                    if (!r[i].isBlank()) {
                        m.put(datasetId(header[i]), Double.parseDouble(r[i].trim()));
                    }
                }
            }
        }
        return m;
    }

    /** Table 6: dataset id → language → F1 (%) of {@code model}. */
    public static Map<String, Map<String, Double>> table6(String model) {
        List<String[]> rows = csvWithHeader(resource("results-low-resource-f1.csv"), "results-low-resource-f1.csv");
        String[] header = rows.get(0);
        Map<String, Map<String, Double>> m = new LinkedHashMap<>();
        for (String[] r : rows.subList(1, rows.size())) {
            if (r[0].trim().equalsIgnoreCase(model)) {
                Map<String, Double> byLang = new LinkedHashMap<>();
                for (int i = 2; i < header.length && i < r.length; i++) {
                    if (!r[i].isBlank()) {
                        byLang.put(LanguageCodes.base(header[i]), Double.parseDouble(r[i].trim()));
                    }
                }
                m.put(datasetId(r[1]), byLang);
            }
        }
        return m;
    }

    /** Table 4: dataset id → F1 (%) over all its languages pooled, of {@code model}. */
    public static Map<String, Double> table4(String model) {
        List<String[]> rows = csvWithHeader(resource("results-multilingual-f1.csv"), "results-multilingual-f1.csv");
        String[] header = rows.get(0);
        int col = -1;
        for (int i = 0; i < header.length; i++) {
            if (header[i].trim().replace('_', '-').equalsIgnoreCase(model)) {
                col = i;
            }
        }
        Map<String, Double> m = new LinkedHashMap<>();
        if (col < 0) {
            return m;
        }
        for (String[] r : rows.subList(1, rows.size())) {
            if (col < r.length && !r[col].isBlank()) {
                m.put(datasetId(r[0]), Double.parseDouble(r[col].trim()));
            }
        }
        return m;
    }

    /** A published figure of another guard model, shown as a reference row (F1 of the unsafe class, %). */
    public record Reference(String model, String benchmark, double f1, String source) {}

    /** The best published multilingual guard figures (bundled reference-guards.csv, see NOTE.md there). */
    public static List<Reference> referenceGuards() {
        List<Reference> out = new ArrayList<>();
        for (String[] r : csv(resource("reference-guards.csv"), "reference-guards.csv")) {
            out.add(new Reference(r[0].trim(), r[1].trim(), Double.parseDouble(r[2].trim()), r[3].trim()));
        }
        return out;
    }

    /** The preset dataset id of a name in the paper's tables (Aegis-CS2 → aegis_cs2, JBB-Behav → jbb_behav). */
    static String datasetId(String paperName) {
        String n = paperName.trim().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
        for (String id : TABLE2_DATASETS) {
            if (id.replace("_", "").equals(n)) {
                return id;
            }
        }
        return paperName.trim().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
    }

    private static InputStream resource(String name) {
        InputStream in = Paper.class.getClassLoader().getResourceAsStream(RESOURCES + name);
        if (in == null) {
            throw new IllegalStateException("Cannot read " + RESOURCES + name + ": missing from the jar");
        }
        return in;
    }

    /** Rows after the header line; plain comma-separated (the bundled tables have no quoted fields). */
    private static List<String[]> csv(InputStream in, String name) {
        List<String[]> rows = csvWithHeader(in, name);
        return rows.isEmpty() ? rows : rows.subList(1, rows.size());
    }

    private static List<String[]> csvWithHeader(InputStream in, String name) {
        List<String[]> out = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (!line.isBlank()) {
                    out.add(line.replace("\uFEFF", "").split(",", -1));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + name, e);
        }
        return out;
    }
}
