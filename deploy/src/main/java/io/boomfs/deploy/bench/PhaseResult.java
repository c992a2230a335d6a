package io.boomfs.deploy.bench;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of one phase on one system, and their machine-readable line: {@code bench-meta}
 * then {@code key=value} pairs separated by spaces,
 * e.g. {@code bench-meta system=boomfs phase=stat sessions=256 seconds=15.0 ops=1500000
 * ops_per_s=100000 p50_ms=2.10 p99_ms=5.30 max_ms=20.0 errors=0 cpu_us_per_op=40.1 server_cpu_us_per_op=12.0}.
 *
 * @param cpuUsPerOp       CPU time of all the system's processes (this client's included) per operation, in microseconds
 * @param serverCpuUsPerOp CPU time of the server that answers per operation: BoomFS's leader process, HDFS's
 *                         NameNode threads (not the JVM's GC and compiler threads, which it shares with the clients);
 *                         -1 when the leader changed during the phase
 */
public record PhaseResult(String system, Phase phase, int sessions, double seconds, long ops, double opsPerS, double p50Ms,
                          double p99Ms, double maxMs, long errors, double cpuUsPerOp,
                          double serverCpuUsPerOp) {
    public static final String PREFIX = "bench-meta";

    public String line() {
        return String.format(Locale.ROOT, "%s system=%s phase=%s sessions=%d seconds=%.1f ops=%d ops_per_s=%.0f p50_ms=%.3f "
                + "p99_ms=%.3f max_ms=%.1f errors=%d cpu_us_per_op=%.1f server_cpu_us_per_op=%.1f", PREFIX, system, phase.option(),
            sessions, seconds, ops, opsPerS, p50Ms, p99Ms, maxMs, errors, cpuUsPerOp, serverCpuUsPerOp);
    }

    /**
     * The result a {@link #line()} holds.
     *
     * @throws IllegalArgumentException with what is wrong in it
     */
    public static PhaseResult parse(String line) {
        String[] words = line.trim().split(" ");
        if (!words[0].equals(PREFIX)) {
            throw new IllegalArgumentException("not a result line (it starts with " + PREFIX + "): " + line);
        }
        Map<String, String> kv = new LinkedHashMap<>();
        for (int i = 1; i < words.length; i++) {
            int eq = words[i].indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("word " + i + " is not key=value in the result line: " + line);
            }
            kv.put(words[i].substring(0, eq), words[i].substring(eq + 1));
        }
        try {
            Phase phase = Phase.byOption(get(kv, "phase", line));
            if (phase == null) {
                throw new IllegalArgumentException("unknown phase " + kv.get("phase") + " in the result line: " + line);
            }
            return new PhaseResult(get(kv, "system", line), phase, Integer.parseInt(get(kv, "sessions", line)),
                Double.parseDouble(get(kv, "seconds", line)), Long.parseLong(get(kv, "ops", line)),
                Double.parseDouble(get(kv, "ops_per_s", line)), Double.parseDouble(get(kv, "p50_ms", line)),
                Double.parseDouble(get(kv, "p99_ms", line)), Double.parseDouble(get(kv, "max_ms", line)),
                Long.parseLong(get(kv, "errors", line)), Double.parseDouble(get(kv, "cpu_us_per_op", line)),
                Double.parseDouble(get(kv, "server_cpu_us_per_op", line)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a number is malformed (" + e.getMessage() + ") in the result line: " + line);
        }
    }

    private static String get(Map<String, String> kv, String key, String line) {
        String v = kv.get(key);
        if (v == null) {
            throw new IllegalArgumentException("no " + key + "= in the result line: " + line);
        }
        return v;
    }
}
