package org.crest.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.crest.UsageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Argument checks and temp-folder clean-up shared by the bench commands. */
final class BenchArgs {
    private static final Logger LOG = LoggerFactory.getLogger(BenchArgs.class);

    private BenchArgs() {}

    /** Refuses {@code value} of {@code option} below {@code min} (exit 2, one line). */
    static void atLeast(String option, long value, long min) {
        if (value < min) {
            throw new UsageException("Cannot use " + option + " " + value + ": expected "
                    + (min == 0 ? "0 or more" : min == 1 ? "a positive number" : "at least " + min));
        }
    }

    /** Deletes a folder and everything in it; a failure is logged, not thrown (it must not hide the run's own). */
    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("Cannot remove the temporary folder {}: {}", dir, e.getMessage());
        }
    }
}
