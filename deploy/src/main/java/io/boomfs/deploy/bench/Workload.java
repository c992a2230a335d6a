package io.boomfs.deploy.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * The paths each phase touches, the same for every system measured, so that BoomFS and HDFS do
 * the same work. Every session works in a directory of its own for creates and mkdirs (as many
 * clients of a real cluster would); stats and lists go to a tree of {@link #LIST_DIRS}
 * directories of {@link #LIST_ENTRIES} files each, made before them.
 */
public final class Workload {
    public static final String ROOT = "/bench";
    public static final int LIST_DIRS = 16;
    public static final int LIST_ENTRIES = 100;

    private Workload() {
    }

    /**
     * What must exist before {@code phase} runs with {@code sessions} sessions, in stages: the
     * operations of a stage may run in any order, a stage only after the one before it.
     */
    public static List<List<Op>> setup(Phase phase, int sessions) {
        List<Op> dirs = new ArrayList<>();
        List<Op> files = new ArrayList<>();
        switch (phase) {
            case CREATE, MKDIRS -> {
                for (int s = 0; s < sessions; s++) {
                    dirs.add(new Op(Phase.MKDIRS, sessionDir(phase, s)));
                }
            }
            case STAT, LIST -> {
                for (int d = 0; d < LIST_DIRS; d++) {
                    dirs.add(new Op(Phase.MKDIRS, listDir(d)));
                    for (int f = 0; f < LIST_ENTRIES; f++) {
                        files.add(new Op(Phase.CREATE, listDir(d) + "/f" + f));
                    }
                }
            }
        }
        return files.isEmpty() ? List.of(dirs) : List.of(dirs, files);
    }

    /** Whether {@code a}'s setup also makes what {@code b} needs (stat and list share their tree). */
    public static boolean sameSetup(Phase a, Phase b) {
        return a == b || (a == Phase.STAT || a == Phase.LIST) && (b == Phase.STAT || b == Phase.LIST);
    }

    /** Operation {@code n} (0, 1, 2, ...) of session {@code s} in {@code phase}. */
    public static Op op(Phase phase, int s, long n) {
        return switch (phase) {
            case CREATE -> new Op(phase, sessionDir(phase, s) + "/f" + n);
            case MKDIRS -> new Op(phase, sessionDir(phase, s) + "/d" + n);
            // Spread over the tree: every session visits every directory and file in turn.
            case STAT -> new Op(phase, listDir((int) ((s + n) % LIST_DIRS)) + "/f" + (s * 31 + n * 7) % LIST_ENTRIES);
            case LIST -> new Op(phase, listDir((int) ((s + n) % LIST_DIRS)));
        };
    }

    private static String sessionDir(Phase phase, int s) {
        return ROOT + "/" + phase.option() + "/s" + s;
    }

    private static String listDir(int d) {
        return ROOT + "/list/d" + d;
    }
}
