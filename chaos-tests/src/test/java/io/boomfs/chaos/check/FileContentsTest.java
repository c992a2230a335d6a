package io.boomfs.chaos.check;

import io.boomfs.chaos.history.Call;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a file may hold at quiescence, given what was written into it. */
class FileContentsTest {
    private final List<Call> calls = new java.util.ArrayList<>();

    FileContentsTest() {
        calls.addAll(new Histories("file/1").invoke(0, "write-data", 7L).ok(0, "write-data", null).calls());
        calls.addAll(new Histories("file/2").invoke(1, "write-data", 8L).info(1, "write-data").calls());
    }

    @Test
    void anAcknowledgedWriteMustBeReadBackExactly() {
        assertEquals(Boolean.TRUE, FileContents.check(calls, Map.of("file/1", 7L)).valid());
        Verdict v = FileContents.check(calls, Map.of("file/1", FileContents.EMPTY));
        assertEquals(Boolean.FALSE, v.valid());
        assertTrue(v.details().startsWith("file/1: read back EMPTY; written: [#0 p0 write-data file/1 7 -> null"), v.details());
        assertEquals(Boolean.FALSE, FileContents.check(calls, Map.of("file/1", "UNREADABLE: no live datanode")).valid());
        assertEquals(Boolean.FALSE, FileContents.check(calls, Map.of("file/1", 8L)).valid());
    }

    @Test
    void anUnknownWriteMayHaveCompletedOrNot() {
        assertEquals(Boolean.TRUE, FileContents.check(calls, Map.of("file/2", 8L)).valid());
        assertEquals(Boolean.TRUE, FileContents.check(calls, Map.of("file/2", FileContents.EMPTY)).valid());
        assertEquals(Boolean.FALSE, FileContents.check(calls, Map.of("file/2", "CORRUPT: payload 8 should be 2000 bytes, read 1000")).valid());
    }

    @Test
    void aFileNobodyWroteIsEmpty() {
        assertEquals(Boolean.TRUE, FileContents.check(calls, Map.of("file/3", FileContents.EMPTY)).valid());
        assertEquals(Boolean.FALSE, FileContents.check(calls, Map.of("file/3", 7L)).valid());
    }
}
