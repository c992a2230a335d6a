package io.boomfs.deploy.bench;

import java.util.Locale;

/**
 * The four measurements of {@code boom bench meta}, also the kinds of operation the workload
 * issues (setup uses {@link #MKDIRS} and {@link #CREATE} too), with the target of issue 6 for
 * each: a figure must reach it and the HDFS figure of the same run.
 */
public enum Phase {
    /** Create an empty file, then close it (complete): two writes through the log. */
    CREATE("create+close", 15_000),
    /** Make a new directory (its parent exists). */
    MKDIRS("mkdirs", 15_000),
    /** Stat an existing file: a linearizable (lease) read. */
    STAT("stat", 100_000),
    /** List a directory of {@link Workload#LIST_ENTRIES} files in one request. */
    LIST("list(100)", 20_000);

    private final String label;
    private final long targetOpsPerS;

    Phase(String label, long targetOpsPerS) {
        this.label = label;
        this.targetOpsPerS = targetOpsPerS;
    }

    /** The name in tables and result lines. */
    public String label() {
        return label;
    }

    /** The name on the command line ({@code --phases create,mkdirs,stat,list}). */
    public String option() {
        return name().toLowerCase(Locale.ROOT);
    }

    public long targetOpsPerS() {
        return targetOpsPerS;
    }

    /** The phase named {@code s} on the command line, or null. */
    public static Phase byOption(String s) {
        for (Phase p : values()) {
            if (p.option().equals(s)) {
                return p;
            }
        }
        return null;
    }
}
