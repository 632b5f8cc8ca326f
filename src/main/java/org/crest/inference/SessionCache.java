package org.crest.inference;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One {@link ModelSession} per JVM (an executor) and model identity, created lazily on first use and
 * shared by all tasks of that JVM. Never per row, batch or partition.
 */
public final class SessionCache {
    private static final Map<Key, ModelSession> SESSIONS = new ConcurrentHashMap<>();
    private static final AtomicInteger CREATED = new AtomicInteger();
    private static final Map<String, AtomicInteger> CREATED_PER_MODEL = new ConcurrentHashMap<>();

    private SessionCache() {}

    /** What makes two sessions interchangeable. */
    public record Key(String sha256, String dir, ModelSession.Kind kind, Device device, int intraOpThreads, int gpuId) {
        public Key {
            Objects.requireNonNull(sha256);
            Objects.requireNonNull(dir);
            Objects.requireNonNull(kind);
            Objects.requireNonNull(device);
        }
    }

    public static ModelSession get(
            ModelBundle bundle, ModelSession.Kind kind, Device device, int intraOpThreads, int gpuId) {
        return get(bundle, kind, device, intraOpThreads, gpuId, () -> {});
    }

    /** Like {@link #get}, running {@code onCreate} in the calling thread if this call created the session. */
    public static ModelSession get(
            ModelBundle bundle,
            ModelSession.Kind kind,
            Device device,
            int intraOpThreads,
            int gpuId,
            Runnable onCreate) {
        Key key = new Key(
                bundle.sha256(),
                bundle.dir().toString(),
                kind,
                device,
                intraOpThreads,
                device == Device.CPU ? -1 : gpuId);
        return SESSIONS.computeIfAbsent(key, k -> {
            ModelSession s = ModelSession.create(bundle, kind, device, intraOpThreads, gpuId);
            CREATED.incrementAndGet();
            CREATED_PER_MODEL
                    .computeIfAbsent(modelKey(bundle.sha256(), kind), m -> new AtomicInteger())
                    .incrementAndGet();
            onCreate.run();
            return s;
        });
    }

    /** Sessions created by this JVM since it started (or since {@link #closeAll}). */
    public static int created() {
        return CREATED.get();
    }

    /**
     * Sessions of one model (content hash) and kind created by this JVM: 1 when caching works, more when
     * something made this JVM load the same model again (another copy, device or thread setting).
     */
    public static int created(String sha256, ModelSession.Kind kind) {
        AtomicInteger n = CREATED_PER_MODEL.get(modelKey(sha256, kind));
        return n == null ? 0 : n.get();
    }

    private static String modelKey(String sha256, ModelSession.Kind kind) {
        return sha256 + "/" + kind;
    }

    /** Closes every cached session; for tests and tools, not for tasks. */
    public static synchronized void closeAll() {
        for (ModelSession s : SESSIONS.values()) {
            s.close();
        }
        SESSIONS.clear();
        CREATED.set(0);
        CREATED_PER_MODEL.clear();
    }
}
