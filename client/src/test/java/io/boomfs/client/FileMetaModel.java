package io.boomfs.client;

import io.boomfs.client.MetaClient.FsException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The shard's file ops as metadata-shard/DESIGN.md states them ("Files, chunks and write
 * leases"), in memory, for testing the streams against real datanodes before (and besides) the
 * shard's rules: add_chunk commits, abandons, excludes and places on the datanodes it was given
 * (rotating, so pipelines differ); complete requires every length; open pages the chunks with
 * their pipelines as locations. Every op is logged in {@link #log} as the client sent it.
 */
final class FileMetaModel implements FileMeta {
    private static final class Row {
        final long chunkId;
        final List<String> targets;
        long length = -1;

        Row(long chunkId, List<String> targets) {
            this.chunkId = chunkId;
            this.targets = targets;
        }
    }

    private static final class File {
        final long id;
        final long repl;
        final long chunkSize;
        final String holder;
        final List<Row> chunks = new ArrayList<>();
        boolean open = true;

        File(long id, long repl, long chunkSize, String holder) {
            this.id = id;
            this.repl = repl;
            this.chunkSize = chunkSize;
            this.holder = holder;
        }
    }

    final List<String> log = new ArrayList<>();
    private final List<String> datanodes;
    private final Map<String, File> byPath = new HashMap<>();
    private final Map<Long, File> byId = new HashMap<>();
    private long next = 100;
    private int rotate;

    FileMetaModel(List<String> datanodes) {
        this.datanodes = datanodes;
    }

    synchronized long create(String path, long repl, long chunkSize, String holder) {
        File f = new File(next++, repl, chunkSize, holder);
        byPath.put(path, f);
        byId.put(f.id, f);
        return f.id;
    }

    private File held(long fileId, String holder) {
        File f = byId.get(fileId);
        if (f == null) {
            throw new FsException("NOT_FOUND", "no file " + fileId);
        }
        if (!f.open || !f.holder.equals(holder)) {
            throw new FsException("LEASE_HELD", "file " + fileId + " is not open for " + holder);
        }
        return f;
    }

    private static void commit(File f, Commit c) {
        if (c != null) {
            Row r = f.chunks.stream().filter(x -> x.chunkId == c.chunkId()).findFirst().orElseThrow();
            r.length = c.length();
        }
    }

    @Override
    public synchronized Placement addChunk(long fileId, String holder, Commit commit, Long abandon, List<String> exclude) {
        log.add("add_chunk commit=" + (commit == null ? null : commit.length()) + " abandon=" + (abandon != null)
            + " exclude=" + exclude);
        File f = held(fileId, holder);
        commit(f, commit);
        if (abandon != null) {
            Row lastRow = f.chunks.get(f.chunks.size() - 1);
            if (lastRow.chunkId != abandon) {
                throw new FsException("INVALID_OP", "abandon names a chunk that is not the last");
            }
            f.chunks.remove(f.chunks.size() - 1);
        }
        List<String> live = new ArrayList<>(datanodes);
        live.removeAll(exclude);
        if (live.isEmpty()) {
            throw new FsException("NO_DATANODES", "no live datanode with room");
        }
        List<String> targets = new ArrayList<>();
        int start = rotate++;
        for (int i = 0; i < Math.min(f.repl, live.size()); i++) {
            targets.add(live.get((start + i) % live.size()));
        }
        Row r = new Row(next++, targets);
        f.chunks.add(r);
        return new Placement(r.chunkId, f.chunks.size() - 1, List.copyOf(targets));
    }

    @Override
    public synchronized long complete(long fileId, String holder, Commit commit, long mtimeMs) {
        log.add("complete commit=" + (commit == null ? null : commit.length()));
        File f = held(fileId, holder);
        commit(f, commit);
        if (f.chunks.stream().anyMatch(r -> r.length < 0)) {
            throw new FsException("INVALID_OP", "a chunk of file " + fileId + " has no length");
        }
        f.open = false;
        return size(f);
    }

    private static long size(File f) {
        return f.chunks.stream().mapToLong(r -> Math.max(0, r.length)).sum();
    }

    @Override
    public synchronized OpenPage open(String path, long fromIdx, long limit) {
        log.add("open from=" + fromIdx);
        File f = byPath.get(path);
        if (f == null) {
            throw new FsException("NOT_FOUND", "no such file or directory: " + path);
        }
        List<Chunk> page = new ArrayList<>();
        for (long i = fromIdx; i < f.chunks.size() && page.size() < limit; i++) {
            Row r = f.chunks.get((int) i);
            page.add(new Chunk(r.chunkId, i, r.length, r.targets));
        }
        return new OpenPage(f.id, size(f), f.open ? "open" : "closed", f.chunkSize, page, fromIdx + page.size() < f.chunks.size());
    }

    /** The pipeline chunk {@code idx} of {@code path} was written to. */
    synchronized List<String> targets(String path, int idx) {
        return byPath.get(path).chunks.get(idx).targets;
    }

    synchronized long chunkId(String path, int idx) {
        return byPath.get(path).chunks.get(idx).chunkId;
    }
}
