package io.boomfs.engine.runtime;

/**
 * A sleep for code that polls a child process or a cluster and cannot throw a checked
 * exception: an interruption keeps the thread's interrupt flag and ends the wait with an
 * {@link IllegalStateException}.
 */
public final class Pause {
    private Pause() {
    }

    /** Sleeps {@code ms} milliseconds. */
    public static void millis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
