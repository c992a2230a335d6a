package io.boomfs.meta;

import java.util.List;
import java.util.Map;

/**
 * The shape of every namespace op (DESIGN.md, "Ops"): its fields and their types, checked before
 * any rule looks at the op, so that a malformed request is answered {@code INVALID_OP} with the
 * reason and never reaches a typed table. Fields a leader stamps ({@code NowMs}, the targets) may
 * be null or absent when the op is sent.
 */
final class OpShape {
    /**
     * Field types: {@code P} a path (a list; its names are checked by the rules; or a hinted path,
     * {@link #hinted}), {@code B} a
     * boolean, {@code L} a long, {@code S} a string, {@code C} a commit (a list of two longs),
     * {@code X} a list of strings, {@code A} anything; a trailing {@code ?} allows null (or a missing last field).
     */
    private static final Map<String, List<String>> FIELDS = Map.ofEntries(
        Map.entry("mkdirs", List.of("P:path", "L:mode", "S:owner", "L:mtime")),
        Map.entry("create", List.of("P:path", "B:overwrite", "L:replication", "L:chunk size", "S:holder", "L:mode",
            "S:owner", "L:mtime", "L?:now")),
        Map.entry("delete", List.of("P:path", "B:recursive")),
        Map.entry("rename", List.of("P:source", "P:destination")),
        Map.entry("setattr", List.of("P:path", "L?:mode", "S?:owner", "L?:mtime", "L?:replication")),
        Map.entry("stat", List.of("P:path")),
        Map.entry("list", List.of("P:path", "S?:start after", "L:limit")),
        Map.entry("open", List.of("P:path", "L:from index", "L:limit")),
        Map.entry("add_chunk", List.of("L:file id", "S:holder", "C?:commit", "L?:abandon", "X:exclude", "L?:now",
            "X?:targets")),
        Map.entry("complete", List.of("L:file id", "S:holder", "C?:commit", "L:mtime", "L?:now")),
        Map.entry("renew", List.of("S:holder", "L?:now")),
        Map.entry("recover", List.of("L:file id", "L?:now")),
        Map.entry("gc", List.of("L?:now")),
        // Between groups (DESIGN.md, "Partitioning"), and the client's question about a transaction.
        Map.entry("tx_prep", List.of("A:transaction", "L:epoch", "A:parts", "L:coordinator")),
        Map.entry("tx_end", List.of("A:transaction", "B:commit", "A?:why")),
        Map.entry("tx_fin", List.of("A:transaction", "B:commit")),
        Map.entry("tx_gc", List.of("A:transaction")),
        Map.entry("tx_result", List.of("A:transaction")),
        Map.entry("drop", List.of("L:id", "B:is a directory", "L:from group")),
        Map.entry("dropped", List.of("L:id")),
        // Moving a vpart (DESIGN.md, "Moving a vpart"), and the map.
        Map.entry("mv_begin", List.of("L:vpart", "L:to group")),
        Map.entry("mv_rows", List.of("L:vpart", "L:from group", "L:copy", "S:kind", "L:page", "L:pages", "A:rows")),
        Map.entry("mv_freeze", List.of("L:vpart")),
        Map.entry("mv_map", List.of("L:vpart", "L:to group", "L:from group", "L:copy", "L:pages")),
        Map.entry("mv_own", List.of("L:vpart", "L:from group", "L:map epoch", "L:copy", "L:pages")),
        Map.entry("mv_done", List.of("L:vpart", "L:to group", "L:map epoch", "L?:buckets a drop")),
        Map.entry("mv_drop", List.of("L:vpart", "L:bucket", "L?:buckets")),
        Map.entry("mv_status", List.of("L:vpart")),
        Map.entry("map", List.of()),
        Map.entry("map_sync", List.of("A:moves")),
        Map.entry("load", List.of()),
        // Users (DESIGN.md, "Users and permissions"): the hash is Access.hash of the user's secret.
        Map.entry("user_add", List.of("S:name", "S:hash", "X:groups", "B:superuser")),
        Map.entry("user_del", List.of("S:name")),
        Map.entry("users", List.of()));

    /** The ops whose hint may name the path itself (they read or change what it leads to, not its name). */
    private static final java.util.Set<String> HINT_AT_PATH = java.util.Set.of("stat", "list", "open", "setattr");

    /** Limits on numeric fields a writer chooses. */
    static final long MAX_REPLICATION = 16;
    static final long MAX_CHUNK_SIZE = 1L << 30;

    private OpShape() {
    }

    /** Why {@code op} is not a well-formed namespace op, or null when it is. */
    static String error(Object op) {
        if (!(op instanceof List<?> l) || l.isEmpty() || !(l.get(0) instanceof String kind)) {
            return "an op is a list that starts with its name, not " + op;
        }
        List<String> fields = FIELDS.get(kind);
        if (fields == null) {
            return "unknown op " + kind;
        }
        int given = l.size() - 1;
        // Only trailing optional fields may be left out.
        int required = fields.size();
        while (required > 0 && fields.get(required - 1).contains("?")) {
            required--;
        }
        if (given > fields.size() || given < required) {
            return kind + " takes " + fields.size() + " fields (" + String.join(", ", fields.stream()
                .map(f -> f.substring(f.indexOf(':') + 1)).toList()) + "), not " + given;
        }
        for (int i = 0; i < given; i++) {
            String f = fields.get(i);
            String why = fieldError(f.charAt(0), f.contains("?"), l.get(i + 1), HINT_AT_PATH.contains(kind));
            if (why != null) {
                return kind + ": " + f.substring(f.indexOf(':') + 1) + " " + why;
            }
        }
        if (kind.equals("create")) {
            String why = rangeError(kind, "replication", (Long) l.get(3), 1, MAX_REPLICATION);
            return why != null ? why : rangeError(kind, "chunk size", (Long) l.get(4), 1, MAX_CHUNK_SIZE);
        }
        if (kind.equals("setattr") && l.get(5) != null) {
            return rangeError(kind, "replication", (Long) l.get(5), 1, MAX_REPLICATION);
        }
        return null;
    }

    /**
     * Whether a path field is a hinted path: {@code [Path, Epoch, DirId, Depth]}, the names with
     * what the client knows of them: the first {@code Depth} names (not all of them, unless there
     * are none) lead to directory {@code DirId} as of the namespace's directory epoch {@code
     * Epoch} (DESIGN.md, "Hinted paths"). A
     * plain path is a list of names, so a list whose first element is a list is never one.
     */
    static boolean hinted(Object v) {
        return v instanceof List<?> l && l.size() == 4 && l.get(0) instanceof List<?>;
    }

    private static String hintError(List<?> h, boolean atPath) {
        if (!(h.get(1) instanceof Long) || !(h.get(2) instanceof Long) || !(h.get(3) instanceof Long depth)) {
            return "is [names, epoch, directory id, depth] with three whole numbers, not " + h;
        }
        // A hint names the parent at the deepest (the ops that change a name need the walk there),
        // or the path itself for the ops that read or change what it leads to.
        int names = ((List<?>) h.get(0)).size();
        int deepest = atPath ? names : Math.max(0, names - 1);
        return depth < 0 || depth > deepest
            ? "hints depth " + depth + " of a path of " + names + " names (0.." + deepest
            + (atPath ? ")" : ": the parent at the deepest)") : null;
    }

    private static String rangeError(String kind, String field, long v, long lo, long hi) {
        return v < lo || v > hi ? kind + ": " + field + " " + v + " is not in " + lo + ".." + hi : null;
    }

    private static String fieldError(char type, boolean nullable, Object v, boolean atPath) {
        if (v == null) {
            return nullable ? null : "is missing (null)";
        }
        boolean ok = switch (type) {
            case 'P' -> v instanceof List<?> && (!hinted(v) || hintError((List<?>) v, atPath) == null);
            case 'A' -> true;
            case 'B' -> v instanceof Boolean;
            case 'L' -> v instanceof Long;
            case 'S' -> v instanceof String;
            case 'C' -> v instanceof List<?> c && c.size() == 2 && c.get(0) instanceof Long
                && c.get(1) instanceof Long len && len >= 0;
            case 'X' -> v instanceof List<?> x && x.stream().allMatch(e -> e instanceof String);
            default -> throw new IllegalStateException("field type " + type);
        };
        if (ok) {
            return null;
        }
        return switch (type) {
            case 'P' -> hinted(v) ? hintError((List<?>) v, atPath) : "is a list of names, not " + v;
            case 'B' -> "is true or false, not " + v;
            case 'L' -> "is a whole number, not " + v;
            case 'S' -> "is a string, not " + v;
            case 'C' -> "is [chunk id, length >= 0], not " + v;
            default -> "is a list of strings, not " + v;
        };
    }
}
