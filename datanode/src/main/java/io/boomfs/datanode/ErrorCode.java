package io.boomfs.datanode;

/**
 * Why a transfer failed, as an ERROR frame carries it (DATANODE.md, "Errors"). Together with
 * the address of the datanode that failed it tells a caller what to do: another pipeline
 * without that datanode, another replica, or nothing (a bad request is the caller's bug).
 */
public enum ErrorCode {
    /** The request or a frame is malformed or breaks the protocol; the connection is closed. */
    BAD_REQUEST(1),
    /** The request's protocol version is not this datanode's. */
    UNSUPPORTED_VERSION(2),
    /** The datanode runs its most transfers or connections already; try later or elsewhere. */
    BUSY(3),
    /** The datanode has no such chunk. */
    NOT_FOUND(4),
    /** A read starts past the end of the chunk. */
    OUT_OF_RANGE(5),
    /** The datanode's replica failed its checksum; nothing of the bad block was sent. */
    CORRUPT(6),
    /** The chunk does not fit in the datanode's capacity, or its disk is full. */
    NO_SPACE(7),
    /** The datanode's disk failed. */
    IO_ERROR(8),
    /** The datanode could not be connected to. */
    UNREACHABLE(9),
    /** The connection to the datanode broke or was closed in the middle of the transfer. */
    CONNECTION_LOST(10),
    /** The datanode did not answer, or did not take data, within the timeout. */
    TIMEOUT(11),
    /** Another transfer is writing the same chunk on that datanode. */
    CHUNK_BUSY(12),
    /** Data arrived at the datanode with a wrong checksum: the link or the sender corrupted it. */
    CHECKSUM(13),
    /** A bug in the datanode; its log has the stack trace. */
    INTERNAL(14),
    /**
     * The request has no chunk token, or one that is forged, damaged, or for another chunk or
     * mode ({@link ChunkToken}): asking again with the same token is useless.
     */
    ACCESS_DENIED(15),
    /** The request's chunk token was good but has expired: get a new one from the shard and retry. */
    TOKEN_EXPIRED(16);

    /** Wire numbers are below this: it sizes the tables indexed by them. */
    static final int WIRE_LIMIT = 32;
    private static final ErrorCode[] BY_WIRE = new ErrorCode[WIRE_LIMIT];

    static {
        for (ErrorCode c : values()) {
            BY_WIRE[c.wire] = c;
        }
    }

    private final int wire;

    ErrorCode(int wire) {
        this.wire = wire;
    }

    /** The code's number on the wire (a u16). */
    public int wire() {
        return wire;
    }

    /** The code with that number, or null. */
    public static ErrorCode ofWire(int wire) {
        return wire >= 0 && wire < BY_WIRE.length ? BY_WIRE[wire] : null;
    }
}
