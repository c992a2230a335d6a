package io.boomfs.deploy.kv;

import io.boomfs.deploy.Boom;
import io.boomfs.deploy.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code boom kv-bench} (a short run) and {@code boom kv-replica} (its errors). */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KvCommandsTest {
    private static final Path HERE = Path.of("");

    private static void assertLine(String text, String regex) {
        assertTrue(Pattern.compile(regex, Pattern.MULTILINE).matcher(text).find(), "no line matching /" + regex + "/ in:\n" + text);
    }

    @Test
    void aShortBenchPrintsEveryFigure() {
        Cli.Result r = Cli.run(HERE, "kv-bench", "--port-base", Integer.toString(Cli.freeBase()), "--seconds", "1",
            "--warmup", "1", "--sessions", "8", "--kills", "1", "--failover-sessions", "4");
        assertEquals(0, r.code(), r.toString());
        assertLine(r.out(), "^kv-bench: pipelined writes, 8 sessions, 1 s: \\d+ writes/s, latency p50 [0-9.]+ ms, p99 ");
        assertLine(r.out(), "^kv-bench: writes, 1 session, 1 s: \\d+ writes/s");
        assertLine(r.out(), "^kv-bench: linearizable reads, 8 sessions, 1 s: \\d+ reads/s");
        assertLine(r.out(), "^kv-bench: linearizable reads, 1 session, 1 s: \\d+ reads/s");
        assertLine(r.out(), "^kv-bench: failover round 1: killed 127\\.0\\.0\\.1:\\d+ \\(pid \\d+\\); writes paused \\d+ ms");
        assertLine(r.out(), "^kv-bench: failover, 1 leader kills under 4 sessions: write pause median \\d+ ms, max \\d+ ms");
    }

    @Test
    void aReplicasErrorsAreOneLine(@TempDir Path dir) {
        Cli.Result r = Cli.run(HERE, "kv-replica", "--id", "nohost", "--members", "127.0.0.1:1", "--data", dir.toString());
        assertEquals(Boom.ERROR, r.code(), r.toString());
        assertEquals("boom kv-replica: error: --id must be HOST:PORT, not nohost\n", r.err());
        r = Cli.run(HERE, "kv-replica", "--id", "127.0.0.1:1", "--members", "127.0.0.1:1", "--data", dir.toString(),
            "--set", "speed=11");
        assertEquals(Boom.ERROR, r.code(), r.toString());
        assertTrue(r.err().startsWith("boom kv-replica: error: unknown setting speed (known: heartbeat_ms, "), r.err());
        r = Cli.run(HERE, "kv-replica", "--members", "127.0.0.1:1");
        assertEquals(Boom.USAGE, r.code(), r.toString());
    }
}
