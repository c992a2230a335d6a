package io.boomfs.chaos.check;

import io.boomfs.chaos.history.Call;
import io.boomfs.chaos.history.Calls;
import io.boomfs.chaos.history.HistoryJson;
import io.boomfs.chaos.history.Op;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.boomfs.chaos.check.Histories.pair;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The other checkers (lost writes, leaders per ballot, failover) and history.jsonl itself. */
class RunCheckersTest {
    private final List<Call> writes = new Histories("k").invoke(0, "write", 1L).ok(0, "write", null)
        .invoke(0, "write", 2L).ok(0, "write", null)
        .invoke(1, "cas", pair(2L, 3L)).info(1, "cas")
        .invoke(2, "write", 4L).ok(2, "write", null).calls();

    @Test
    void theLastAcknowledgedWriteSurvives() {
        assertEquals(Boolean.TRUE, LostWrites.check(writes, Map.of("k", 4L)).valid());
    }

    @Test
    void anOlderValueAtTheEndMeansLostWrites() {
        Verdict v = LostWrites.check(writes, Map.of("k", 2L));
        assertEquals(Boolean.FALSE, v.valid());
        assertTrue(v.summary().startsWith("1 of 3"), v.summary());
        assertTrue(v.details().contains("write k 4"), v.details());
    }

    @Test
    void nothingAtTheEndMeansEveryAcknowledgedWriteIsLost() {
        assertTrue(LostWrites.check(writes, Map.of("k", "never written")).summary().startsWith("3 of 3"));
    }

    @Test
    void twoLeadersInOneBallotAreCaught() {
        Map<String, List<String>> logs = Map.of(
            "r1", List.of("12 READY 10.0.0.2:7000", "300 ROLE leader 257", "900 ROLE follower"),
            "r2", List.of("1000 ROLE leader 514"),
            "r3", List.of("5 ROLE follower"));
        assertEquals(Boolean.TRUE, LeaderPerBallot.check(logs).valid());
        Verdict v = LeaderPerBallot.check(Map.of("r1", List.of("ROLE leader 257"), "r2", List.of("ROLE leader 257")));
        assertEquals(Boolean.FALSE, v.valid());
        assertTrue(v.details().contains("ballot 257 (round 1, owner id 1) was led by [r1, r2]"), v.details());
    }

    @Test
    void failoverIsTheLongestGapInAcknowledgementsAfterAFault() {
        // Acks at 1..5 ms, then nothing until 9 ms, then 10 ms; a kill at 4.5 ms: the gap is 5.5 -> 9 = 4 ms... from 5.
        List<Call> acks = new java.util.ArrayList<>();
        long[] at = {1, 2, 3, 4, 5, 9, 10};
        for (int i = 0; i < at.length; i++) {
            acks.add(new Call(i, i, "write", "k", (long) i, null, true, at[i] * 1_000_000 - 500_000, at[i] * 1_000_000));
        }
        List<Failover.Figure> f = Failover.figures(List.of(new Failover.Fault("kill-leader", "r1", 4_500_000)), acks, 10_500_000);
        assertEquals(4_000_000, f.get(0).gapNs());
        assertEquals(4_500_000, f.get(0).afterNs());
    }

    @Test
    void historiesSurviveTheFileAndBadLinesAreNamed(@TempDir Path dir) throws Exception {
        List<Op> ops = new Histories("/d").invoke(0, "rename", pair("a", null)).ok(0, "rename", "ok")
            .invoke(1, "list", null).ok(1, "list", List.of("a/", "b")).invoke(2, "cas", pair(1L, 2L)).ok(2, "cas", true).ops();
        Path file = dir.resolve("history.jsonl");
        HistoryJson.write(ops, file);
        assertEquals(ops, HistoryJson.read(file));
        Files.writeString(file, HistoryJson.line(ops.get(0)) + "\n{\"process\":1,\"type\":\"done\"}\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HistoryJson.read(file));
        assertEquals(file + ":2: type must be invoke, ok, fail or info, not done", e.getMessage());
    }

    @Test
    void malformedHistoriesAreRefusedWithTheLine() {
        List<Op> twice = List.of(Op.invoke(0, "read", "k", null, 1), Op.invoke(0, "read", "k", null, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Calls.pair(twice, Set.of()));
        assertTrue(e.getMessage().startsWith("history line 2 ") && e.getMessage().endsWith("process 0 invokes while its op of line 1 is open"),
            e.getMessage());
        List<Op> afterInfo = List.of(Op.invoke(0, "read", "k", null, 1), Op.info(0, "read", "k", null, 2),
            Op.invoke(0, "read", "k", null, 3));
        e = assertThrows(IllegalArgumentException.class, () -> Calls.pair(afterInfo, Set.of()));
        assertTrue(e.getMessage().contains("ended line 2 with info and must not run another op"), e.getMessage());
    }
}
