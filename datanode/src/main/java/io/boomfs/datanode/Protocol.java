package io.boomfs.datanode;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The data-transfer protocol between clients and datanodes (DATANODE.md, "The protocol"): the
 * request header, the frames, and their decoding, which validates every field against its
 * limit before using it, so that no request can make a datanode allocate, wait or connect
 * beyond its bounds. All integers are big-endian.
 *
 * <p>Version 2 added the chunk token ({@link ChunkToken}): every request ends with a u8 length
 * and that many ASCII bytes of token, zero of them for none. A datanode still reads a version 1
 * request (the same without the token field) as one without a token, so an older client keeps
 * working with a datanode that requires no tokens; everything this code sends is version 2.
 *
 * <pre>
 *   request: u32 magic "BFDT", u8 version (2), u8 op, then
 *     WRITE (1): i64 chunk id, i64 length, u8 n, n x (u8 len, address), u8 len, token
 *     READ  (2): i64 chunk id, i64 offset, i64 length, u8 len, token
 * </pre>
 */
final class Protocol {
    static final int MAGIC = 0x42464454; // "BFDT"
    static final int VERSION = 2;
    /** The first version, without the token field: still read, never sent. */
    static final int VERSION_WITHOUT_TOKEN = 1;
    static final int OP_WRITE = 1;
    static final int OP_READ = 2;

    static final int DATA = 1;
    static final int READY = 2;
    static final int STORED = 3;
    static final int READ_OK = 4;
    static final int ERROR = 5;

    /** Datanodes in one pipeline, the first included: a replication factor is a few. */
    static final int MAX_PIPELINE = 8;
    static final int MAX_ADDRESS_BYTES = 255;
    static final int MAX_MESSAGE_BYTES = 1024;
    /** A token's field holds up to this: a token is {@link ChunkToken#ENCODED_CHARS} characters. */
    static final int MAX_TOKEN_BYTES = 255;

    private Protocol() {
    }

    /** A request: the first thing on every connection, and the only one from a reader. */
    sealed interface Request permits Write, Read {
        long chunkId();

        /** The chunk token, as sent (empty for none): checked only by a datanode that requires tokens. */
        String token();

        ChunkToken.Mode mode();
    }

    /**
     * Store chunk {@code chunkId} of {@code length} bytes here and on {@code downstream}, in
     * that order; every datanode of the pipeline checks {@code token}.
     */
    record Write(long chunkId, long length, List<String> downstream, String token) implements Request {
        Write {
            downstream = List.copyOf(downstream);
            checkToken(token);
        }

        @Override
        public ChunkToken.Mode mode() {
            return ChunkToken.Mode.WRITE;
        }
    }

    /** Send {@code length} bytes (cut at the chunk's end) of chunk {@code chunkId} from {@code offset}. */
    record Read(long chunkId, long offset, long length, String token) implements Request {
        Read {
            checkToken(token);
        }

        @Override
        public ChunkToken.Mode mode() {
            return ChunkToken.Mode.READ;
        }
    }

    private static void checkToken(String token) {
        if (token.length() > MAX_TOKEN_BYTES || !token.chars().allMatch(c -> c > ' ' && c < 127)) {
            throw new IllegalArgumentException("a chunk token is up to " + MAX_TOKEN_BYTES + " printable ASCII characters");
        }
    }

    /**
     * An ERROR frame: what failed, where, and why in one line.
     *
     * @param datanode the address of the datanode that failed, as its upstream named it; empty
     *                 when the sender itself failed (its upstream fills in the address it dialed)
     */
    record ErrorReply(ErrorCode code, String datanode, String message) {
        /** The same error with the address filled in when the sender was the one that failed. */
        ErrorReply from(String dialed) {
            return datanode.isEmpty() ? new ErrorReply(code, dialed, message) : this;
        }
    }

    /** A peer broke the protocol; {@link #code} is what to answer (when the peer is the requester). */
    static final class Malformed extends IOException {
        private static final long serialVersionUID = 1L;
        private final ErrorCode code;

        Malformed(String message) {
            this(ErrorCode.BAD_REQUEST, message);
        }

        Malformed(ErrorCode code, String message) {
            super(message);
            this.code = code;
        }

        ErrorCode code() {
            return code;
        }
    }

    static void writeRequest(DataOutputStream out, Request r) throws IOException {
        out.writeInt(MAGIC);
        out.writeByte(VERSION);
        if (r instanceof Write w) {
            out.writeByte(OP_WRITE);
            out.writeLong(w.chunkId());
            out.writeLong(w.length());
            out.writeByte(w.downstream().size());
            for (String a : w.downstream()) {
                byte[] b = a.getBytes(StandardCharsets.US_ASCII);
                out.writeByte(b.length);
                out.write(b);
            }
        } else if (r instanceof Read rd) {
            out.writeByte(OP_READ);
            out.writeLong(rd.chunkId());
            out.writeLong(rd.offset());
            out.writeLong(rd.length());
        }
        byte[] token = r.token().getBytes(StandardCharsets.US_ASCII);
        out.writeByte(token.length);
        out.write(token);
    }

    /**
     * Reads and validates a request header.
     *
     * @param maxChunkBytes the longest chunk this datanode accepts
     * @throws Malformed         a field is invalid (the message says which and why)
     * @throws EOFException the connection ended inside the header
     */
    static Request readRequest(DataInputStream in, long maxChunkBytes) throws IOException {
        int magic = in.readInt();
        if (magic != MAGIC) {
            throw new Malformed("not a BoomFS data transfer request (magic 0x" + Integer.toHexString(magic) + ")");
        }
        int version = in.readUnsignedByte();
        if (version != VERSION && version != VERSION_WITHOUT_TOKEN) {
            throw new Malformed(ErrorCode.UNSUPPORTED_VERSION, "protocol version " + version + "; this datanode speaks versions "
                + VERSION_WITHOUT_TOKEN + " and " + VERSION);
        }
        boolean hasToken = version >= VERSION;
        int op = in.readUnsignedByte();
        if (op == OP_WRITE) {
            long chunkId = in.readLong();
            long length = in.readLong();
            if (length < 0 || length > maxChunkBytes) {
                throw new Malformed("chunk length " + length + " is outside 0.." + maxChunkBytes);
            }
            int n = in.readUnsignedByte();
            if (n > MAX_PIPELINE - 1) {
                throw new Malformed("a pipeline of " + (n + 1) + " datanodes; the limit is " + MAX_PIPELINE);
            }
            List<String> downstream = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                downstream.add(readAddress(in, false));
            }
            return new Write(chunkId, length, downstream, hasToken ? readToken(in) : "");
        }
        if (op == OP_READ) {
            long chunkId = in.readLong();
            long offset = in.readLong();
            long length = in.readLong();
            if (offset < 0 || length < 0) {
                throw new Malformed("a read needs a non-negative offset and length, not " + offset + " and " + length);
            }
            return new Read(chunkId, offset, length, hasToken ? readToken(in) : "");
        }
        throw new Malformed("unknown operation " + op);
    }

    /** A token field: printable ASCII, so that it can be forwarded and quoted as it came. */
    private static String readToken(DataInputStream in) throws IOException {
        int len = in.readUnsignedByte();
        byte[] b = new byte[len];
        in.readFully(b);
        for (byte c : b) {
            if (c <= ' ' || c >= 127) {
                throw new Malformed("a chunk token field with the byte 0x" + Integer.toHexString(c & 0xff)
                    + "; a token is printable ASCII");
            }
        }
        return new String(b, StandardCharsets.US_ASCII);
    }

    private static String readAddress(DataInputStream in, boolean emptyAllowed) throws IOException {
        int len = in.readUnsignedByte();
        byte[] b = new byte[len];
        in.readFully(b);
        String a = new String(b, StandardCharsets.ISO_8859_1);
        if (len == 0 && emptyAllowed) {
            return a;
        }
        String why = checkAddress(a);
        if (why != null) {
            throw new Malformed("bad datanode address \"" + printable(a) + "\": " + why);
        }
        return a;
    }

    /**
     * Why {@code a} is not a datanode address {@code host:port} (a name, an IPv4 address or
     * an IPv6 one in brackets; a port 1..65535), or null when it is one.
     */
    static String checkAddress(String a) {
        if (a.isEmpty() || a.length() > MAX_ADDRESS_BYTES) {
            return "an address has 1 to " + MAX_ADDRESS_BYTES + " characters";
        }
        int colon = a.lastIndexOf(':');
        if (colon <= 0 || colon == a.length() - 1) {
            return "not HOST:PORT";
        }
        String host = a.substring(0, colon);
        String port = a.substring(colon + 1);
        boolean ipv6 = host.length() > 2 && host.charAt(0) == '[' && host.charAt(host.length() - 1) == ']';
        String hostChars = ipv6 ? host.substring(1, host.length() - 1) : host;
        for (int i = 0; i < hostChars.length(); i++) {
            char c = hostChars.charAt(i);
            boolean ok = ipv6 ? Character.digit(c, 16) >= 0 || c == ':' || c == '.'
                : c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_';
            if (!ok) {
                return "the host has a character that no host name has";
            }
        }
        if (port.length() > 5 || !port.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return "the port is not a number";
        }
        int p = Integer.parseInt(port);
        if (p < 1 || p > 65535) {
            return "the port is outside 1..65535";
        }
        return null;
    }

    /** The host of a valid address, without IPv6 brackets. */
    static String host(String address) {
        String h = address.substring(0, address.lastIndexOf(':'));
        return h.startsWith("[") ? h.substring(1, h.length() - 1) : h;
    }

    static int port(String address) {
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }

    static void writeData(DataOutputStream out, byte[] b, int len, int crc) throws IOException {
        out.writeByte(DATA);
        out.writeInt(len);
        out.writeInt(crc);
        out.write(b, 0, len);
    }

    static void writeReadOk(DataOutputStream out, long chunkLength, long count) throws IOException {
        out.writeByte(READ_OK);
        out.writeLong(chunkLength);
        out.writeLong(count);
    }

    static void writeError(DataOutputStream out, ErrorReply e) throws IOException {
        out.writeByte(ERROR);
        out.writeShort(e.code().wire());
        byte[] a = e.datanode().getBytes(StandardCharsets.US_ASCII);
        out.writeByte(a.length);
        out.write(a);
        byte[] m = truncate(e.message());
        out.writeShort(m.length);
        out.write(m);
    }

    /** Reads the rest of an ERROR frame (after its type). */
    static ErrorReply readError(DataInputStream in) throws IOException {
        int wire = in.readUnsignedShort();
        ErrorCode code = ErrorCode.ofWire(wire);
        if (code == null) {
            throw new Malformed("an error frame with unknown code " + wire);
        }
        String datanode = readAddress(in, true);
        int len = in.readUnsignedShort();
        if (len > MAX_MESSAGE_BYTES) {
            throw new Malformed("an error message of " + len + " bytes; the limit is " + MAX_MESSAGE_BYTES);
        }
        byte[] m = new byte[len];
        in.readFully(m);
        return new ErrorReply(code, datanode, printable(new String(m, StandardCharsets.UTF_8)));
    }

    /** A message's UTF-8 bytes, cut to the limit at a character boundary. */
    private static byte[] truncate(String message) {
        ByteBuffer b = ByteBuffer.allocate(MAX_MESSAGE_BYTES);
        // The encoder stops before a character that does not fit whole.
        StandardCharsets.UTF_8.newEncoder().encode(CharBuffer.wrap(message), b, true);
        return Arrays.copyOf(b.array(), b.position());
    }

    /** Text from a peer, safe for a one-line log or message: control characters become '?'. */
    static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return b.toString();
    }
}
