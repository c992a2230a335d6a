package io.boomfs.client;

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
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The namespace over real processes: three metadata shard replicas (MetaReplica JVMs) and a
 * MetaClient; the leader is killed once midway and the namespace goes on.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MetaClientTest {
    private static final List<String> JVM = List.of("-Xms64m", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
    private final List<ReplicaProcess> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        started.forEach(ReplicaProcess::close);
    }

    private String dump() {
        StringBuilder sb = new StringBuilder();
        started.forEach(p -> sb.append(p.dump()));
        return sb.toString();
    }

    @Test
    void theNamespaceOverThreeReplicaProcessesWithALeaderKilled(@TempDir Path dir) throws Exception {
        List<String> group = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            group.add(FreePorts.loopbackEndpoint());
        }
        List<ReplicaProcess> replicas = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ReplicaProcess p = ReplicaProcess.start(ReplicaServer.Config.of(group.get(i), group, dir.resolve("r" + i)), JVM,
                MetaReplica.class.getName());
            started.add(p);
            replicas.add(p);
        }
        for (ReplicaProcess p : replicas) {
            p.awaitReady(60_000);
        }
        try (MetaClient fs = MetaClient.open(group, "alice", 20_000)) {
            long home = fs.mkdirs("/home/alice/docs");
            assertEquals(home, fs.mkdirs("/home/alice/docs/"), "mkdirs of an existing directory gives its id");
            long f = fs.create("/home/alice/docs/notes.txt", false);
            assertEquals(new MetaClient.Stat(f, false, 0, fs.stat("/home/alice/docs/notes.txt").mtimeMs(), 3, "alice", 420),
                fs.stat("/home/alice/docs/notes.txt"));
            assertTrue(fs.stat("/home").isDir());
            MetaClient.FsException e = assertThrows(MetaClient.FsException.class, () -> fs.create("/home/alice/docs/notes.txt", false));
            assertEquals("EXISTS", e.code(), e.getMessage());
            assertEquals("NOT_FOUND", assertThrows(MetaClient.FsException.class, () -> fs.stat("/nope")).code());
            assertEquals("NOT_DIR", assertThrows(MetaClient.FsException.class,
                () -> fs.mkdirs("/home/alice/docs/notes.txt/x")).code());
            assertEquals("NOT_EMPTY", assertThrows(MetaClient.FsException.class, () -> fs.delete("/home", false)).code());
            assertEquals("INVALID_PATH", assertThrows(MetaClient.FsException.class, () -> fs.mkdirs("/a/../b")).code());
            assertEquals("INVALID_PATH", assertThrows(MetaClient.FsException.class,
                () -> fs.rename("/home/alice", "/home/alice/docs/inside")).code());

            // A directory of more than a page, listed in name order across pages.
            fs.mkdirs("/home/big");
            for (int i = 0; i < 1_050; i++) {
                fs.create(String.format("/home/big/f%04d", i), false);
                if (i == 500) {
                    // Kill the leader while the creates go on: they resume under the next one.
                    String leader = null;
                    for (ReplicaProcess p : replicas) {
                        if (p.role().startsWith("leader")) {
                            leader = p.address();
                            p.kill9();
                        }
                    }
                    assertTrue(leader != null, "a leader was found to kill\n" + dump());
                }
            }
        } catch (MetaClient.FsException e) {
            throw new AssertionError(e.code() + ": " + e.getMessage() + "\n" + dump(), e);
        }
        try (MetaClient fs = MetaClient.open(group, "alice", 20_000)) {
            List<String> names = new ArrayList<>();
            for (Iterator<MetaClient.Entry> it = fs.list("/home/big"); it.hasNext(); ) {
                names.add(it.next().name());
            }
            assertEquals(1_050, names.size(), dump());
            for (int i = 0; i < names.size(); i++) {
                assertEquals(String.format("f%04d", i), names.get(i));
            }
            // The cache of directory ids: another client renames a directory the cache knows;
            // the next op with the stale hint is walked from the root and the cache starts over.
            long notes = fs.stat("/home/alice/docs/notes.txt").id();
            List<String> notesPath = List.of("home", "alice", "docs", "notes.txt");
            assertTrue(fs.router().known(notesPath).contains(List.of("home", "alice", "docs")), "the stat taught the parent");
            long epoch = fs.router().epoch();
            try (MetaClient other = MetaClient.open(group, "bob", 20_000)) {
                other.rename("/home/alice", "/home/carol");
                assertEquals("NOT_FOUND", assertThrows(MetaClient.FsException.class,
                    () -> fs.stat("/home/alice/docs/notes.txt")).code());
                assertTrue(fs.router().epoch() > epoch, "the answer told the new directory epoch");
                assertEquals(notes, fs.stat("/home/carol/docs/notes.txt").id());
                other.rename("/home/carol", "/home/alice");
            }
            assertEquals(notes, fs.stat("/home/alice/docs/notes.txt").id());
            fs.rename("/home/alice/docs", "/home/docs");
            assertTrue(fs.stat("/home/docs/notes.txt").size() == 0);
            fs.delete("/home/big", true);
            assertEquals("NOT_FOUND", assertThrows(MetaClient.FsException.class, () -> fs.stat("/home/big/f0001")).code());
            List<String> home = new ArrayList<>();
            fs.list("/home").forEachRemaining(en -> home.add(en.name() + (en.isDir() ? "/" : "")));
            assertEquals(List.of("alice/", "docs/"), home);
            assertFalse(fs.list("/home/alice").hasNext());
        }
    }
}
