package io.boomfs.chaos.cluster;

import java.io.PrintWriter;
import java.util.function.LongSupplier;

/**
 * Where a node's output goes and what the harness learns from it: each line is written to the
 * node's log prefixed with the run's clock (ns since the run started, the history's clock) and
 * its stream ({@code out}, {@code err}, or {@code harness} for what the harness did to it); its
 * {@code READY} and {@code ROLE} lines are followed. One per node, kept across its restarts.
 * Thread-safe.
 */
final class NodeOutput {
    private final PrintWriter log;
    private final LongSupplier clock;
    private volatile boolean ready;
    private volatile long leaderBallot = -1;

    NodeOutput(PrintWriter log, LongSupplier clock) {
        this.log = log;
        this.clock = clock;
    }

    /** A line the node printed on {@code stream}. */
    void line(String stream, String line) {
        if (line.startsWith("READY ")) {
            ready = true;
        } else if (line.startsWith("ROLE leader ")) {
            leaderBallot = Long.parseLong(line.substring("ROLE leader ".length()).trim());
        } else if (line.startsWith("ROLE ")) {
            leaderBallot = -1;
        }
        write(stream, line);
    }

    /** What the harness did to the node. */
    void harness(String what) {
        write("harness", what);
    }

    private void write(String stream, String line) {
        synchronized (log) {
            log.println(clock.getAsLong() + " " + stream + " " + line);
            log.flush();
        }
    }

    /** A new start: not ready, and not leading, until it says so again. */
    void restarted() {
        ready = false;
        leaderBallot = -1;
    }

    boolean ready() {
        return ready;
    }

    /** The ballot it said it leads in, or -1 when it last said it follows (or has not said). */
    long leaderBallot() {
        return leaderBallot;
    }

    void close() {
        synchronized (log) {
            log.close();
        }
    }
}
