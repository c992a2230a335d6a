package io.boomfs.deploy.fs;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar on stderr for copies of large files, redrawn in place at most five
 * times a second; {@link #of} gives one that draws nothing when stderr is not a terminal
 * (scripts and logs get no carriage returns) or the file is small.
 */
class Progress {
    /** Files smaller than this copy quickly: no bar. */
    static final long MIN_BYTES = 16L << 20;
    private static final int WIDTH = 30;
    private final PrintStream err;
    private final String label;
    private final long total;
    private final long startNs = System.nanoTime();
    private long lastDrawNs = startNs - 1_000_000_000L; // the first update draws

    private Progress(PrintStream err, String label, long total) {
        this.err = err;
        this.label = label;
        this.total = total;
    }

    /** A bar for copying {@code total} bytes under {@code label}, or a silent one. */
    static Progress of(PrintStream err, String label, long total, boolean interactive) {
        return interactive && total >= MIN_BYTES ? new Progress(err, label, total) : new Progress(null, label, total);
    }

    /** {@code done} bytes are copied. */
    void update(long done) {
        long now = System.nanoTime();
        if (err != null && now - lastDrawNs >= 200_000_000L) {
            lastDrawNs = now;
            err.print("\r" + render(label, done, total, (now - startNs) / 1_000_000));
            err.flush();
        }
    }

    /** The copy ended (well or not): the bar's line is finished. */
    void finish(long done) {
        if (err != null) {
            err.println("\r" + render(label, done, total, (System.nanoTime() - startNs) / 1_000_000));
        }
    }

    /** {@code /a/b [=========>          ]  45% 120.0M/266.0M 33.1 MB/s}. */
    static String render(String label, long done, long total, long elapsedMs) {
        int pct = total == 0 ? 100 : (int) (100 * done / total);
        int filled = WIDTH * pct / 100;
        String bar = "=".repeat(filled) + (filled < WIDTH ? ">" + " ".repeat(WIDTH - filled - 1) : "");
        double mbs = elapsedMs == 0 ? 0 : done / 1e3 / elapsedMs;
        return String.format(Locale.ROOT, "%s [%s] %3d%% %s/%s %.1f MB/s", label, bar, pct, Sizes.human(done), Sizes.human(total),
            mbs);
    }
}
