package io.boomfs.chaos.workload;

import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** Retries a call until it succeeds or the time runs out: waiting for a leader, reading back at the end. */
final class Probe {
    private static final long PAUSE_MS = 100;

    private Probe() {
    }

    /** The first result of {@code call} that does not throw. @throws IllegalStateException none within the time, with the last error */
    static <T> T untilOk(long timeoutMs, Callable<T> call) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true) {
            try {
                return call.call();
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no success within " + timeoutMs + " ms; last: " + e.getMessage(), e);
                }
            }
            try {
                Thread.sleep(PAUSE_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }

    /** {@link #untilOk} for a call without a result. */
    static void untilOk(long timeoutMs, Runnable call) {
        untilOk(timeoutMs, () -> {
            call.run();
            return null;
        });
    }
}
