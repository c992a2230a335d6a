package io.boomfs.datanode;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.boomfs.datanode.TestData.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A really full disk: a 2 MiB tmpfs mounted for the test. Mounting needs root, so elsewhere the
 * test is skipped (the capacity limit, tested everywhere, fails the same way).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChunkStoreDiskFullTest {
    private static int exec(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    @Test
    void aFullDiskFailsTheWriteWithNoSpaceAndLeavesNothing(@TempDir Path dir) throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "mounting a small tmpfs needs root");
        Path mnt = Files.createDirectory(dir.resolve("mnt"));
        assumeTrue(exec("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt.toString()) == 0, "tmpfs cannot be mounted here");
        try {
            try (ChunkStore store = ChunkStore.open(mnt, 1L << 40, line -> { })) {
                // Past the free space at the start: refused before anything is written.
                ChunkStoreException.NoSpace e = assertThrows(ChunkStoreException.NoSpace.class,
                    () -> store.write(1, new ByteArrayInputStream(new byte[4 * MIB]), 4 * MIB));
                assertTrue(e.getMessage().startsWith("no space for chunk 0000000000000001: it needs 4194592 bytes and the disk of "),
                    e.getMessage());
                // The disk fills up during a write that fitted when it began.
                ChunkWriter w = store.create(2, MIB);
                Files.write(mnt.resolve("filler"), new byte[3 * MIB / 2]);
                byte[] data = TestData.bytes(2, MIB);
                e = assertThrows(ChunkStoreException.NoSpace.class, () -> {
                    w.write(data, 0, data.length);
                    w.commit();
                });
                assertTrue(e.getMessage().startsWith("no space for chunk 0000000000000002: the disk is full ("), e.getMessage());
                w.close();
                assertEquals(List.of(), TestData.files(mnt.resolve("chunks")));
                assertEquals(0, store.reservedBytes());
                assertEquals(List.of(), store.list());
                // Room again: the store works on.
                Files.delete(mnt.resolve("filler"));
                store.write(3, new ByteArrayInputStream(data), data.length);
                store.verify(3);
            }
        } finally {
            if (exec("umount", mnt.toString()) != 0) {
                exec("umount", "-l", mnt.toString());
            }
        }
    }
}
