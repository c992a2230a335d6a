package io.boomfs.deploy.fs;

import io.boomfs.deploy.Cli;
import io.boomfs.engine.runtime.FreePorts;
import io.boomfs.meta.MetaReplica;
import io.boomfs.paxos.ReplicaProcess;
import io.boomfs.paxos.ReplicaServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code boom fs} against three metadata shard replica processes: the verbs, their output, their one-line errors. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FsCommandTest {
    private static final Path HERE = Path.of("");
    private final List<ReplicaProcess> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        started.forEach(ReplicaProcess::close);
    }

    @Test
    void theVerbsWorkAndTheirErrorsAreOneLine(@TempDir Path dir) throws Exception {
        List<String> group = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            group.add(FreePorts.loopbackEndpoint());
        }
        for (int i = 0; i < 3; i++) {
            started.add(ReplicaProcess.start(ReplicaServer.Config.of(group.get(i), group, dir.resolve("r" + i)),
                List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"), MetaReplica.class.getName()));
        }
        for (ReplicaProcess p : started) {
            p.awaitReady(60_000);
        }
        String r = String.join(",", group);
        assertEquals(0, fs(r, "mkdir", "-p", "/home/alice/docs").code());
        assertEquals(0, fs(r, "touch", "/home/alice/docs/a.txt", "/home/alice/b.txt").code());
        Cli.Result ls = fs(r, "ls", "-R", "/home");
        assertEquals(0, ls.code(), ls.toString());
        List<String> paths = ls.out().lines().map(l -> l.substring(l.lastIndexOf(' ') + 1)).toList();
        assertEquals(List.of("/home/alice", "/home/alice/b.txt", "/home/alice/docs", "/home/alice/docs/a.txt"), paths);
        assertTrue(ls.out().lines().findFirst().orElseThrow().startsWith("drwxr-xr-x"), ls.out());
        assertEquals(0, fs(r, "mv", "/home/alice/docs", "/home/docs").code());
        assertTrue(fs(r, "stat", "/home/docs/a.txt").out().contains("-rw-r--r--"));

        assertError(fs(r, "rm", "/home"), "boom fs: /home: Is a directory");
        assertError(fs(r, "stat", "/nope"), "boom fs: /nope: No such file or directory");
        assertError(fs(r, "mkdir", "/x/y"), "boom fs: /x/y: No such file or directory");
        assertError(fs(r, "mkdir", "/home"), "boom fs: /home: File exists");
        assertError(fs(r, "mv", "/home/docs", "/home/docs/in"), "boom fs: /home/docs: a directory cannot move under itself");
        assertError(fs(r, "ls", "relative"), "boom fs: relative: not an absolute path");
        assertEquals(0, fs(r, "rm", "-r", "/home").code());
        assertEquals("", fs(r, "ls", "/").out());

        Cli.Result none = Cli.run(HERE, "fs", "ls", "/");
        assertEquals(2, none.code(), "no shard given is a usage error: " + none);
        assertTrue(none.err().startsWith("boom: error: no metadata shard given: use --replicas"), none::toString);
    }

    private static Cli.Result fs(String replicas, String... args) {
        List<String> a = new ArrayList<>(List.of("fs", "--replicas", replicas));
        a.addAll(List.of(args));
        return Cli.run(HERE, a.toArray(new String[0]));
    }

    private static void assertError(Cli.Result r, String line) {
        assertEquals(1, r.code(), r.toString());
        assertEquals(line + "\n", r.err(), r.toString());
    }
}
