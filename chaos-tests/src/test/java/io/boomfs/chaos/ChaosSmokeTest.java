package io.boomfs.chaos;

import io.boomfs.chaos.check.Verdict;
import io.boomfs.chaos.workload.Nemesis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The short chaos runs of the default build: a KV group under leader kills, leader pauses and
 * leader partitions, and a metadata shard under the same, about 25 s each, with a 500 ms call
 * deadline (calls caught by a fault end unknown). Every checker must say valid; the failover
 * time of every fault is printed. {@code -Dseed=N} replays a schedule,
 * {@code -Dchaos.time=MS} changes the length. Reports in target/chaos/.
 */
class ChaosSmokeTest {
    private static final Path REPORTS = Path.of("target", "chaos");
    private static final List<Nemesis> NEMESES = List.of(Nemesis.KILL_LEADER, Nemesis.PAUSE_LEADER, Nemesis.PARTITION_LEADER);

    private static ChaosRun.Result run(String workload) {
        long seed = Long.getLong("seed", System.nanoTime());
        long time = Long.getLong("chaos.time", 25_000);
        // A short deadline: calls caught by a fault end unknown (info), so the checkers' handling of them runs here too.
        ChaosRun.Result r = ChaosRun.run(ChaosRun.Options.of(workload, NEMESES, time, seed, REPORTS).withDeadlineMs(500),
            System.out::println);
        StringBuilder why = new StringBuilder("seed " + seed + ", report " + r.dir() + ":\n");
        r.verdicts().forEach(v -> why.append(v.line()).append('\n').append(v.details()).append('\n'));
        assertTrue(r.valid(), why.toString());
        assertFalse(r.events().isEmpty(), "no fault was played: " + why);
        for (Verdict v : r.verdicts()) {
            assertTrue(v.valid(), v.line());
        }
        return r;
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void kvRegistersStayLinearizableUnderLeaderFaults() {
        run("kv");
    }

    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void theNamespaceStaysLinearizableUnderLeaderFaults() {
        run("namespace");
    }
}
