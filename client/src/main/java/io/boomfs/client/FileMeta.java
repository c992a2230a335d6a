package io.boomfs.client;

import java.util.List;

/**
 * The shard's ops on a file's chunks (metadata-shard/DESIGN.md, "Files, chunks and write
 * leases") that {@link BoomOutputStream} and {@link BoomInputStream} need. {@link MetaClient}
 * implements them over the shard; a stream sees nothing else of the metadata service, so its
 * pipeline and location logic can be tested against real datanodes with the shard's rules
 * stood in for. Every failure is a {@link MetaClient.FsException} with the shard's code.
 */
public interface FileMeta {
    /** The length of a chunk every datanode of its pipeline acknowledged. */
    record Commit(long chunkId, long length) {
    }

    /** What {@code add_chunk} gives: a new last chunk of the file and the pipeline to write it to. */
    record Placement(long chunkId, long idx, List<String> targets, String token) {
        /** Without a token ("": a cluster without a key). */
        Placement(long chunkId, long idx, List<String> targets) {
            this(chunkId, idx, targets, "");
        }
    }

    /** One chunk of a file as {@code open} tells it; {@code length} is -1 until committed. */
    record Chunk(long chunkId, long idx, long length, List<String> locations, String token) {
        /** Without a token ("": a cluster without a key). */
        Chunk(long chunkId, long idx, long length, List<String> locations) {
            this(chunkId, idx, length, locations, "");
        }
    }

    /** One page of {@code open}: the file and its chunks from some index on. */
    record OpenPage(long fileId, long size, String state, long chunkSize, List<Chunk> chunks, boolean more) {
    }

    /**
     * {@code add_chunk}: commits {@code commit} (the previous chunk's length, or null), drops
     * {@code abandon} (the last chunk, whose pipeline failed, or null) and places a new last
     * chunk on datanodes not in {@code exclude}.
     */
    Placement addChunk(long fileId, String holder, Commit commit, Long abandon, List<String> exclude);

    /** {@code complete}: commits {@code commit} (the last chunk, or null) and closes the file; returns its size. */
    long complete(long fileId, String holder, Commit commit, long mtimeMs);

    /** {@code open}: the file at {@code path} with at most {@code limit} chunks from index {@code fromIdx} on. */
    OpenPage open(String path, long fromIdx, long limit);
}
