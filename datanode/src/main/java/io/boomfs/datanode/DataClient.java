package io.boomfs.datanode;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.zip.CRC32C;

/**
 * Writes chunks through datanode pipelines and reads them back (DATANODE.md, "The protocol").
 * A write returns only when every datanode of the pipeline has the chunk on disk, or throws a
 * {@link DataTransferException} naming the datanode that failed; a read checks the CRC32C of
 * every frame it receives. One connection per transfer. Thread-safe: transfers may run
 * concurrently, each on its caller's thread.
 */
public final class DataClient implements AutoCloseable {
    /**
     * A client's timeouts.
     *
     * @param connectTimeoutMs connecting to a datanode
     * @param ioTimeoutMs      each step of a transfer: a frame in or out, a reply; a write's
     *                         waits on its first datanode are this times the pipeline's length
     */
    public record Config(long connectTimeoutMs, long ioTimeoutMs) {
        public Config {
            if (Math.min(connectTimeoutMs, ioTimeoutMs) < 1 || Math.max(connectTimeoutMs, ioTimeoutMs) > DataServer.Config.MAX_TIMEOUT_MS) {
                throw new IllegalArgumentException("timeouts must be 1.." + DataServer.Config.MAX_TIMEOUT_MS + " ms, not "
                    + connectTimeoutMs + " and " + ioTimeoutMs);
            }
        }

        /** 5 s to connect, 30 s per step: the datanodes' defaults. */
        public static Config defaults() {
            return new Config(5_000, 30_000);
        }
    }

    private final Config config;
    private final Watchdog watchdog;

    public DataClient(Config config) {
        this.config = config;
        this.watchdog = new Watchdog("data-client-watchdog", Math.max(10, Math.min(100, config.ioTimeoutMs() / 5)));
    }

    /**
     * Writes chunk {@code chunkId}, the first {@code length} bytes of {@code data}, to every
     * datanode of {@code pipeline} (addresses {@code host:port}; the data flows through them in
     * that order). A chunk already on a datanode is replaced.
     *
     * @throws DataTransferException a datanode failed or refused; {@link DataTransferException#datanode()}
     *                               names it. Datanodes before it keep nothing; ones after it may
     *                               keep a complete copy (an orphan the metadata service deletes).
     * @throws IOException           reading {@code data} failed or it ended early (nothing is kept)
     */
    public void write(List<String> pipeline, long chunkId, InputStream data, long length) throws IOException {
        write(pipeline, chunkId, data, length, "");
    }

    /**
     * Like {@link #write(List, long, InputStream, long)}, with the WRITE {@link ChunkToken} for
     * the chunk (empty for none) that every datanode of the pipeline checks when it requires
     * tokens ({@link ErrorCode#ACCESS_DENIED}, {@link ErrorCode#TOKEN_EXPIRED} when refused).
     */
    public void write(List<String> pipeline, long chunkId, InputStream data, long length, String token) throws IOException {
        checkPipeline(pipeline);
        if (length < 0 || length > ChunkFormat.MAX_CHUNK_BYTES) {
            throw new IllegalArgumentException("a chunk holds 0 to " + ChunkFormat.MAX_CHUNK_BYTES + " bytes, not " + length);
        }
        Protocol.Write request = new Protocol.Write(chunkId, length, pipeline.subList(1, pipeline.size()), token);
        try (WriteLink link = WriteLink.open(pipeline.get(0), request, watchdog, config.connectTimeoutMs(),
            config.ioTimeoutMs() * pipeline.size())) {
            byte[] block = new byte[ChunkFormat.BLOCK_BYTES];
            CRC32C crc = new CRC32C();
            for (long sent = 0; sent < length; ) {
                int n = (int) Math.min(ChunkFormat.BLOCK_BYTES, length - sent);
                if (data.readNBytes(block, 0, n) < n) {
                    // Closing the link mid-chunk makes every datanode discard what it has.
                    throw new EOFException("the data of chunk " + ChunkFormat.hex(chunkId) + " ended before its " + length + " bytes");
                }
                crc.reset();
                crc.update(block, 0, n);
                link.send(block, n, (int) crc.getValue());
                sent += n;
            }
            link.awaitStored();
        }
    }

    /** Writes chunk {@code chunkId} holding {@code data} to every datanode of {@code pipeline}. */
    public void write(List<String> pipeline, long chunkId, byte[] data) throws IOException {
        write(pipeline, chunkId, data, "");
    }

    /** Writes chunk {@code chunkId} holding {@code data} with its WRITE {@code token}. */
    public void write(List<String> pipeline, long chunkId, byte[] data, String token) throws IOException {
        write(pipeline, chunkId, new ByteArrayInputStream(data), data.length, token);
    }

    private static void checkPipeline(List<String> pipeline) {
        if (pipeline.isEmpty() || pipeline.size() > Protocol.MAX_PIPELINE) {
            throw new IllegalArgumentException("a pipeline has 1 to " + Protocol.MAX_PIPELINE + " datanodes, not " + pipeline.size());
        }
        for (String a : pipeline) {
            checkAddress(a);
        }
        if (new HashSet<>(pipeline).size() != pipeline.size()) {
            throw new IllegalArgumentException("a pipeline names a datanode twice: " + String.join(",", pipeline));
        }
    }

    private static void checkAddress(String a) {
        String why = Protocol.checkAddress(a);
        if (why != null) {
            throw new IllegalArgumentException("bad datanode address \"" + Protocol.printable(a) + "\": " + why);
        }
    }

    /**
     * Opens a read of {@code length} bytes (cut at the chunk's end) of chunk {@code chunkId}
     * from {@code offset}, on the datanode at {@code datanode}. The stream verifies each frame
     * before returning its bytes; a failure is a {@link DataTransferException} from its read.
     *
     * @throws DataTransferException the datanode is unreachable, has no such chunk
     *                               ({@link ErrorCode#NOT_FOUND}), or {@code offset} is past its end
     */
    public ChunkInputStream read(String datanode, long chunkId, long offset, long length) throws DataTransferException {
        return read(datanode, chunkId, offset, length, "");
    }

    /** Like {@link #read(String, long, long, long)}, with the READ {@link ChunkToken} for the chunk (empty for none). */
    public ChunkInputStream read(String datanode, long chunkId, long offset, long length, String token)
        throws DataTransferException {
        checkAddress(datanode);
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("a read needs a non-negative offset and length, not " + offset + " and " + length);
        }
        Link link = Link.connect(datanode, watchdog, config.connectTimeoutMs());
        try {
            link.guard.arm(config.ioTimeoutMs());
            Protocol.writeRequest(link.out, new Protocol.Read(chunkId, offset, length, token));
            link.out.flush();
            int type = link.in.readUnsignedByte();
            if (type == Protocol.ERROR) {
                throw errorFrom(Protocol.readError(link.in), datanode);
            }
            if (type != Protocol.READ_OK) {
                throw new Protocol.Malformed("frame type " + type + " in reply to a read");
            }
            long chunkLength = link.in.readLong();
            long count = link.in.readLong();
            link.guard.disarm();
            if (chunkLength < 0 || count < 0 || count > length || offset + count > chunkLength) {
                throw new Protocol.Malformed("a read of " + length + " bytes at offset " + offset + " announced " + count
                    + " bytes of a chunk of " + chunkLength);
            }
            return new ChunkInputStream(link, datanode, chunkId, offset, chunkLength, count);
        } catch (IOException e) {
            link.close();
            throw link.lost(e, "while starting a read", config.ioTimeoutMs());
        }
    }

    /** Reads all of chunk {@code chunkId} from the datanode at {@code datanode}. */
    public byte[] readAll(String datanode, long chunkId) throws IOException {
        return readAll(datanode, chunkId, "");
    }

    /** Reads all of chunk {@code chunkId} with its READ {@code token}. */
    public byte[] readAll(String datanode, long chunkId, String token) throws IOException {
        try (ChunkInputStream in = read(datanode, chunkId, 0, Long.MAX_VALUE, token)) {
            return in.readAllBytes();
        }
    }

    private static DataTransferException errorFrom(Protocol.ErrorReply e, String dialed) {
        Protocol.ErrorReply named = e.from(dialed);
        return new DataTransferException(named.code(), named.datanode(), named.message());
    }

    /** Stops the watchdog; transfers in progress lose their timeouts. */
    @Override
    public void close() {
        watchdog.close();
    }

    /**
     * The data of one read, verified frame by frame: a frame's bytes are returned only after
     * its CRC32C matched. Not thread-safe.
     */
    public final class ChunkInputStream extends InputStream {
        private final Link link;
        private final String datanode;
        private final long chunkId;
        private final long chunkLength;
        private final long length;
        private final byte[] frame = new byte[ChunkFormat.BLOCK_BYTES];
        private final CRC32C crc = new CRC32C();
        private long offset;
        private long left;
        private int pos;
        private int limit;

        private ChunkInputStream(Link link, String datanode, long chunkId, long offset, long chunkLength, long length) {
            this.link = link;
            this.datanode = datanode;
            this.chunkId = chunkId;
            this.offset = offset;
            this.chunkLength = chunkLength;
            this.length = length;
            this.left = length;
        }

        /** The length of the whole chunk on that datanode. */
        public long chunkLength() {
            return chunkLength;
        }

        /** The bytes this read returns in all. */
        public long length() {
            return length;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) {
                return 0;
            }
            if (pos == limit) {
                if (left == 0) {
                    close();
                    return -1;
                }
                nextFrame();
            }
            int n = Math.min(len, limit - pos);
            System.arraycopy(frame, pos, b, off, n);
            pos += n;
            return n;
        }

        private void nextFrame() throws IOException {
            try {
                link.guard.arm(config.ioTimeoutMs());
                int type = link.in.readUnsignedByte();
                if (type == Protocol.ERROR) {
                    throw errorFrom(Protocol.readError(link.in), datanode);
                }
                if (type != Protocol.DATA) {
                    throw new Protocol.Malformed("frame type " + type + " in the data of a read");
                }
                int n = link.in.readInt();
                int sent = link.in.readInt();
                // The datanode cuts its data at block boundaries, and only there.
                long expected = Math.min(left, ChunkFormat.BLOCK_BYTES - offset % ChunkFormat.BLOCK_BYTES);
                if (n != expected) {
                    throw new Protocol.Malformed("a data frame of " + n + " bytes at offset " + offset);
                }
                link.in.readFully(frame, 0, n);
                link.guard.disarm();
                crc.reset();
                crc.update(frame, 0, n);
                if ((int) crc.getValue() != sent) {
                    throw new DataTransferException(ErrorCode.CHECKSUM, datanode, "the data of chunk " + ChunkFormat.hex(chunkId)
                        + " at offset " + offset + " arrived with a wrong checksum");
                }
                pos = 0;
                limit = n;
                offset += n;
                left -= n;
            } catch (IOException e) {
                close();
                throw link.lost(e, "in the middle of a read of chunk " + ChunkFormat.hex(chunkId), config.ioTimeoutMs());
            }
        }

        @Override
        public void close() {
            link.close();
        }
    }
}
