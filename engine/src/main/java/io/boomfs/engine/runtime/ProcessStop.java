package io.boomfs.engine.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * How a BoomFS process ends cleanly: SIGTERM or Ctrl-C (a shutdown hook), or, for a process
 * another one started, the end of its stdin. {@link #await} returns when one of them happened
 * (or a condition of the caller's holds); the caller then closes what it runs and calls
 * {@link #closed()}, which the shutdown hook waits for (at most 10 s), so that the JVM does not
 * exit in the middle of closing a log or a media driver.
 */
public final class ProcessStop {
    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch closed = new CountDownLatch(1);

    private ProcessStop() {
    }

    /** Installs the shutdown hook (its thread is named {@code name}). */
    public static ProcessStop install(String name) {
        ProcessStop s = new ProcessStop();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            s.stop.countDown();
            try {
                s.closed.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, name));
        return s;
    }

    /** Also stops when {@code in} ends: the parent that started this process and holds its stdin is gone. */
    public ProcessStop onEndOf(InputStream in, Consumer<String> log) {
        Thread watcher = new Thread(() -> {
            try {
                while (in.read() >= 0) {
                    // Nothing is read from stdin: it only tells that the parent still runs.
                }
            } catch (IOException e) {
                log.accept("stdin failed (" + e.getMessage() + "); stopping as if it ended");
            }
            stop.countDown();
        }, "stdin-watch");
        watcher.setDaemon(true);
        watcher.start();
        return this;
    }

    /** Waits until the process is asked to stop or {@code failed} holds (checked every 50 ms). */
    public void await(BooleanSupplier failed) {
        try {
            while (!stop.await(50, TimeUnit.MILLISECONDS)) {
                if (failed.getAsBoolean()) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Everything is closed: the shutdown hook may let the JVM exit. */
    public void closed() {
        closed.countDown();
    }
}
