package io.boomfs.deploy.fs;

import io.boomfs.client.LocalCluster;
import io.boomfs.deploy.Cli;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code boom fs} put, get, cat, du, chmod and ls -h against shard replica and datanode processes. */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class FsDataCommandsTest {
    private LocalCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void filesGoInAndComeOutByteForByte(@TempDir Path dir) throws Exception {
        cluster = LocalCluster.start(dir.resolve("cluster"), Map.of(), 3);
        String r = String.join(",", cluster.replicas());
        byte[] content = new byte[700_001];
        new Random(1).nextBytes(content);
        Path local = dir.resolve("in.bin");
        Files.write(local, content);
        Files.writeString(dir.resolve("hello.txt"), "hello, boomfs\n");

        ok(fs(r, "mkdir", "-p", "/up"));
        ok(fs(r, "put", "--chunk-size", "64K", local.toString(), "/up/in.bin"));
        ok(fs(r, "put", dir.resolve("hello.txt").toString(), "/up")); // into the directory, by its name
        Cli.Result ls = ok(fs(r, "ls", "-h", "/up"));
        assertEquals(List.of("hello.txt 14", "in.bin 683.6K"), ls.out().lines()
            .map(l -> l.substring(l.lastIndexOf('/') + 1) + " " + l.split(" +")[3]).toList(), ls.toString());

        ok(fs(r, "get", "/up/in.bin", dir.resolve("out.bin").toString()));
        assertArrayEquals(content, Files.readAllBytes(dir.resolve("out.bin")));
        Files.createDirectory(dir.resolve("into"));
        ok(fs(r, "get", "/up/in.bin", dir.resolve("into").toString()));
        assertArrayEquals(content, Files.readAllBytes(dir.resolve("into/in.bin")));
        assertEquals("hello, boomfs\n", ok(fs(r, "cat", "/up/hello.txt")).out());

        assertEquals("700015  2 files  1 dirs  /up\n", ok(fs(r, "du", "-s", "/up")).out());
        assertEquals("14  /up/hello.txt\n683.6K  /up/in.bin\n", ok(fs(r, "du", "-h", "/up")).out());
        ok(fs(r, "chmod", "600", "/up/hello.txt"));
        assertTrue(ok(fs(r, "stat", "/up/hello.txt")).out().startsWith("-rw------- "));

        // Replacing needs -f; errors are one line naming the path.
        assertError(fs(r, "put", local.toString(), "/up/in.bin"), "boom fs: /up/in.bin: File exists");
        ok(fs(r, "put", "-f", dir.resolve("hello.txt").toString(), "/up/in.bin"));
        assertEquals("hello, boomfs\n", ok(fs(r, "cat", "/up/in.bin")).out());
        assertError(fs(r, "get", "/up/nope", dir.resolve("x").toString()), "boom fs: /up/nope: No such file or directory");
        assertFalse(Files.exists(dir.resolve("x")) || Files.exists(dir.resolve(".x.boomfs-part")), "nothing left behind");
        assertError(fs(r, "put", dir.resolve("missing").toString(), "/up/m"), "boom fs: " + dir.resolve("missing")
            + ": No such file or directory");
        assertError(fs(r, "cat", "/up"), "boom fs: /up: Is a directory");
        assertError(fs(r, "chmod", "644", "/nope"), "boom fs: /nope: No such file or directory");
    }

    private static Cli.Result fs(String replicas, String... args) {
        List<String> a = new ArrayList<>(List.of("fs", "--replicas", replicas));
        a.addAll(List.of(args));
        return Cli.run(Path.of(""), a.toArray(new String[0]));
    }

    private Cli.Result ok(Cli.Result r) {
        assertEquals(0, r.code(), r + "\n" + cluster.dump());
        return r;
    }

    private static void assertError(Cli.Result r, String line) {
        assertEquals(1, r.code(), r.toString());
        assertEquals(line + "\n", r.err(), r.toString());
    }
}
