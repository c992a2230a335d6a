package io.boomfs.engine.runtime;

import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.StepResult;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.program.Program;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DurableStoreTest {
    static final Program KV = Programs.compile("kv.olg", """
        event put(@Me: addr, K: long, V: string).
        durable table kv(K: long, V: string) key(K).
        durable table hist(K: long, V: string).
        table scratch(K: long).
        kv(K, V)@next :- put(@Me, K, V).
        hist(K, V)@next :- put(@Me, K, V).
        scratch(K)@next :- put(@Me, K, _).
        """);

    /** Runs steps with puts; appends each step's durable changes; returns the node for comparison. */
    static OverlogNode run(DurableStore store, int steps, int from) {
        OverlogNode node = new OverlogNode(KV, "a");
        for (Tuple t : store.recover().tuples()) {
            node.load(t);
        }
        for (int i = 0; i < steps; i++) {
            List<Tuple> in = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
                in.add(new Tuple("put", "a", (long) ((from + i * 3 + k) % 7), "v" + (from + i) + "é" + k));
            }
            StepResult r = node.step(i, in);
            store.append(r.step(), r.durableChanges());
        }
        node.step(steps, List.of()).durableChanges().forEach(c -> { throw new AssertionError("@next changes must land"); });
        return node;
    }

    @Test
    void recoveryRebuildsExactlyTheDurableTablesIncludingKeyReplacements(@TempDir Path dir) {
        OverlogNode node;
        try (DurableStore s = DurableStore.open(dir, KV, DurableStore.Durability.SYNC, line -> { })) {
            node = run(s, 50, 0);
            assertTrue(s.syncNanos().count() >= 50, "one sync per step with changes");
            // A real msync reaches the disk: tens of microseconds at least. Chronicle's sync() is a
            // no-op (well under a microsecond) unless the queue has a sync mode: this guards it.
            assertTrue(s.syncNanos().quantile(0.5) >= 10_000, "msync p50 " + s.syncNanos().describeMicros());
        }
        try (DurableStore s = DurableStore.open(dir, KV, DurableStore.Durability.ASYNC, line -> { })) {
            DurableStore.Recovery r = s.recover();
            assertEquals(new HashSet<>(node.durableContents()), new HashSet<>(r.tuples()));
            assertEquals(node.durableContents().size(), r.tuples().size(), "no tuple twice");
            assertEquals(50, r.excerptsReplayed());
            assertEquals(0, r.tornDropped());
        }
    }

    @Test
    void snapshotThenMoreStepsRecoversTheSameStateAndReplaysOnlyTheRest(@TempDir Path dir) {
        OverlogNode node;
        try (DurableStore s = DurableStore.open(dir, KV, DurableStore.Durability.ASYNC, line -> { })) {
            OverlogNode first = run(s, 20, 0);
            s.snapshot(first.durableContents());
        }
        try (DurableStore s = DurableStore.open(dir, KV, DurableStore.Durability.ASYNC, line -> { })) {
            node = run(s, 10, 100);
        }
        try (DurableStore s = DurableStore.open(dir, KV, DurableStore.Durability.ASYNC, line -> { })) {
            DurableStore.Recovery r = s.recover();
            assertTrue(r.snapshotIndex() >= 0);
            assertEquals(10, r.excerptsReplayed(), "only the excerpts after the snapshot");
            assertEquals(new HashSet<>(node.durableContents()), new HashSet<>(r.tuples()));
        }
    }

    /**
     * A snapshot taken between two steps and written later, on another thread (a replica's
     * checkpoints): it covers what was appended when it was taken, the steps appended meanwhile
     * are replayed over it, and written after a newer one it is dropped (the newer one dropped
     * the log the older one would need).
     */
    @Test
    void aSnapshotWrittenLaterCoversWhatWasAppendedWhenTakenAndNeverReplacesANewerOne(@TempDir Path dir) {
        OverlogNode node;
        try (DurableStore s = DurableStore.open(dir, KV, DurableStore.Durability.ASYNC, line -> { })) {
            node = run(s, 20, 0);
            Runnable older = s.snapshotLater(node.durableContents());
            for (int i = 0; i < 10; i++) {
                StepResult r = node.step(100 + i, List.of(new Tuple("put", "a", (long) i, "later" + i)));
                s.append(r.step(), r.durableChanges());
            }
            node.step(200, List.of());
            older.run();
        }
        try (DurableStore s = DurableStore.open(dir, KV, DurableStore.Durability.ASYNC, line -> { })) {
            DurableStore.Recovery r = s.recover();
            assertEquals(10, r.excerptsReplayed(), "the steps after the snapshot was taken");
            assertEquals(new HashSet<>(node.durableContents()), new HashSet<>(r.tuples()));
            Runnable older = s.snapshotLater(List.of());
            for (int i = 0; i < 5; i++) {
                StepResult step = node.step(300 + i, List.of(new Tuple("put", "a", 9L, "last" + i)));
                s.append(step.step(), step.durableChanges());
            }
            node.step(400, List.of());
            s.snapshot(node.durableContents());
            older.run();
        }
        try (DurableStore s = DurableStore.open(dir, KV, DurableStore.Durability.ASYNC, line -> { })) {
            DurableStore.Recovery r = s.recover();
            assertEquals(0, r.excerptsReplayed(), "the newest snapshot covers every step");
            assertEquals(new HashSet<>(node.durableContents()), new HashSet<>(r.tuples()), "the older, empty one was dropped");
        }
    }

    /**
     * A row deleted from a table with a key is logged as its key alone (a kilobyte row costs
     * tens of bytes to delete), and replaying such deletions between inserts and replacements
     * of the same keys rebuilds exactly the tables the node has.
     */
    @Test
    void aDeletionFromAKeyedTableIsLoggedByItsKeyAndReplaysExactly(@TempDir Path dir) {
        Program prog = Programs.compile("kvdel.olg", """
            event put(@Me: addr, K: long, V: string).
            event del(@Me: addr, K: long).
            durable table kv(K: long, V: string) key(K).
            durable table bag(K: long, V: string).
            kv(K, V)@next :- put(@Me, K, V).
            bag(K, V)@next :- put(@Me, K, V).
            delete kv(K, V) :- del(@Me, K), kv(K, V).
            delete bag(K, V) :- del(@Me, K), bag(K, V).
            """);
        String big = "v".repeat(1_000);
        OverlogNode node = new OverlogNode(prog, "a");
        long deleteBytes;
        try (DurableStore s = DurableStore.open(dir, prog, DurableStore.Durability.ASYNC, line -> { })) {
            s.recover();
            long t = 0;
            for (int round = 0; round < 3; round++) {
                List<Tuple> in = new ArrayList<>();
                for (long k = 0; k < 50; k++) {
                    in.add(new Tuple("put", "a", k, big + round + ":" + k));
                }
                StepResult r = node.step(t++, in);
                s.append(r.step(), r.durableChanges());
                r = node.step(t++, List.of());
                s.append(r.step(), r.durableChanges());
            }
            List<Tuple> dels = new ArrayList<>();
            for (long k = 0; k < 50; k += 2) {
                dels.add(new Tuple("del", "a", k));
            }
            StepResult r = node.step(t++, dels);
            long before = s.bytesWritten();
            s.append(r.step(), r.durableChanges());
            deleteBytes = s.bytesWritten() - before;
            long kvDeleted = r.durableChanges().stream().filter(c -> !c.insert() && c.tuple().relation().equals("kv")).count();
            assertEquals(25, kvDeleted);
            // The bag has no key: its 75 deleted rows (three rounds of 25 keys) go whole, 1 KB each.
            assertTrue(deleteBytes < 75 * 1_100 + 25 * 40, "the kv deletions cost their keys, not their rows: " + deleteBytes);
            assertTrue(deleteBytes > 75 * 1_000, "the bag's deletions go whole: " + deleteBytes);
            r = node.step(t++, List.of(new Tuple("put", "a", 2L, "back"), new Tuple("put", "a", 3L, "replaced")));
            s.append(r.step(), r.durableChanges());
            r = node.step(t++, List.of());
            s.append(r.step(), r.durableChanges());
        }
        try (DurableStore s = DurableStore.open(dir, prog, DurableStore.Durability.ASYNC, line -> { })) {
            List<Tuple> got = s.recover().tuples();
            assertEquals(new HashSet<>(node.durableContents()), new HashSet<>(got));
            assertEquals(node.durableContents().size(), got.size());
            assertTrue(got.contains(new Tuple("kv", 2L, "back")) && got.contains(new Tuple("kv", 3L, "replaced")));
        }
    }

    /**
     * A snapshot of several MiB is encoded and written a chunk at a time (paced when written
     * later, not when written now); the CRC over the whole file and every row come back, in
     * both ways, and a snapshot whose bytes changed anywhere is refused on recovery.
     */
    @Test
    void aSnapshotOfSeveralChunksRecoversEveryRow(@TempDir Path dir) throws Exception {
        List<Tuple> rows = new ArrayList<>();
        String filler = "x".repeat(200);
        for (long k = 0; k < 20_000; k++) {
            rows.add(new Tuple("kv", k, filler + k));
            rows.add(new Tuple("hist", k % 100, "h" + k));
        }
        for (boolean later : new boolean[] {true, false}) {
            try (DurableStore s = DurableStore.open(dir, KV, DurableStore.Durability.ASYNC, line -> { })) {
                s.recover();
                if (later) {
                    s.snapshotLater(rows).run();
                } else {
                    s.snapshot(rows);
                }
            }
            assertTrue(java.nio.file.Files.size(dir.resolve("snapshot.bin")) > 4 << 20, "more than four chunks");
            try (DurableStore s = DurableStore.open(dir, KV, DurableStore.Durability.ASYNC, line -> { })) {
                assertEquals(new HashSet<>(rows), new HashSet<>(s.recover().tuples()), later ? "written later" : "written now");
            }
        }
        Path snap = dir.resolve("snapshot.bin");
        byte[] b = java.nio.file.Files.readAllBytes(snap);
        b[(3 << 20) + 17] ^= 1;
        java.nio.file.Files.write(snap, b);
        try (DurableStore s = DurableStore.open(dir, KV, DurableStore.Durability.ASYNC, line -> { })) {
            assertThrows(RuntimeException.class, s::recover, "a changed byte in the fourth chunk");
        }
    }

    @Test
    void aTornTailIsDroppedReportedAndVoidedForLaterRecoveries(@TempDir Path dir) {
        List<String> log = new ArrayList<>();
        OverlogNode node;
        try (DurableStore s = DurableStore.open(dir, KV, DurableStore.Durability.SYNC, log::add)) {
            node = run(s, 5, 0);
            byte[] whole = s.encodeForTest(99, List.of(new StepResult.Change(new Tuple("kv", 1L, "torn"), true)));
            // A crash in the middle of the write: the length is there, the last bytes never were.
            byte[] torn = whole.clone();
            for (int i = torn.length - 6; i < torn.length; i++) {
                torn[i] = 0;
            }
            s.appendRawForTest(torn);
        }
        try (DurableStore s = DurableStore.open(dir, KV, DurableStore.Durability.SYNC, log::add)) {
            DurableStore.Recovery r = s.recover();
            assertEquals(1, r.tornDropped());
            assertEquals(new HashSet<>(node.durableContents()), new HashSet<>(r.tuples()), "the torn change is never applied");
            assertEquals(1, log.size());
            assertTrue(log.get(0).startsWith("dropped a torn excerpt at the tail"), log.get(0));
            // Steps after recovery append after the voided excerpt.
            s.append(7, List.of(new StepResult.Change(new Tuple("kv", 100L, "after"), true)));
        }
        try (DurableStore s = DurableStore.open(dir, KV, DurableStore.Durability.SYNC, log::add)) {
            DurableStore.Recovery r = s.recover();
            assertEquals(0, r.tornDropped(), "already voided");
            assertTrue(r.tuples().contains(new Tuple("kv", 100L, "after")));
            assertTrue(r.tuples().stream().noneMatch(t -> t.toString().contains("torn")));
        }
    }

    /**
     * A machine that crashes may have written some pages of the unsynced tail and not others: a
     * hole followed by excerpts nothing waited for is a torn tail, dropped whole, and what was
     * synced before it recovers.
     */
    @Test
    void aHoleInTheUnsyncedTailIsDroppedWithEverythingAfterIt(@TempDir Path dir) {
        List<String> log = new ArrayList<>();
        OverlogNode node;
        try (DurableStore s = DurableStore.open(dir, KV, DurableStore.Durability.SYNC, log::add)) {
            node = run(s, 3, 0);
            byte[] hole = s.encodeForTest(4, List.of(new StepResult.Change(new Tuple("kv", 1L, "lost"), true)));
            hole[20] ^= 1;
            s.appendRawForTest(hole);
            s.append(5, List.of(new StepResult.Change(new Tuple("kv", 2L, "unsynced"), true)), false);
            s.append(6, List.of(new StepResult.Change(new Tuple("kv", 3L, "unsynced too"), true)), false);
        }
        try (DurableStore s = DurableStore.open(dir, KV, DurableStore.Durability.SYNC, log::add)) {
            DurableStore.Recovery r = s.recover();
            assertEquals(3, r.tornDropped(), "the hole and the two unsynced excerpts after it");
            assertEquals(new HashSet<>(node.durableContents()), new HashSet<>(r.tuples()));
            s.append(7, List.of(new StepResult.Change(new Tuple("kv", 4L, "after"), true)));
        }
        try (DurableStore s = DurableStore.open(dir, KV, DurableStore.Durability.SYNC, log::add)) {
            DurableStore.Recovery r = s.recover();
            assertEquals(0, r.tornDropped(), "already voided");
            assertTrue(r.tuples().contains(new Tuple("kv", 4L, "after")));
            assertTrue(r.tuples().stream().noneMatch(t -> t.toString().contains("unsynced")));
        }
    }

    @Test
    void corruptionFollowedByValidExcerptsRefusesToGuess(@TempDir Path dir) {
        try (DurableStore s = DurableStore.open(dir, KV, DurableStore.Durability.SYNC, line -> { })) {
            run(s, 3, 0);
            byte[] bad = s.encodeForTest(4, List.of(new StepResult.Change(new Tuple("kv", 1L, "x"), true)));
            bad[20] ^= 1;
            s.appendRawForTest(bad);
            s.append(5, List.of(new StepResult.Change(new Tuple("kv", 2L, "y"), true)));
        }
        try (DurableStore s = DurableStore.open(dir, KV, DurableStore.Durability.SYNC, line -> { })) {
            DurableStore.StoreException e = assertThrows(DurableStore.StoreException.class, s::recover);
            assertTrue(e.getMessage().contains("is corrupt at excerpt") && e.getMessage().contains("checksum mismatch"), e.getMessage());
        }
    }

    @Test
    void aDataDirectoryOfAnotherProgramIsRefusedNamingBothFingerprints(@TempDir Path dir) {
        try (DurableStore s = DurableStore.open(dir, KV, DurableStore.Durability.SYNC, line -> { })) {
            run(s, 2, 0);
        }
        Program other = Programs.compile("other.olg", "durable table kv(K: string, V: string) key(K).\n");
        try (DurableStore s = DurableStore.open(dir, other, DurableStore.Durability.SYNC, line -> { })) {
            DurableStore.StoreException e = assertThrows(DurableStore.StoreException.class, s::recover);
            assertTrue(e.getMessage().matches(".*fingerprint [0-9a-f]{16}; other.olg has [0-9a-f]{16}.*"), e.getMessage());
        }
    }

    @Test
    void anUnwritableDataDirectoryIsOneClearError(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("plain-file");
        java.nio.file.Files.writeString(file, "x");
        DurableStore.StoreException e = assertThrows(DurableStore.StoreException.class,
            () -> DurableStore.open(file.resolve("data"), KV, DurableStore.Durability.SYNC, line -> { }));
        assertTrue(e.getMessage().startsWith("cannot create data directory"), e.getMessage());
    }
}
