package io.boomfs.datanode;

import java.io.IOException;

/**
 * A {@link ChunkStore} operation failed; the message is one line that names the chunk. The
 * subclasses are the failures a caller acts on differently: a corrupt replica (re-replicate it
 * from another one), no space (write elsewhere), a missing chunk, a chunk being written.
 * Anything else (an I/O error of the disk) is this class itself.
 */
public class ChunkStoreException extends IOException {
    private static final long serialVersionUID = 1L;

    public ChunkStoreException(String message) {
        super(message);
    }

    public ChunkStoreException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A stored replica failed a checksum or its file is malformed: it is never served. */
    public static final class Corrupt extends ChunkStoreException {
        private static final long serialVersionUID = 1L;
        private final long chunkId;
        private final long offset;

        /**
         * @param offset the offset in the chunk's data of the block that failed its checksum, or -1
         *               when the file's header or size is wrong (the whole replica is unusable)
         */
        public Corrupt(long chunkId, long offset, String detail) {
            super("chunk " + ChunkFormat.hex(chunkId) + " is corrupt" + (offset >= 0 ? " at offset " + offset : "") + ": " + detail);
            this.chunkId = chunkId;
            this.offset = offset;
        }

        public long chunkId() {
            return chunkId;
        }

        public long offset() {
            return offset;
        }
    }

    /** The write would exceed the datanode's configured capacity, or the disk is full. Nothing was kept. */
    public static final class NoSpace extends ChunkStoreException {
        private static final long serialVersionUID = 1L;

        public NoSpace(String message) {
            super(message);
        }
    }

    /** The datanode holds no such chunk. */
    public static final class NotFound extends ChunkStoreException {
        private static final long serialVersionUID = 1L;

        public NotFound(long chunkId) {
            super("no chunk " + ChunkFormat.hex(chunkId) + " on this datanode");
        }
    }

    /** A read starts past the end of the chunk. */
    public static final class OutOfRange extends ChunkStoreException {
        private static final long serialVersionUID = 1L;

        public OutOfRange(String message) {
            super(message);
        }
    }

    /** Another write of the same chunk is in progress here; one of the two would be lost. */
    public static final class Busy extends ChunkStoreException {
        private static final long serialVersionUID = 1L;

        public Busy(long chunkId) {
            super("chunk " + ChunkFormat.hex(chunkId) + " is being written by another transfer");
        }
    }
}
