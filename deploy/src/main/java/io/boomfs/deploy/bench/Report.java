package io.boomfs.deploy.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The table of {@code boom bench meta}: per phase, the target of issue 6, BoomFS's figures and,
 * with {@code --compare}, HDFS's side by side, and whether BoomFS meets both.
 */
final class Report {
    private Report() {
    }

    /** The table's lines; {@code hdfs} empty when HDFS was not measured. */
    static List<String> table(List<PhaseResult> boom, List<PhaseResult> hdfs) {
        List<String> lines = new ArrayList<>();
        boolean compare = !hdfs.isEmpty();
        String head = String.format(Locale.ROOT, "%-13s %9s | %12s %8s %8s %9s", "phase", "target/s", "BoomFS ops/s", "p50 ms",
            "p99 ms", "CPU us/op");
        if (compare) {
            head += String.format(Locale.ROOT, " | %10s %8s %8s %9s", "HDFS ops/s", "p50 ms", "p99 ms", "CPU us/op");
        }
        lines.add(head + " | verdict");
        lines.add("-".repeat(head.length() + 10));
        for (PhaseResult b : boom) {
            PhaseResult h = hdfs.stream().filter(r -> r.phase() == b.phase()).findFirst().orElse(null);
            String row = String.format(Locale.ROOT, "%-13s %,9d | %,12.0f %8.2f %8.2f %9s", b.phase().label(),
                b.phase().targetOpsPerS(), b.opsPerS(), b.p50Ms(), b.p99Ms(), cpu(b));
            if (compare) {
                row += h == null ? String.format(Locale.ROOT, " | %10s %8s %8s %9s", "-", "-", "-", "-")
                    : String.format(Locale.ROOT, " | %,10.0f %8.2f %8.2f %9s", h.opsPerS(), h.p50Ms(), h.p99Ms(), cpu(h));
            }
            lines.add(row + " | " + verdict(b, h));
        }
        lines.add("CPU us/op: all the system's processes (client included) / the server that answers (BoomFS's leader, "
            + "HDFS's NameNode threads), per operation: on a shared machine, a steadier figure than the rate.");
        return lines;
    }

    private static String cpu(PhaseResult r) {
        return String.format(Locale.ROOT, "%.0f/%.0f", r.cpuUsPerOp(), r.serverCpuUsPerOp());
    }

    /** "ok", or what BoomFS's figure misses: the target, HDFS's figure, or both. */
    static String verdict(PhaseResult boom, PhaseResult hdfs) {
        List<String> misses = new ArrayList<>();
        if (boom.opsPerS() < boom.phase().targetOpsPerS()) {
            misses.add(String.format(Locale.ROOT, "%.0f%% of the target", 100 * boom.opsPerS() / boom.phase().targetOpsPerS()));
        }
        if (hdfs != null && boom.opsPerS() < hdfs.opsPerS()) {
            misses.add(String.format(Locale.ROOT, "%.0f%% of HDFS", 100 * boom.opsPerS() / hdfs.opsPerS()));
        }
        return misses.isEmpty() ? "ok" : "MISS (" + String.join(", ", misses) + ")";
    }
}
