package io.boomfs.datanode;

import java.io.EOFException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.zip.CRC32C;

/**
 * One connection to a {@link DataServer}, on its own thread: reads the request, serves it, and
 * always ends with the connection closed. Errors are answered with one ERROR frame; an error
 * that this datanode found about itself carries an empty address (its upstream, which dialed
 * it, fills it in), one from further down the pipeline is passed on unchanged.
 */
final class ServerConnection implements Runnable {
    /**
     * What a peer may still send after an error before the connection is simply closed: a
     * client stops at the next frame boundary, so a few frames and the socket buffers.
     */
    private static final long DRAIN_MAX_BYTES = 16L << 20;

    private final DataServer server;
    private final Link link;
    private final DataServer.Config config;
    private volatile WriteLink downstream;
    private byte[] buffer;
    private boolean transferring;

    ServerConnection(DataServer server, Link link) {
        this.server = server;
        this.link = link;
        this.config = server.config();
    }

    @Override
    public void run() {
        Protocol.ErrorReply reply = null;
        try {
            reply = serve();
        } catch (IOException e) {
            // The requester's side of the connection failed or timed out: there is no one to tell.
            if (link.guard.fired()) {
                server.counters.timeouts.incrementAndGet();
                server.logLimited("timeout", "closed a connection from " + link.peer + " that made no progress in time");
            }
        } catch (RuntimeException e) {
            // A bug: say so to the peer and in the log, and keep serving the others.
            server.log("internal error serving " + link.peer + ": " + e);
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            server.log(trace.toString());
            reply = new Protocol.ErrorReply(ErrorCode.INTERNAL, "", "internal error: " + e);
        } finally {
            try {
                if (reply != null) {
                    replyAndDrain(reply);
                }
            } finally {
                closeDownstream();
                link.close();
                server.connectionEnded(this);
            }
        }
    }

    /** Serves the request; returns the error to answer, or null when the reply was sent. */
    private Protocol.ErrorReply serve() throws IOException {
        Protocol.Request request;
        link.guard.arm(config.requestTimeoutMs());
        link.buffered.mark(1);
        if (link.buffered.read() < 0) {
            return null;
        }
        link.buffered.reset();
        try {
            request = Protocol.readRequest(link.in, config.maxChunkBytes());
        } catch (Protocol.Malformed e) {
            return new Protocol.ErrorReply(e.code(), "", e.getMessage());
        } catch (EOFException e) {
            return new Protocol.ErrorReply(ErrorCode.BAD_REQUEST, "", "the request ended early");
        }
        link.guard.disarm();
        ChunkToken.Refusal refused = checkToken(request);
        if (refused != null) {
            return new Protocol.ErrorReply(refused.code(), "", refused.reason());
        }
        if (!server.tryStartTransfer()) {
            return new Protocol.ErrorReply(ErrorCode.BUSY, "", "busy: " + config.maxTransfers() + " transfers in progress, the limit");
        }
        transferring = true;
        try {
            buffer = new byte[ChunkFormat.BLOCK_BYTES];
            return request instanceof Protocol.Write w ? write(w) : read((Protocol.Read) request);
        } finally {
            endTransfer();
        }
    }

    /** Why the request's token does not allow it, or null when it does or this datanode requires no tokens. */
    private ChunkToken.Refusal checkToken(Protocol.Request request) {
        ChunkToken.Key key = config.tokenKey();
        return key == null ? null : ChunkToken.check(key, request.token(), request.chunkId(), request.mode(), server.nowMs());
    }

    /**
     * Frees this connection's transfer slot. Called before the last reply leaves, so that a
     * client that sends its next request as soon as it has the reply finds the slot free.
     */
    private void endTransfer() {
        if (transferring) {
            transferring = false;
            server.endTransfer();
        }
    }

    /** One stage of a pipeline write (DATANODE.md, "WRITE"). */
    private Protocol.ErrorReply write(Protocol.Write w) throws IOException {
        server.counters.writes.incrementAndGet();
        ChunkWriter writer;
        try {
            writer = server.store().create(w.chunkId(), w.length());
        } catch (ChunkStoreException e) {
            return storeError(e);
        }
        try (writer) {
            if (!w.downstream().isEmpty()) {
                downstream = WriteLink.open(w.downstream().get(0), new Protocol.Write(w.chunkId(), w.length(),
                        w.downstream().subList(1, w.downstream().size()), w.token()), server.watchdog(), config.connectTimeoutMs(),
                    config.ioTimeoutMs() * w.downstream().size());
            }
            send(Protocol.READY);
            receive(w, writer);
            // Every datanode forces its copy at the same time; the renames then run from the
            // last datanode back, so that a failure further down leaves nothing visible here.
            writer.prepare();
            if (downstream != null) {
                downstream.awaitStored();
            }
            writer.commit();
            server.counters.writesStored.incrementAndGet();
            server.counters.bytesStored.addAndGet(w.length());
            endTransfer();
            send(Protocol.STORED);
            return null;
        } catch (DataTransferException e) {
            server.log("write of chunk " + ChunkFormat.hex(w.chunkId()) + " failed downstream: " + e.getMessage());
            return new Protocol.ErrorReply(e.code(), e.datanode(), e.reason());
        } catch (ChunkStoreException e) {
            return storeError(e);
        } catch (Protocol.Malformed e) {
            return new Protocol.ErrorReply(e.code(), "", e.getMessage());
        } catch (EOFException e) {
            return new Protocol.ErrorReply(ErrorCode.BAD_REQUEST, "", "the data of chunk " + ChunkFormat.hex(w.chunkId())
                + " ended after " + writer.written() + " of " + w.length() + " bytes");
        }
    }

    /** Receives the data frames, forwarding each before storing it: the next datanode starts sooner. */
    private void receive(Protocol.Write w, ChunkWriter writer) throws IOException {
        CRC32C crc = new CRC32C();
        long left = w.length();
        while (left > 0) {
            int expected = (int) Math.min(ChunkFormat.BLOCK_BYTES, left);
            link.guard.arm(config.ioTimeoutMs());
            int type = link.in.readUnsignedByte();
            if (type != Protocol.DATA) {
                throw new Protocol.Malformed("expected a data frame at offset " + writer.written() + ", got frame type " + type);
            }
            int len = link.in.readInt();
            int sent = link.in.readInt();
            if (len != expected) {
                throw new Protocol.Malformed("a data frame at offset " + writer.written() + " holds " + len
                    + " bytes; frames hold whole 64 KiB blocks, so this one must hold " + expected);
            }
            link.in.readFully(buffer, 0, len);
            link.guard.disarm();
            crc.reset();
            crc.update(buffer, 0, len);
            if ((int) crc.getValue() != sent) {
                // Blamed on this datanode, the one that saw it: the sender or the link between may
                // be at fault, and a retry without this datanode avoids that link as well.
                throw new Protocol.Malformed(ErrorCode.CHECKSUM, "the data of chunk " + ChunkFormat.hex(w.chunkId())
                    + " at offset " + writer.written() + " arrived with a wrong checksum");
            }
            if (downstream != null) {
                downstream.send(buffer, len, sent);
            }
            writer.write(buffer, 0, len);
            left -= len;
        }
    }

    private Protocol.ErrorReply read(Protocol.Read r) throws IOException {
        server.counters.reads.incrementAndGet();
        try (ChunkReader reader = server.store().open(r.chunkId(), r.offset(), r.length())) {
            link.guard.arm(config.ioTimeoutMs());
            Protocol.writeReadOk(link.out, reader.chunkLength(), reader.remaining());
            int n;
            while ((n = reader.next(buffer)) > 0) {
                link.guard.arm(config.ioTimeoutMs());
                Protocol.writeData(link.out, buffer, n, reader.crc());
                server.counters.bytesServed.addAndGet(n);
            }
            endTransfer();
            link.out.flush();
            link.guard.disarm();
            return null;
        } catch (ChunkStoreException e) {
            return storeError(e);
        }
    }

    private Protocol.ErrorReply storeError(ChunkStoreException e) {
        ErrorCode code;
        if (e instanceof ChunkStoreException.NoSpace) {
            code = ErrorCode.NO_SPACE;
        } else if (e instanceof ChunkStoreException.NotFound) {
            code = ErrorCode.NOT_FOUND;
        } else if (e instanceof ChunkStoreException.OutOfRange) {
            code = ErrorCode.OUT_OF_RANGE;
        } else if (e instanceof ChunkStoreException.Corrupt) {
            code = ErrorCode.CORRUPT;
        } else if (e instanceof ChunkStoreException.Busy) {
            code = ErrorCode.CHUNK_BUSY;
        } else {
            code = ErrorCode.IO_ERROR;
            server.log(e.getMessage());
        }
        return new Protocol.ErrorReply(code, "", e.getMessage());
    }

    private void send(int frameType) throws IOException {
        link.guard.arm(config.ioTimeoutMs());
        link.out.writeByte(frameType);
        link.out.flush();
        link.guard.disarm();
    }

    /**
     * Sends the error, then reads and discards what the peer still sends until it closes:
     * closing a socket with unread bytes resets the connection, and the peer could lose the
     * error frame with it.
     */
    private void replyAndDrain(Protocol.ErrorReply reply) {
        server.error(reply.code());
        closeDownstream();
        try {
            link.guard.arm(config.ioTimeoutMs());
            Protocol.writeError(link.out, reply);
            link.out.flush();
            link.shutdownOutput();
            byte[] scratch = buffer != null ? buffer : new byte[8192];
            long drained = 0;
            int n;
            while (drained < DRAIN_MAX_BYTES && (n = link.in.read(scratch)) >= 0) {
                drained += n;
                link.guard.arm(config.ioTimeoutMs());
            }
        } catch (IOException e) {
            // The peer is gone: the error has no one to reach.
        }
    }

    private void closeDownstream() {
        WriteLink d = downstream;
        if (d != null) {
            d.close();
        }
    }

    /** The server is closing: end this connection now. */
    void abort() {
        closeDownstream();
        link.close();
    }
}
