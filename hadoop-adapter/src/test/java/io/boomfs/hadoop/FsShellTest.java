package io.boomfs.hadoop;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FsShell;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code hadoop fs} commands ({@link FsShell}, what the {@code hadoop fs} script runs) against
 * {@code boomfs://} on the shared cluster: mkdir, put, ls, cat, cp, mv, du, count, chmod, stat,
 * get, test and rm, each checked by its output or by another command.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class FsShellTest {
    private static String root;
    private static FsShell shell;

    @BeforeAll
    static void start() {
        root = SharedCluster.uri() + "/shell";
        Configuration conf = SharedCluster.conf();
        shell = new FsShell(conf);
    }

    @AfterAll
    static void stop() throws Exception {
        shell.close();
    }

    /** Runs {@code hadoop fs ARGS}; its exit code and what it printed. */
    private static Result fs(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = shell.run(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private record Result(int code, String out, String err) {
    }

    private static Result ok(String... args) throws Exception {
        Result r = fs(args);
        assertEquals(0, r.code(), "hadoop fs " + String.join(" ", args) + " failed: " + r.err());
        return r;
    }

    @Test
    void theFamiliarCommandsWorkOnBoomfs(@TempDir Path local) throws Exception {
        byte[] data = new byte[300_000]; // several 64 KiB chunks
        new Random(7).nextBytes(data);
        Path src = local.resolve("data.bin");
        Files.write(src, data);
        Files.writeString(local.resolve("hello.txt"), "hello boomfs\n");

        ok("-mkdir", "-p", root + "/a/b");
        ok("-put", src.toString(), root + "/a/b/data.bin");
        ok("-put", local.resolve("hello.txt").toString(), root + "/a/hello.txt");

        Result ls = ok("-ls", "-R", root);
        assertTrue(ls.out().contains(root + "/a/b/data.bin") && ls.out().contains(" 300000 "), ls.out());
        assertTrue(ls.out().contains(root + "/a/hello.txt"), ls.out());
        assertEquals("hello boomfs\n", ok("-cat", root + "/a/hello.txt").out());

        ok("-cp", root + "/a/b/data.bin", root + "/a/copy.bin");
        ok("-mv", root + "/a/copy.bin", root + "/moved.bin");
        assertEquals(1, fs("-test", "-e", root + "/a/copy.bin").code(), "the source of mv is gone");
        ok("-get", root + "/moved.bin", local.resolve("back.bin").toString());
        assertArrayEquals(data, Files.readAllBytes(local.resolve("back.bin")), "put, cp, mv, get keep every byte");

        // du -s: the bytes of both files; count: directories, files, bytes.
        assertTrue(ok("-du", "-s", root + "/a").out().startsWith("300013 "), "du -s");
        String count = ok("-count", root).out().trim();
        assertTrue(count.matches("3\\s+3\\s+600013\\s+\\S+"), "count: " + count);

        ok("-chmod", "600", root + "/moved.bin");
        assertEquals("600 3 " + System.getProperty("user.name"),
            ok("-stat", "%a %r %u", root + "/moved.bin").out().trim());

        assertEquals(1, fs("-cat", root + "/nope").code(), "a missing file is an error");
        ok("-rm", "-r", "-skipTrash", root + "/a");
        assertEquals(1, fs("-test", "-d", root + "/a").code(), "rm -r removed the directory");
        assertEquals(0, fs("-test", "-f", root + "/moved.bin").code());
    }
}
