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
    void durationsHaveUnits() {
        assertEquals(500, ChaosCommand.durationMs("500ms"));
        assertEquals(60_000, ChaosCommand.durationMs("60s"));
        assertEquals(300_000, ChaosCommand.durationMs("5m"));
        assertThrows(IllegalArgumentException.class, () -> ChaosCommand.durationMs("60"));
    }
}
