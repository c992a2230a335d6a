package io.boomfs.datanode;

import io.boomfs.engine.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bounds of the shard's commands on a datanode: two copies at a time, a bounded queue, duplicates and excess dropped. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ChunkCommandsTest {
    private static long count(List<String> log, String part) {
        synchronized (log) {
            return log.stream().filter(l -> l.contains(part)).count();
        }
    }

    @Test
    void copiesRunTwoAtATimeTheQueueIsBoundedAndExcessAndDuplicatesAreDropped(@TempDir Path dir) throws Exception {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        int n = ChunkCommands.COPY_THREADS + ChunkCommands.COPY_QUEUE + 4;
        List<Socket> held = Collections.synchronizedList(new ArrayList<>());
        // Closed by the test in the middle, so not a resource of the try.
        ServerSocket silent = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        try (ChunkStore store = ChunkStore.open(dir, 1L << 30, log::add)) {
            // A datanode that accepts and never answers: each copy to it holds a thread.
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(silent.accept());
                    }
                } catch (IOException e) {
                    // Closed by the test.
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            for (long c = 0; c < n; c++) {
                store.write(c, new ByteArrayInputStream(new byte[10]), 10);
            }
            String target = "127.0.0.1:" + silent.getLocalPort();
            ChunkCommands commands = new ChunkCommands(store, new DataClient.Config(2_000, 30_000), null, log::add);
            try {
                for (long c = 0; c < n; c++) {
                    commands.copy(new Tuple("dn_copy", "dn", "replica", c, 10L, List.of(target)));
                }
                // A retry of a copy still queued is the same copy: not queued twice, not logged.
                commands.copy(new Tuple("dn_copy", "dn", "replica", 5L, 10L, List.of(target)));
                long deadline = System.currentTimeMillis() + 30_000;
                while (held.size() < ChunkCommands.COPY_THREADS) {
                    assertTrue(System.currentTimeMillis() < deadline, "the copies did not connect");
                    Thread.sleep(10);
                }
                Thread.sleep(300);
                assertEquals(ChunkCommands.COPY_THREADS, held.size(), "copies at a time");
                assertEquals(4, count(log, "copies are waiting already (the shard retries)"), log.toString());
                assertEquals(0, count(log, " failed: "), log.toString());
                // The silent datanode goes away: every copy taken fails, with one line each.
                silent.close();
                synchronized (held) {
                    for (Socket s : held) {
                        s.close();
                    }
                }
                deadline = System.currentTimeMillis() + 60_000;
                while (count(log, " failed: ") < ChunkCommands.COPY_THREADS + ChunkCommands.COPY_QUEUE) {
                    assertTrue(System.currentTimeMillis() < deadline, "copies not done: " + log);
                    Thread.sleep(10);
                }
                assertTrue(commands.describe().contains("failed " + (ChunkCommands.COPY_THREADS + ChunkCommands.COPY_QUEUE)),
                    commands.describe());
                assertTrue(commands.describe().contains("commands dropped 4"), commands.describe());
            } finally {
                commands.close();
            }
        } finally {
            silent.close();
        }
    }

    @Test
    void aCopyToDatanodesThatRequireTokensCarriesOneOfItsOwn(@TempDir Path dir) throws Exception {
        ChunkToken.Key key = ChunkToken.deriveKey("the cluster key of this test".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        try (Datanodes nodes = new Datanodes(); ChunkStore store = ChunkStore.open(dir.resolve("src"), 1L << 30, log::add)) {
            DataServer target = nodes.start(dir.resolve("dst"), 1L << 30, c -> c.withTokenKey(key));
            byte[] data = new byte[100_000];
            new java.util.Random(7).nextBytes(data);
            store.write(1, new ByteArrayInputStream(data), data.length);
            store.write(2, new ByteArrayInputStream(data), data.length);
            ChunkCommands withKey = new ChunkCommands(store, DataClient.Config.defaults(), key, log::add);
            ChunkCommands withoutKey = new ChunkCommands(store, DataClient.Config.defaults(), null, log::add);
            try {
                withKey.copy(new Tuple("dn_copy", "dn", "replica", 1L, (long) data.length, List.of(target.address())));
                withoutKey.copy(new Tuple("dn_copy", "dn", "replica", 2L, (long) data.length, List.of(target.address())));
                long deadline = System.currentTimeMillis() + 30_000;
                while (!withKey.describe().contains("copies done 1") || count(log, " failed: ") < 1) {
                    assertTrue(System.currentTimeMillis() < deadline, "copies not done: " + log + " " + withKey.describe());
                    Thread.sleep(10);
                }
                nodes.awaitIdle();
                assertEquals(List.of(new ChunkStore.ChunkInfo(1, data.length)), target.store().list(), "only the copy with a token");
                assertEquals(1, count(log, "needs a chunk token, and the request has none"), log.toString());
            } finally {
                withKey.close();
                withoutKey.close();
            }
        }
    }

    @Test
    void malformedCommandsAreOneLogLineAndChangeNothing(@TempDir Path dir) throws Exception {
        List<String> log = Collections.synchronizedList(new ArrayList<>());
        try (ChunkStore store = ChunkStore.open(dir, 1L << 30, log::add)) {
            store.write(1, new ByteArrayInputStream(new byte[3]), 3);
            ChunkCommands commands = new ChunkCommands(store, DataClient.Config.defaults(), null, log::add);
            try {
                commands.copy(new Tuple("dn_copy", "dn", "replica", 1L, 3L, "127.0.0.1:1"));
                commands.copy(new Tuple("dn_copy", "dn", "replica", 1L, 3L, List.of()));
                commands.delete(new Tuple("dn_delete", "dn", "replica", 1L));
                commands.delete(new Tuple("dn_delete", "dn", "replica", List.of("one", 1L, 77L)));
                long deadline = System.currentTimeMillis() + 30_000;
                while (count(log, "is not a chunk id") < 1) {
                    assertTrue(System.currentTimeMillis() < deadline, log.toString());
                    Thread.sleep(10);
                }
            } finally {
                commands.close();
            }
            assertEquals(2, count(log, "Targets is not a list of addresses"), log.toString());
            assertEquals(1, count(log, "Chunks is not a list of chunk ids"), log.toString());
            assertEquals(List.of(), store.list(), "the valid id of the list was deleted, the unknown one ignored");
        }
    }
}
