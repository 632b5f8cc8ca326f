package org.crest.model;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An exclusive lock on a cache entry, held while one file is downloaded or one bundle converted: an OS file lock
 * on a lock file ({@link FileChannel#lock}) against other processes, and a lock within this JVM in front of it,
 * because a JVM holds file locks for all its threads (a second thread's {@code lock()} would fail, not wait).
 * The lock file itself stays; deleting it could let a third pull lock a fresh file while the second waits on
 * the old one.
 */
final class CacheLock implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CacheLock.class);
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_JVM = new ConcurrentHashMap<>();
    private static final ConcurrentHashMap<Path, AtomicInteger> WAITING = new ConcurrentHashMap<>();

    private final ReentrantLock local;
    private final FileChannel channel;

    private CacheLock(ReentrantLock local, FileChannel channel) {
        this.local = local;
        this.channel = channel;
    }

    /** Waits until this thread holds the lock of {@code lockFile}; {@code what} says what for, in the log. */
    static CacheLock acquire(Path lockFile, String what) throws IOException {
        Path key = lockFile.toAbsolutePath().normalize();
        ReentrantLock local = IN_JVM.computeIfAbsent(key, k -> new ReentrantLock());
        if (!local.tryLock()) {
            LOG.info("Waiting for another thread that is {} (lock {})", what, key);
            AtomicInteger w = WAITING.computeIfAbsent(key, k -> new AtomicInteger());
            w.incrementAndGet();
            try {
                local.lock();
            } finally {
                w.decrementAndGet();
            }
        }
        FileChannel channel = null;
        try {
            Files.createDirectories(key.getParent());
            channel = FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock held = channel.tryLock();
            if (held == null) {
                LOG.info("Waiting for another process that is {} (lock {})", what, key);
                AtomicInteger w = WAITING.computeIfAbsent(key, k -> new AtomicInteger());
                w.incrementAndGet();
                try {
                    channel.lock();
                } finally {
                    w.decrementAndGet();
                }
            }
            return new CacheLock(local, channel);
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            local.unlock();
            throw e;
        }
    }

    /** Threads of this JVM waiting now for the lock of {@code lockFile} (held by another thread or process). */
    static int waiting(Path lockFile) {
        AtomicInteger w = WAITING.get(lockFile.toAbsolutePath().normalize());
        return w == null ? 0 : w.get();
    }

    /** Releases the file lock (closing its channel) and then the lock within the JVM. */
    @Override
    public void close() throws IOException {
        try {
            channel.close();
        } finally {
            local.unlock();
        }
    }
}
