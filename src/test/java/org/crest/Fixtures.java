package org.crest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Paths of the committed fixtures written by tools/make_fixtures.py, and readers for them. */
public final class Fixtures {
    public static final Path DEMO = Path.of("src/main/resources/crest/models/demo");
    public static final Path ROOT = Path.of("src/test/resources/fixtures");
    public static final Path EMBEDDER = ROOT.resolve("tiny-embedder");
    public static final Path WITH_TOKEN_TYPES = ROOT.resolve("tiny-with-token-types");
    public static final Path INDEPENDENT = ROOT.resolve("independent");
    public static final Path CLASSIFIER_REFERENCE = ROOT.resolve("reference/tiny_classifier.jsonl");

    private static final ObjectMapper JSON = new ObjectMapper();

    private Fixtures() {}

    public static List<JsonNode> jsonLines(Path p) {
        try {
            List<JsonNode> out = new ArrayList<>();
            for (String line : Files.readAllLines(p)) {
                if (!line.isBlank()) {
                    out.add(JSON.readTree(line));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode json(Path p) {
        try {
            return JSON.readTree(p.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static long[] longs(JsonNode array) {
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asLong();
        }
        return out;
    }

    /** A fresh directory under target/test-tmp. */
    public static Path tempDir(String prefix) {
        try {
            Path base = Path.of(System.getProperty("crest.test.tmp", "target/test-tmp"));
            Files.createDirectories(base);
            return Files.createTempDirectory(base, prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** sha-256 of every regular file under {@code dir}, by path: the hostile-input tests check inputs are untouched. */
    public static java.util.Map<String, String> fileHashes(java.nio.file.Path dir) {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        try (java.util.stream.Stream<java.nio.file.Path> s = java.nio.file.Files.walk(dir)) {
            for (java.nio.file.Path p :
                    s.filter(java.nio.file.Files::isRegularFile).toList()) {
                out.put(
                        p.toString(),
                        java.util.HexFormat.of()
                                .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                                        .digest(java.nio.file.Files.readAllBytes(p))));
            }
        } catch (java.io.IOException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("Cannot hash the files under " + dir, e);
        }
        return out;
    }
}
