package io.boomfs.chaos;

import io.boomfs.chaos.workload.Nemesis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The long runs, only with {@code -Pchaos} (which sets {@code chaos.long}): 100 leader kills on
 * the KV group; every nemesis on the KV group; every nemesis, datanode kills included, on a
 * metadata shard with datanodes. {@code -Dchaos.time=MS} sets the length of the last two
 * (default 3 minutes each), {@code -Dseed=N} the seed.
 */
@EnabledIfSystemProperty(named = "chaos.long", matches = "true")
class ChaosLongRunTest {
    private static final Path REPORTS = Path.of("target", "chaos");
    private static final List<Nemesis> ALL_KV = List.of(Nemesis.KILL_LEADER, Nemesis.KILL_RANDOM, Nemesis.PAUSE_LEADER,
        Nemesis.PARTITION_LEADER, Nemesis.PARTITION_HALVES);

    private static ChaosRun.Result check(ChaosRun.Options o) {
        ChaosRun.Result r = ChaosRun.run(o, System.out::println);
        StringBuilder why = new StringBuilder("seed " + o.seed() + ", report " + r.dir() + ":\n");
        r.verdicts().forEach(v -> why.append(v.line()).append('\n').append(v.details()).append('\n'));
        assertTrue(r.valid(), why.toString());
        return r;
    }

    private static long seed() {
        return Long.getLong("seed", System.nanoTime());
    }

    private static long time() {
        return Long.getLong("chaos.time", 180_000);
    }

    @Test
    void aHundredLeaderKills() {
        ChaosRun.Options o = ChaosRun.Options.of("kv", List.of(Nemesis.KILL_LEADER), 900_000, seed(), REPORTS).withFaults(500, 500, 100);
        ChaosRun.Result r = check(o);
        assertTrue(r.events().size() >= 100, "only " + r.events().size() + " leader kills in the time");
    }

    @Test
    void everyNemesisOnTheKvGroup() {
        check(ChaosRun.Options.of("kv", ALL_KV, time(), seed(), REPORTS));
    }

    @Test
    void everyNemesisOnTheNamespace() {
        List<Nemesis> all = new java.util.ArrayList<>(ALL_KV);
        all.add(Nemesis.KILL_DATANODE);
        check(ChaosRun.Options.of("namespace", all, time(), seed(), REPORTS));
    }
}
