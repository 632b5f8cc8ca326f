package org.crest.inference;

import java.util.Locale;

/** Where the model runs: {@code auto} tries CUDA and falls back to CPU, {@code cuda} insists on it. */
public enum Device {
    AUTO,
    CPU,
    CUDA;

    public static Device parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Unknown device " + s + ", expected one of auto, cpu, cuda", e);
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
