package io.boomfs.datanode;

import java.io.IOException;

/**
 * The sending end of a pipeline write, towards the next datanode: the client's link to the
 * first datanode and each datanode's link to the one after it (DATANODE.md, "WRITE").
 *
 * <p>Every wait on the link is bounded by {@code waitMs}, which the owner sets to its I/O
 * timeout times the number of datanodes from the next one to the end of the pipeline. A
 * datanode that stalls is thus timed out first by its nearest upstream neighbour, whose error
 * names it and reaches the client before any datanode further up gives up on the link below
 * it: the blame lands on the datanode that stalled.
 */
final class WriteLink implements AutoCloseable {
    private final Link link;
    private final String address;
    private final long waitMs;

    private WriteLink(Link link, String address, long waitMs) {
        this.link = link;
        this.address = address;
        this.waitMs = waitMs;
    }

    /**
     * Connects to {@code address}, sends the request and waits until the rest of the pipeline
     * is ready for data.
     *
     * @throws DataTransferException the datanode that failed, or the first one that refused
     */
    static WriteLink open(String address, Protocol.Write request, Watchdog watchdog, long connectTimeoutMs, long waitMs)
        throws DataTransferException {
        Link link = Link.connect(address, watchdog, connectTimeoutMs);
        WriteLink w = new WriteLink(link, address, waitMs);
        try {
            link.guard.arm(waitMs);
            Protocol.writeRequest(link.out, request);
            link.out.flush();
            int type = link.in.readUnsignedByte();
            link.guard.disarm();
            if (type != Protocol.READY) {
                throw w.unexpected(type, "setting up the pipeline");
            }
            return w;
        } catch (IOException e) {
            link.close();
            throw link.lost(e, "while setting up the pipeline", waitMs);
        }
    }

    /** Sends one data frame; fails first if the datanode already reported an error. */
    void send(byte[] b, int len, int crc) throws DataTransferException {
        try {
            if (link.buffered.available() > 0) {
                throw unexpected(link.in.readUnsignedByte(), "in the middle of the data");
            }
            link.guard.arm(waitMs);
            Protocol.writeData(link.out, b, len, crc);
            link.out.flush();
            link.guard.disarm();
        } catch (IOException e) {
            throw failure(e, "while taking data");
        }
    }

    /** Waits until every datanode from this one on has the chunk on disk. */
    void awaitStored() throws DataTransferException {
        try {
            link.guard.arm(waitMs);
            int type = link.in.readUnsignedByte();
            link.guard.disarm();
            if (type != Protocol.STORED) {
                throw unexpected(type, "storing the chunk");
            }
        } catch (IOException e) {
            throw failure(e, "while storing the chunk");
        }
    }

    /**
     * A failed send: the datanode may have said why before it stopped reading (an error frame
     * still in the socket's buffer), which names the real culprit; else the link failed.
     */
    private DataTransferException failure(IOException e, String what) {
        DataTransferException lost = link.lost(e, what, waitMs);
        if (!(e instanceof DataTransferException) && lost.code() == ErrorCode.CONNECTION_LOST) {
            try {
                link.guard.arm(Math.min(waitMs, 1_000));
                if (link.in.read() == Protocol.ERROR) {
                    return errorFrom(Protocol.readError(link.in));
                }
            } catch (IOException ignored) {
                // No error frame to read: the lost connection is all there is to say.
            }
        }
        return lost;
    }

    /** A frame that is not the one expected: an error reported from downstream, or a protocol violation. */
    private IOException unexpected(int type, String what) throws IOException {
        if (type == Protocol.ERROR) {
            return errorFrom(Protocol.readError(link.in));
        }
        return new Protocol.Malformed("frame type " + type + " " + what);
    }

    private DataTransferException errorFrom(Protocol.ErrorReply e) {
        Protocol.ErrorReply named = e.from(address);
        return new DataTransferException(named.code(), named.datanode(), named.message());
    }

    @Override
    public void close() {
        link.close();
    }
}
