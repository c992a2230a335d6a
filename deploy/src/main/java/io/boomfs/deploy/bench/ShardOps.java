package io.boomfs.deploy.bench;

import io.boomfs.client.MetaClient;

import java.util.Arrays;
import java.util.List;

/**
 * The ops the benchmarks send a metadata shard, in the formats of metadata-shard/DESIGN.md
 * ("Ops"): the one place that follows them, for {@link BoomTarget} and {@code bench meta-heap}.
 */
final class ShardOps {
    static final long MODE_DIR = 0755;
    static final long MODE_FILE = 0644;
    static final long REPLICATION = 3;
    static final long CHUNK_SIZE = 64L << 20;
    static final String OWNER = "bench";
    /** Entries a list asks for: more than a benchmark directory holds, so one request lists it. */
    static final long LIST_LIMIT = 1_000;

    private ShardOps() {
    }

    static List<Object> mkdirs(String path, long mtimeMs) {
        return List.of("mkdirs", MetaClient.names(path), MODE_DIR, OWNER, mtimeMs);
    }

    /** An empty file, open for {@code holder} (a client id) until it completes it. NowMs is the leader's to stamp. */
    static List<Object> create(String path, String holder, long mtimeMs) {
        return Arrays.asList("create", MetaClient.names(path), false, REPLICATION, CHUNK_SIZE, holder, MODE_FILE, OWNER, mtimeMs,
            null);
    }

    /** A new chunk of an open file, on datanodes the leader picks (NowMs and Targets are its stamp). */
    static List<Object> addChunk(long fileId, String holder) {
        return Arrays.asList("add_chunk", fileId, holder, null, null, List.of(), null, null);
    }

    /**
     * Closes an open file; {@code commit} is null or {@code [chunk, length]}, the length its
     * pipeline stored. NowMs is the leader's to stamp.
     */
    static List<Object> complete(long fileId, String holder, List<Long> commit, long mtimeMs) {
        return Arrays.asList("complete", fileId, holder, commit, mtimeMs, null);
    }

    static List<Object> stat(String path) {
        return List.of("stat", MetaClient.names(path));
    }

    static List<Object> list(String path) {
        // Arrays.asList: StartAfter is null (from the first name), which List.of refuses.
        return Arrays.asList("list", MetaClient.names(path), null, LIST_LIMIT);
    }
}
