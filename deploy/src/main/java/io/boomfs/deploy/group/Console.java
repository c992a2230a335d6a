package io.boomfs.deploy.group;

import io.boomfs.deploy.CliException;

import java.io.PrintStream;
import java.util.concurrent.TimeUnit;

/** What the demonstration and benchmark commands share to print progress and pace their phases. */
public final class Console {
    private Console() {
    }

    /** Prints a line at once: a long run's progress must show while it runs. */
    public static void say(PrintStream out, String line) {
        out.println(line);
        out.flush();
    }

    /** Sleeps until {@link System#nanoTime()} reaches {@code nanoTime}, in naps short enough to stay on time. */
    public static void sleepUntil(long nanoTime) {
        long ms;
        while ((ms = TimeUnit.NANOSECONDS.toMillis(nanoTime - System.nanoTime())) > 0) {
            try {
                Thread.sleep(Math.min(ms, 100));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException("interrupted");
            }
        }
    }
}
