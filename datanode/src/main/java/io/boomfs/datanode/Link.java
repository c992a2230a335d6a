package io.boomfs.datanode;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * One TCP connection of the data-transfer protocol with its buffered streams and the watchdog
 * guard of its current step. The output buffer holds a whole data frame, so a frame leaves in
 * one write; the input buffer is small, since data frames are read straight into the
 * caller's array. The bytes flow over a TCP socket, or over in-memory streams when a test
 * feeds a server requests without a connection each ({@link #inMemory}).
 */
final class Link implements AutoCloseable {
    private static final int OUT_BUFFER = ChunkFormat.BLOCK_BYTES + 16;
    private static final int IN_BUFFER = 8 * 1024;

    /** Closing it ends the connection: the socket, or the in-memory streams. */
    private final Closeable channel;
    /** Ends the sending side only, so that the peer reads to the end of what was sent. */
    private final Closeable outputEnd;
    final BufferedInputStream buffered;
    final DataInputStream in;
    final DataOutputStream out;
    final Watchdog.Guard guard;
    /** The peer's address: as dialed for an outgoing link, as seen for an accepted one. */
    final String peer;

    private Link(Closeable channel, Closeable outputEnd, InputStream input, OutputStream output, Watchdog watchdog, String peer) {
        this.channel = channel;
        this.outputEnd = outputEnd;
        this.buffered = new BufferedInputStream(input, IN_BUFFER);
        this.in = new DataInputStream(buffered);
        this.out = new DataOutputStream(new BufferedOutputStream(output, OUT_BUFFER));
        this.guard = watchdog.guard(channel);
        this.peer = peer;
    }

    private static Link over(Socket socket, Watchdog watchdog, String peer) throws IOException {
        socket.setTcpNoDelay(true);
        return new Link(socket, socket::shutdownOutput, socket.getInputStream(), socket.getOutputStream(), watchdog, peer);
    }

    static Link accepted(Socket socket, Watchdog watchdog) throws IOException {
        return over(socket, watchdog, socket.getRemoteSocketAddress().toString());
    }

    /**
     * A link whose peer's bytes are {@code input} and whose replies go to {@code output}; closing
     * it closes both. What {@link DataServer#serveInMemory} serves a request over.
     */
    static Link inMemory(InputStream input, OutputStream output, Watchdog watchdog, String peer) {
        Closeable both = () -> {
            try (input) {
                output.close();
            }
        };
        return new Link(both, output::flush, input, output, watchdog, peer);
    }

    /**
     * Connects to the datanode at {@code address} ({@code host:port}, already checked).
     *
     * @throws DataTransferException {@link ErrorCode#UNREACHABLE}: the host does not resolve, or
     *                               nothing accepts within {@code connectTimeoutMs}
     */
    static Link connect(String address, Watchdog watchdog, long connectTimeoutMs) throws DataTransferException {
        InetSocketAddress to = new InetSocketAddress(Protocol.host(address), Protocol.port(address));
        if (to.isUnresolved()) {
            throw new DataTransferException(ErrorCode.UNREACHABLE, address, "cannot resolve host " + Protocol.host(address));
        }
        Socket s = new Socket();
        try {
            s.connect(to, (int) Math.min(Integer.MAX_VALUE, connectTimeoutMs));
            return over(s, watchdog, address);
        } catch (SocketTimeoutException e) {
            closeQuietly(s);
            throw new DataTransferException(ErrorCode.UNREACHABLE, address, "cannot connect within " + connectTimeoutMs + " ms");
        } catch (IOException e) {
            closeQuietly(s);
            throw new DataTransferException(ErrorCode.UNREACHABLE, address, "cannot connect: " + e.getMessage());
        }
    }

    /**
     * What a failed step on this link means, as the side that talks to {@code peer} sees it:
     * a timeout when the watchdog closed it, a lost connection otherwise.
     */
    DataTransferException lost(IOException e, String what, long timeoutMs) {
        if (e instanceof DataTransferException d) {
            return d;
        }
        if (guard.fired()) {
            return new DataTransferException(ErrorCode.TIMEOUT, peer, "no progress " + what + " within " + timeoutMs + " ms");
        }
        if (e instanceof Protocol.Malformed) {
            return new DataTransferException(ErrorCode.BAD_REQUEST, peer, "broke the protocol " + what + ": " + e.getMessage());
        }
        String why = e instanceof EOFException ? "closed the connection" : "the connection failed (" + e.getMessage() + ")";
        return new DataTransferException(ErrorCode.CONNECTION_LOST, peer, why + " " + what);
    }

    /** Ends the sending side: the peer reads what was sent, then the end of the stream. */
    void shutdownOutput() throws IOException {
        outputEnd.close();
    }

    @Override
    public void close() {
        guard.close();
        try {
            channel.close();
        } catch (IOException e) {
            // Nothing more to release.
        }
    }

    static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // Nothing more to release.
        }
    }
}
