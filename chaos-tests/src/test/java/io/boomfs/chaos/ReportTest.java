package io.boomfs.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.boomfs.chaos.check.Failover;
import io.boomfs.chaos.check.Verdict;
import io.boomfs.chaos.history.HistoryJson;
import io.boomfs.chaos.history.Op;
import io.boomfs.chaos.workload.Nemesis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a run's report directory holds, from a small made-up run. */
class ReportTest {
    @Test
    void theReportHoldsHistoryVerdictsFiguresAndATimeline(@TempDir Path dir) throws Exception {
        List<Op> history = List.of(Op.invoke(0, "write", "k0", 1L, 1_000_000), Op.ok(0, "write", "k0", null, 3_000_000),
            Op.invoke(1, "read", "k0", null, 2_000_000), Op.info(1, "read", "k0", "Timeout: no answer", 9_000_000),
            Op.invoke(2, "cas", "k0", List.of(1L, 2L), 4_000_000), Op.ok(2, "cas", "k0", true, 5_000_000));
        Failover.Fault kill = new Failover.Fault("kill-leader", "r1", 2_500_000);
        ChaosRun.Result r = new ChaosRun.Result(dir, 42, List.of(Verdict.valid("linearizability", "1 key"),
            Verdict.invalid("no-lost-writes", "1 of 2 acknowledged writes lost", "#0 p0 write k0 1")),
            List.of(new Failover.Figure(kill, 2_500_000, 2_500_000)), List.of(new ChaosRun.Event("kill-leader", "r1", 2_500_000, 4_000_000)),
            List.of("skipping partition-leader: not root"), history);
        Report.write(r, ChaosRun.Options.of("kv", List.of(Nemesis.KILL_LEADER), 10_000, 42, dir), Map.of("k0", 2L));

        assertEquals(history, HistoryJson.read(dir.resolve("history.jsonl")));
        JsonNode results = new ObjectMapper().readTree(dir.resolve("results.json").toFile());
        assertEquals(false, results.get("valid").booleanValue());
        assertEquals(42, results.get("seed").longValue());
        assertEquals("false", results.get("verdicts").get(1).get("valid").textValue());
        assertEquals(2.5, results.get("failovers").get(0).get("longestGapMs").doubleValue());
        assertEquals(3, results.get("ops").get("invoke").longValue());
        assertEquals(1, results.get("ops").get("info").longValue());
        assertEquals("skipping partition-leader: not root", results.get("skipped").get(0).textValue());

        String html = Files.readString(dir.resolve("timeline.html"));
        assertEquals(3, count(html, "<circle class='op'"), "one point per call");
        assertEquals(1, count(html, "<rect class='fault'"), "one band per fault");
        assertTrue(html.contains("INVALID no-lost-writes: 1 of 2 acknowledged writes lost"), html);
        assertTrue(html.contains("fill='#999'"), "the unknown call is grey");
    }

    private static int count(String text, String what) {
        return (int) Pattern.compile(Pattern.quote(what)).matcher(text).results().count();
    }
}
