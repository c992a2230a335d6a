package io.boomfs.chaos.check;

import io.boomfs.chaos.history.Call;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Every file alive at quiescence holds what was written to it: for each file (by id) listed at
 * the end, the content read back is the payload whose {@code write-data} (write, then complete)
 * was acknowledged; when the write's outcome is unknown, that payload or nothing (it was never
 * completed); with no write, nothing. A file that cannot be read, holds another payload or
 * corrupt bytes is a violation: data lost or damaged through the faults (datanode kills
 * included).
 */
public final class FileContents {
    public static final String NAME = "file-contents";
    /** The content of a file without a byte. */
    public static final String EMPTY = "EMPTY";

    private FileContents() {
    }

    /**
     * @param calls      the history's calls; {@code write-data} calls have key {@code file/<id>} and the payload number
     * @param finalFiles each file listed at quiescence by {@code file/<id>}: the payload number read back,
     *                   {@link #EMPTY}, {@code CORRUPT: ...} or {@code UNREADABLE: ...}
     */
    public static Verdict check(List<Call> calls, Map<String, Object> finalFiles) {
        Map<String, List<Call>> byKey = Linearizability.byKey(calls);
        List<String> bad = new ArrayList<>();
        int written = 0;
        for (Map.Entry<String, Object> e : finalFiles.entrySet()) {
            List<Call> writes = byKey.getOrDefault(e.getKey(), List.of()).stream().filter(c -> c.f().equals("write-data")).toList();
            Object got = e.getValue();
            boolean fine;
            if (writes.isEmpty()) {
                fine = EMPTY.equals(got);
            } else {
                Call w = writes.get(0);
                written += w.known() ? 1 : 0;
                fine = Objects.equals(got, w.argument()) || !w.known() && EMPTY.equals(got);
            }
            if (!fine || writes.size() > 1) {
                bad.add(e.getKey() + ": read back " + got + "; written: " + (writes.isEmpty() ? "nothing"
                    : writes.stream().map(Call::describe).toList()));
            }
        }
        if (!bad.isEmpty()) {
            return Verdict.invalid(NAME, bad.size() + " of " + finalFiles.size() + " files do not hold what was written",
                String.join("\n", bad));
        }
        return Verdict.valid(NAME, finalFiles.size() + " files read back, each holds what was written (" + written
            + " with an acknowledged write)");
    }
}
