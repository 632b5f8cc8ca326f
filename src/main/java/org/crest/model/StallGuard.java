package org.crest.model;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A response body that gives up when no byte has arrived for {@code timeout}: a watchdog closes the stream under
 * a read that waits longer, and that read then throws {@link SocketTimeoutException} ("no data for N s"), which the
 * caller treats as a transfer that broke off. (The JDK HTTP client's timeout covers only the response headers.)
 */
final class StallGuard extends FilterInputStream {
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "crest-hub-stall-watchdog");
        t.setDaemon(true);
        return t;
    });

    private final long timeoutNanos;
    private final String seconds;
    private final ScheduledFuture<?> check;
    private volatile long lastProgress = System.nanoTime();
    private volatile boolean stalled;

    StallGuard(InputStream in, Duration timeout) {
        super(in);
        this.timeoutNanos = timeout.toNanos();
        double s = timeout.toMillis() / 1000.0;
        this.seconds = s == Math.rint(s) ? String.valueOf((long) s) : String.valueOf(s);
        long period = Math.max(20, Math.min(1000, timeout.toMillis() / 4));
        this.check = WATCHDOG.scheduleAtFixedRate(this::checkProgress, period, period, TimeUnit.MILLISECONDS);
    }

    private void checkProgress() {
        if (!stalled && System.nanoTime() - lastProgress > timeoutNanos) {
            stalled = true;
            check.cancel(false);
            try {
                in.close(); // unblocks the read that waits
            } catch (IOException | RuntimeException e) {
                // the read fails or ends either way
            }
        }
    }

    private SocketTimeoutException stall(Throwable cause) {
        SocketTimeoutException e = new SocketTimeoutException("no data for " + seconds + " s");
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int k = read(one, 0, 1);
        return k <= 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int k;
        try {
            k = in.read(b, off, len);
        } catch (IOException e) {
            if (stalled) {
                throw stall(e);
            }
            throw e;
        }
        if (k > 0) {
            lastProgress = System.nanoTime();
            return k;
        }
        if (stalled) {
            throw stall(null); // the watchdog closed the stream: an end that is not the body's end
        }
        return k;
    }

    @Override
    public void close() throws IOException {
        check.cancel(false);
        in.close();
    }
}
