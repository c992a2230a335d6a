package io.boomfs.chaos.check;

import io.boomfs.chaos.history.Call;

import java.util.ArrayList;
import java.util.List;

/**
 * Failover time per fault, from the clients' side: after a fault starts, the longest gap in
 * acknowledged operations until the next fault starts (or the run ends), counting from the
 * fault's start to the first acknowledgement. A kill of a follower shows a small figure; a kill
 * of the leader shows election plus takeover plus the clients' retry. Figures, not a verdict:
 * tests check behaviour, and the machine's speed varies.
 */
public final class Failover {
    /** A fault of the schedule: what, on whom, from when (ns since the run started). */
    public record Fault(String nemesis, String target, long startNs) {
    }

    /**
     * @param gapNs   the longest time without an acknowledgement after the fault started
     * @param afterNs when that gap ended, relative to the fault's start
     */
    public record Figure(Fault fault, long gapNs, long afterNs) {
        public String line() {
            return String.format(java.util.Locale.ROOT, "%s %s at %.3f s: longest gap %.0f ms", fault.nemesis(), fault.target(),
                fault.startNs() / 1e9, gapNs / 1e6);
        }
    }

    private Failover() {
    }

    /** One figure per fault; {@code endNs} closes the last window (when the clients stopped). */
    public static List<Figure> figures(List<Fault> faults, List<Call> calls, long endNs) {
        long[] acks = calls.stream().filter(Call::known).mapToLong(Call::returnNs).sorted().toArray();
        List<Figure> out = new ArrayList<>();
        for (int i = 0; i < faults.size(); i++) {
            Fault f = faults.get(i);
            long until = i + 1 < faults.size() ? faults.get(i + 1).startNs() : endNs;
            long last = f.startNs();
            long gap = 0;
            long gapEnd = 0;
            for (long t : acks) {
                if (t < f.startNs() || t > until) {
                    continue;
                }
                if (t - last > gap) {
                    gap = t - last;
                    gapEnd = t - f.startNs();
                }
                last = t;
            }
            if (until - last > gap) {
                gap = until - last;
                gapEnd = until - f.startNs();
            }
            out.add(new Figure(f, gap, gapEnd));
        }
        return out;
    }
}
