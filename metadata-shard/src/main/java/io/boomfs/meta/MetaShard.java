package io.boomfs.meta;

import io.boomfs.datanode.ControlPath;
import io.boomfs.engine.ValueList;
import io.boomfs.engine.lang.Functions;
import io.boomfs.engine.lang.Type;
import io.boomfs.engine.program.Program;
import io.boomfs.paxos.ReplicatedLog;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A metadata shard: the namespace rules ({@code namespace.olg}) as the state machine of a
 * replicated log (paxos), with the datanode messages' declarations. Java adds only small
 * functions the rules call: {@code path_error} (why a path is not acceptable, or null), {@code
 * op_error} (why an op is malformed: {@link OpShape}), {@code path_of} and {@code path_hint} (the
 * two halves of a path field, DESIGN.md "Hinted paths"), {@code join}, {@code coalesce}, {@code
 * put} (a list with one element set) and {@code col} (one column of a list of rows).
 */
public final class MetaShard {
    /** Limits on paths (DESIGN.md): characters a name, characters a path, names a path. */
    public static final int MAX_NAME = 255;
    public static final int MAX_PATH = 4096;
    public static final int MAX_DEPTH = 256;

    private MetaShard() {
    }

    /** The replica program: the Paxos roles and the namespace. */
    public static Program compile() {
        return ReplicatedLog.compile("namespace.olg", source(), MetaShard::functions);
    }

    /** The state machine's text: the datanode messages' declarations, then namespace.olg. */
    static String source() {
        return ControlPath.messagesText() + resource("namespace.olg");
    }

    static Functions functions(Functions f) {
        return f
            .register("path_error", 1, 1, Type.STRING, (a, now) -> pathError(a[0]))
            .register("join", 2, 2, Type.STRING, (a, now) -> a[0] instanceof List<?> l && a[1] instanceof String sep
                ? String.join(sep, l.stream().map(String::valueOf).toList()) : null)
            .register("coalesce", 2, 2, Type.ANY, (a, now) -> a[0] != null ? a[0] : a[1])
            .register("op_error", 1, 1, Type.STRING, (a, now) -> OpShape.error(a[0]))
            .register("path_of", 1, 1, Type.ANY, (a, now) -> OpShape.hinted(a[0]) ? ((List<?>) a[0]).get(0) : a[0])
            .register("path_hint", 1, 1, Type.ANY, (a, now) -> OpShape.hinted(a[0]) ? a[0] : null)
            .register("put", 3, 3, Type.ANY, (a, now) -> put(a[0], a[1], a[2]))
            .register("col", 2, 2, Type.ANY, (a, now) -> column(a[0], a[1]))
            .register("vpart", 1, 1, Type.LONG, (a, now) -> a[0] instanceof Long id ? vpart(id) : null)
            .register("mkid", 3, 3, Type.LONG, (a, now) -> a[0] instanceof Long v && a[1] instanceof Long g && a[2] instanceof Long c
                ? id(v, g, c) : null)
            .register("place", 3, 3, Type.LONG, (a, now) -> a[0] instanceof Long parent && a[1] instanceof String name
                && a[2] instanceof Long vparts ? place(parent, name, vparts) : null)
            .register("row_vpart", 1, 1, Type.LONG, (a, now) -> rowVpart(a[0]))
            .register("diff", 2, 2, Type.ANY, (a, now) -> a[0] instanceof List<?> pages && a[1] instanceof List<?> rows
                ? diff(pages, rows) : null)
            .register("slice", 3, 3, Type.ANY, (a, now) -> a[0] instanceof List<?> l && a[1] instanceof Long from
                && a[2] instanceof Long n ? ValueList.copyOf(new ArrayList<>(l.subList((int) Math.min(l.size(), Math.max(0, from)),
                (int) Math.min(l.size(), Math.max(0, from) + Math.max(0, n))))) : null)
            .register("page", 2, 2, Type.ANY, (a, now) -> a[0] instanceof List<?> rows && a[1] instanceof Long bytes
                ? page(rows, bytes) : null)
            .register("inner", 1, 1, Type.ANY, (a, now) -> Access.inner(a[0]))
            .register("ns_token", 4, 4, Type.STRING, (a, now) -> a[0] instanceof String key && a[1] instanceof Long chunk
                && a[2] instanceof String mode && a[3] instanceof Long expiry
                ? io.boomfs.datanode.ChunkToken.issue(key, chunk, io.boomfs.datanode.ChunkToken.Mode.valueOf(mode), expiry) : null)
            .register("sha256", 1, 1, Type.STRING, (a, now) -> a[0] instanceof String t ? Access.hash(t) : null)
            .register("may", 5, 5, Type.BOOL, (a, now) -> a[0] instanceof Long m && a[1] instanceof String o
                && a[2] instanceof String u && a[3] instanceof List<?> gs && a[4] instanceof Long w ? Access.may(m, o, u, gs, w) : null)
            .register("owner_user", 1, 1, Type.STRING, (a, now) -> a[0] instanceof String o ? Access.ownerUser(o) : null)
            .register("parent_mode", 1, 1, Type.LONG, (a, now) -> a[0] instanceof Long m ? Access.parentMode(m) : null)
            .register("mode_text", 1, 1, Type.STRING, (a, now) -> a[0] instanceof Long m ? Access.modeText(m) : null)
            .register("rights_text", 1, 1, Type.STRING, (a, now) -> a[0] instanceof Long w ? Access.rightsText(w) : null)
            // Functions of their arguments alone: rules may find rows by their values through
            // expression indexes (engine/LANGUAGE.md, "Expression indexes").
            .pure("vpart", "place");
    }

    /** Whether ops of this kind name a file by its id (they go to the file's group). */
    public static boolean byId(String kind) {
        return kind.equals("add_chunk") || kind.equals("complete") || kind.equals("recover");
    }

    /** The vpart an id belongs to (DESIGN.md, "Partitioning"). */
    public static long vpart(long id) {
        return id >>> 40;
    }

    /**
     * The id of counter {@code counter} of group {@code group} in vpart {@code vpart}: groups count
     * in disjoint ranges, so any group may allocate in any vpart.
     */
    public static long id(long vpart, long group, long counter) {
        return (vpart << 40) | (group << 32) | (counter & 0xFFFF_FFFFL);
    }

    /** The vpart of a new directory {@code name} in directory {@code parent}. */
    public static long place(long parent, String name, long vparts) {
        return Math.floorMod(io.boomfs.engine.Values.hashAll(parent, name), vparts);
    }

    /**
     * The vpart a snapshot row of the namespace belongs to (DESIGN.md, "Moving a vpart"): an
     * entry's parent's, a directory's, a file's (its chunks too), a garbage id's; -1 for the rows
     * that belong to the group (leases, transactions, moves).
     */
    static long rowVpart(Object row) {
        if (!(row instanceof List<?> r) || r.size() < 3 || !(r.get(0) instanceof String table)) {
            return -1;
        }
        Object id = switch (table) {
            case "entry", "dir", "inode", "fstate", "ns_garbage" -> r.get(1);
            case "fchunk" -> r.get(2);
            default -> null;
        };
        return id instanceof Long l ? vpart(l) : -1;
    }

    /**
     * What changed from the rows of {@code pages} to {@code rows}: {@code ["-", Row]} for each
     * row gone, {@code ["+", Row]} for each new one (a changed row is both).
     */
    static Object diff(List<?> pages, List<?> rows) {
        java.util.Set<Object> before = new java.util.HashSet<>();
        for (Object page : pages) {
            before.addAll((List<?>) page);
        }
        java.util.Set<Object> after = new java.util.HashSet<>(rows);
        List<Object> out = new ArrayList<>();
        for (Object r : before) {
            if (!after.contains(r)) {
                out.add(ValueList.of("-", r));
            }
        }
        for (Object r : rows) {
            if (!before.contains(r)) {
                out.add(ValueList.of("+", r));
            }
        }
        return ValueList.copyOf(out);
    }

    /**
     * The first page of {@code rows}: the leading rows that fit {@code bytes} on the wire (one at
     * least, which may exceed it alone). Only the rows it takes are sized: a move's copy asks for
     * a page of its whole difference every step (sizing all of it took 15% of a source leader's
     * CPU at 100,000 files).
     */
    static Object page(List<?> rows, long bytes) {
        List<Object> page = new ArrayList<>();
        long size = 0;
        for (Object row : rows) {
            long n = io.boomfs.engine.Values.estimatedSize(row);
            if (!page.isEmpty() && size + n > bytes) {
                break;
            }
            page.add(row);
            size += n;
        }
        return ValueList.copyOf(page);
    }

    /** {@code list} with element {@code index} set to {@code value} (nulls fill a gap); null for a non-list. */
    static Object put(Object list, Object index, Object value) {
        if (!(list instanceof List<?> l) || !(index instanceof Long i) || i < 0 || i > 1_000) {
            return null;
        }
        List<Object> out = new ArrayList<>(l);
        while (out.size() <= i) {
            out.add(null);
        }
        out.set(i.intValue(), value);
        return ValueList.copyOf(out);
    }

    /** Element {@code index} of every list in {@code rows} (a row too short gives null). */
    static Object column(Object rows, Object index) {
        if (!(rows instanceof List<?> l) || !(index instanceof Long i)) {
            return null;
        }
        List<Object> out = new ArrayList<>(l.size());
        for (Object row : l) {
            out.add(row instanceof List<?> r && i >= 0 && i < r.size() ? r.get(i.intValue()) : null);
        }
        return ValueList.copyOf(out);
    }

    /** Why {@code path} (a list of names) is not a valid path, or null when it is. */
    public static String pathError(Object path) {
        if (!(path instanceof List<?> names)) {
            return "a path is a list of names, not " + path;
        }
        if (names.size() > MAX_DEPTH) {
            return "more than " + MAX_DEPTH + " names";
        }
        int length = 0;
        for (Object o : names) {
            if (!(o instanceof String n)) {
                return "a name is a string, not " + o;
            }
            if (n.isEmpty()) {
                return "empty name";
            }
            if (n.equals(".") || n.equals("..")) {
                return "'" + n + "' is not a name";
            }
            if (n.indexOf('/') >= 0 || n.indexOf('\0') >= 0) {
                return "a name holds no '/' and no NUL: " + n.replace("\0", "\\0");
            }
            if (n.length() > MAX_NAME) {
                return "a name of " + n.length() + " characters (at most " + MAX_NAME + ")";
            }
            length += n.length() + 1;
        }
        if (length > MAX_PATH) {
            return "a path of " + length + " characters (at most " + MAX_PATH + ")";
        }
        return null;
    }

    static String resource(String name) {
        try (InputStream in = MetaShard.class.getResourceAsStream(name)) {
            return new String(Objects.requireNonNull(in, name).readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
