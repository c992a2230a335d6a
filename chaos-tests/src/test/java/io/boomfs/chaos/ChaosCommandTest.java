package io.boomfs.chaos;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The chaos command's bad input: one line saying what is wrong, exit code 2, nothing started. */
class ChaosCommandTest {
    private static String errorOf(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            assertEquals(2, ChaosCommand.run(args));
        } finally {
            System.setErr(old);
        }
        return err.toString(StandardCharsets.UTF_8).strip();
    }

    @Test
    void badOptionsSayWhatIsWrongInOneLine() {
        assertEquals("chaos: error: no nemesis kill-everything; there are [kill-leader, kill-random, pause-leader, partition-leader, "
            + "partition-halves, kill-datanode]", errorOf("--nemesis", "kill-leader,kill-everything"));
        assertEquals("chaos: error: a duration is a number with ms, s or m (500ms, 60s, 5m), not 1h", errorOf("--time", "1h"));
        assertEquals("chaos: error: workload must be kv or namespace, not files", errorOf("--workload", "files"));
        assertEquals("chaos: error: the run's time must be at least 1 s, not 500 ms", errorOf("--time", "500ms"));
        assertEquals("chaos: error: threads must be 1..1000, not 0", errorOf("--threads", "0"));
    }

    @Test
    void aTopologyGivesTheClusterItsIdsAndSettingsOrItsErrors(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
        throws Exception {
        java.nio.file.Path local = java.nio.file.Path.of("..", "deploy", "topologies", "local.yaml");
        ChaosRun.Shape s = ChaosRun.Shape.of(io.boomfs.deploy.topology.TopologyLoader.load(local));
        assertEquals(java.util.List.of("m1", "m2", "m3"), s.replicas());
        assertEquals(java.util.List.of("dn1", "dn2", "dn3"), s.datanodes());
        org.junit.jupiter.api.Assertions.assertTrue(s.settings().containsKey("election_min_ms"), s.settings().toString());
        java.nio.file.Path bad = dir.resolve("bad.yaml");
        java.nio.file.Files.writeString(bad, "cluster: x\nvparts: many\n");
        String err = errorOf("--topology", bad.toString());
        org.junit.jupiter.api.Assertions.assertTrue(err.startsWith("chaos: error: ") && err.contains("bad.yaml:2:"), err);
    }

    @Test
    void durationsHaveUnits() {
        assertEquals(500, ChaosCommand.durationMs("500ms"));
        assertEquals(60_000, ChaosCommand.durationMs("60s"));
        assertEquals(300_000, ChaosCommand.durationMs("5m"));
        assertThrows(IllegalArgumentException.class, () -> ChaosCommand.durationMs("60"));
    }
}
