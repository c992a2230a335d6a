package io.boomfs.deploy.fs;

import io.boomfs.deploy.Cli;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What {@code boom fs} prints and parses without a cluster: sizes, the progress bar, usage errors. */
class SizesAndProgressTest {
    @Test
    void sizesParseWithPowersOf1024AndBadOnesSayWhy() {
        assertEquals(65536, Sizes.parse("64K"));
        assertEquals(64L << 20, Sizes.parse("64m"));
        assertEquals(3L << 40, Sizes.parse("3T"));
        assertEquals(17, Sizes.parse("17"));
        for (String bad : new String[] {"", "K", "-1", "1.5M", "12X", "9999999999T"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sizes.parse(bad), bad);
            assertEquals("'" + bad + "' is not a size (bytes, or a number with K, M, G or T)", e.getMessage());
        }
    }

    @Test
    void humanSizesKeepOneDecimal() {
        assertEquals("0", Sizes.human(0));
        assertEquals("1023", Sizes.human(1023));
        assertEquals("1.0K", Sizes.human(1024));
        assertEquals("1.5K", Sizes.human(1536));
        assertEquals("64.0M", Sizes.human(64L << 20));
        assertEquals("8.0E", Sizes.human(Long.MAX_VALUE));
    }

    @Test
    void theBarShowsWhereACopyIsAndDrawsOnlyForPeopleAndLargeFiles() {
        assertEquals("/a [===============>              ]  50% 10.0M/20.0M 5.2 MB/s",
            Progress.render("/a", 10L << 20, 20L << 20, 2_000));
        assertEquals("/e [==============================] 100% 0/0 0.0 MB/s", Progress.render("/e", 0, 0, 0));
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream p = new PrintStream(err, true, StandardCharsets.UTF_8);
        Progress.of(p, "/small", Progress.MIN_BYTES - 1, true).finish(5);
        Progress.of(p, "/batch", 1L << 30, false).finish(5);
        assertEquals("", err.toString(StandardCharsets.UTF_8), "no bar for small files or without a terminal");
        Progress big = Progress.of(p, "/big", 1L << 30, true);
        big.update(1L << 29);
        big.finish(1L << 30);
        String out = err.toString(StandardCharsets.UTF_8);
        String[] draws = out.split("\r", -1);
        assertEquals(3, draws.length, out);
        assertTrue(draws[1].startsWith("/big [===============>") && draws[1].contains(" 50% 512.0M/1.0G "), out);
        assertTrue(draws[2].startsWith("/big [==============================] 100% 1.0G/1.0G ") && draws[2].endsWith(" MB/s\n"), out);
    }

    @Test
    void badModesAndChunkSizesAreUsageErrors() {
        Cli.Result chmod = Cli.run(Path.of(""), "fs", "--replicas", "127.0.0.1:1", "chmod", "rwx", "/a");
        assertEquals(2, chmod.code(), chmod.toString());
        assertEquals("boom: error: chmod: invalid mode 'rwx': give octal digits, like 755\n", chmod.err());
        Cli.Result put = Cli.run(Path.of(""), "fs", "--replicas", "127.0.0.1:1", "put", "--chunk-size", "2G", "x", "/x");
        assertEquals(2, put.code(), put.toString());
        assertEquals("boom: error: put: the chunk size is 1 byte to 1G and the replication 1 to 8\n", put.err());
        Cli.Result size = Cli.run(Path.of(""), "fs", "put", "--chunk-size", "lots", "x", "/x");
        assertEquals(2, size.code(), size.toString());
        assertTrue(size.err().contains("'lots' is not a size"), size.toString());
    }
}
