package io.boomfs.deploy.kv;

import io.boomfs.deploy.Boom;
import io.boomfs.deploy.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code boom kv-demo}, run in this JVM as {@code ./boom} would, with real replica processes. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KvDemoCommandTest {
    private static final Path HERE = Path.of("");

    /** A base port in 20000-29999 whose port and next two are free on loopback now. */
    private static void assertLine(String text, String regex) {
        assertTrue(Pattern.compile(regex, Pattern.MULTILINE).matcher(text).find(), "no line matching /" + regex + "/ in:\n" + text);
    }

    @Test
    void aShortDemoKillsTheLeaderAndFindsEveryAcknowledgedWrite() {
        long childrenBefore = ProcessHandle.current().children().count();
        Cli.Result r = Cli.run(HERE, "kv-demo", "--port-base", Integer.toString(Cli.freeBase()), "--seconds", "4",
            "--sessions", "4", "--warmup", "1");
        assertEquals(0, r.code(), r.toString());
        assertLine(r.out(), "^kv-demo: replicas ready in [0-9.]+ s; leader 127\\.0\\.0\\.1:\\d+, first write acknowledged");
        assertLine(r.out(), "^kv-demo: warming up for 1 s ");
        assertLine(r.out(), "^ +1 s +\\d+ ops/s  leader ");
        assertLine(r.out(), "^ +4 s +\\d+ ops/s  leader ");
        assertLine(r.out(), "^kv-demo: kill -9 leader 127\\.0\\.0\\.1:\\d+ \\(pid \\d+\\) at 2\\.0 s$");
        assertLine(r.out(), "^failover: .*writes paused \\d+ ms at most; leader now 127\\.0\\.0\\.1:\\d+$");
        assertLine(r.out(), "^verify: 32 keys read back, 32 hold their last acknowledged value$");
        assertLine(r.out(), "^summary: \\d+ writes acknowledged .*verification passed$");
        assertEquals(childrenBefore, ProcessHandle.current().children().filter(ProcessHandle::isAlive).count(),
            "every replica it started has stopped");
    }

    @Test
    void aPortInUseIsOneLine() throws IOException {
        int base = Cli.freeBase();
        try (DatagramSocket taken = new DatagramSocket(base + 1, InetAddress.getLoopbackAddress())) {
            assertEquals(base + 1, taken.getLocalPort());
            Cli.Result r = Cli.run(HERE, "kv-demo", "--port-base", Integer.toString(base));
            assertEquals(Boom.ERROR, r.code(), r.toString());
            assertEquals("boom: error: UDP port " + (base + 1) + " on 127.0.0.1 is in use; choose another --port-base"
                + " (kv-demo uses it and the next two)\n", r.err());
        }
    }

    @Test
    void badNumbersAreUsageErrors() {
        Cli.Result r = Cli.run(HERE, "kv-demo", "--seconds", "0");
        assertEquals(Boom.USAGE, r.code(), r.toString());
        assertTrue(r.err().startsWith("boom: error: --seconds must be in 1..86400, not 0\n"), r.err());
        r = Cli.run(HERE, "kv-demo", "--seconds", "5", "--kill-at", "7");
        assertEquals(Boom.USAGE, r.code(), r.toString());
        assertTrue(r.err().startsWith("boom: error: --kill-at must be between 0 and --seconds (5), not 7.0\n"), r.err());
        r = Cli.run(HERE, "kv-demo", "--sessions", "many");
        assertEquals(Boom.USAGE, r.code(), r.toString());
        assertTrue(r.err().startsWith("boom: error: Invalid value for option '--sessions': 'many' is not an int\n"), r.err());
    }
}
