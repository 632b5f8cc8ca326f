package org.crest.label;

import java.io.Serializable;
import org.crest.UsageException;
import org.crest.inference.Device;
import org.crest.inference.LengthBatcher;
import org.crest.inference.Windowing;

/** What an executor needs to score: windowing, batching, device and threshold. Immutable. */
public record ScoringSettings(
        int maxTokens,
        int windowStride,
        int batchTokens,
        int maxBatchSize,
        int chunkRows,
        Device device,
        int intraOpThreads,
        int unsafeIndex,
        double threshold)
        implements Serializable {

    public ScoringSettings {
        if (maxTokens < 3) {
            throw new UsageException("Cannot label: --max-tokens must be at least 3 (" + maxTokens + ")");
        }
        if (windowStride < 1 || windowStride > maxTokens - 2) {
            throw new UsageException(
                    "Cannot label: --window-stride must be between 1 and --max-tokens - 2 = " + (maxTokens - 2)
                            + " so that windows overlap or touch and no token is skipped (" + windowStride + ")");
        }
        if (batchTokens < 1 || maxBatchSize < 1 || chunkRows < 1) {
            throw new UsageException(
                    "Cannot label: --batch-tokens, --max-batch-size and --chunk-rows must be positive (" + batchTokens
                            + ", " + maxBatchSize + ", " + chunkRows + ")");
        }
        if (!(threshold >= 0 && threshold <= 1)) {
            throw new UsageException("Cannot label: --threshold must be within [0, 1] (" + threshold + ")");
        }
    }

    Windowing windowing(long bos, long eos) {
        return new Windowing(maxTokens, windowStride, bos, eos);
    }

    LengthBatcher batcher() {
        return new LengthBatcher(batchTokens, maxBatchSize);
    }
}
