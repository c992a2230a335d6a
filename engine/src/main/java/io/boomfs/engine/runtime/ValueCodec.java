package io.boomfs.engine.runtime;

import io.boomfs.engine.ValueList;
import io.boomfs.engine.Values;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The binary form of one Overlog value, shared by the network frames and the write-ahead log:
 * a tag byte then the payload, little-endian. Collections (what {@code set<X>} and
 * {@code list<X>} produce in {@code any} columns) nest up to {@link #MAX_DEPTH}. Any other Java
 * object has no portable form and is refused at encoding time.
 */
public final class ValueCodec {
    static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;
    static final byte NULL = 0;
    static final byte LONG = 1;
    static final byte DOUBLE = 2;
    static final byte STRING = 3;
    static final byte FALSE = 4;
    static final byte TRUE = 5;
    static final byte LIST = 6;
    static final byte SET = 7;
    /** Bounds recursion, so that a crafted frame of nested lists cannot overflow the stack. */
    public static final int MAX_DEPTH = 16;
    /** The most elements a decoded collection reserves room for before they arrive. */
    private static final int INITIAL_CAPACITY_MAX = 64;

    private ValueCodec() {
    }

    /** Thrown when bytes are not a well-formed value; the message says what is wrong and where. */
    public static final class MalformedException extends Exception {
        public MalformedException(String message) {
            super(message, null, false, false);
        }
    }

    /** Thrown when a value has no binary form (a Java object in an {@code any} column). */
    public static final class UnencodableException extends RuntimeException {
        public UnencodableException(String message) {
            super(message);
        }
    }

    /** Writes {@code v} at {@code offset} (the buffer must be expandable or big enough); returns the new offset. */
    public static int encode(MutableDirectBuffer b, int offset, Object v) {
        return encode(b, offset, v, 0);
    }

    private static int encode(MutableDirectBuffer b, int offset, Object v, int depth) {
        if (v == null) {
            b.putByte(offset, NULL);
            return offset + 1;
        }
        if (v instanceof Long l) {
            b.putByte(offset, LONG);
            b.putLong(offset + 1, l, ORDER);
            return offset + 9;
        }
        if (v instanceof String s) {
            byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
            b.putByte(offset, STRING);
            b.putInt(offset + 1, utf8.length, ORDER);
            b.putBytes(offset + 5, utf8);
            return offset + 5 + utf8.length;
        }
        if (v instanceof Boolean x) {
            b.putByte(offset, x ? TRUE : FALSE);
            return offset + 1;
        }
        if (v instanceof Double d) {
            b.putByte(offset, DOUBLE);
            b.putDouble(offset + 1, d, ORDER);
            return offset + 9;
        }
        if (v instanceof List<?> || v instanceof Set<?>) {
            if (depth >= MAX_DEPTH) {
                throw new UnencodableException("a collection nested deeper than " + MAX_DEPTH + " levels");
            }
            java.util.Collection<?> c = (java.util.Collection<?>) v;
            b.putByte(offset, v instanceof Set ? SET : LIST);
            b.putInt(offset + 1, c.size(), ORDER);
            int at = offset + 5;
            for (Object e : c) {
                at = encode(b, at, e, depth + 1);
            }
            return at;
        }
        throw new UnencodableException("a " + v.getClass().getName() + " value has no wire form: " + Values.format(v));
    }

    /** A cursor over bytes being decoded; every read is bounds-checked against {@code limit}. */
    public static final class Reader {
        /** Strings of at most this many bytes go through the cache; it has this many slots. */
        private static final int SHORT_STRING = 32;
        private static final int STRING_CACHE = 1024;
        private final byte[][] cachedBytes = new byte[STRING_CACHE][];
        private final String[] cachedStrings = new String[STRING_CACHE];
        DirectBuffer buffer;
        int offset;
        int limit;

        public Reader wrap(DirectBuffer buffer, int offset, int limit) {
            this.buffer = buffer;
            this.offset = offset;
            this.limit = limit;
            return this;
        }

        public int offset() {
            return offset;
        }

        public int remaining() {
            return limit - offset;
        }

        void need(int n, String what) throws MalformedException {
            if (n < 0 || limit - offset < n) {
                throw new MalformedException("truncated: " + what + " needs " + n + " bytes at offset " + offset
                    + ", " + (limit - offset) + " left");
            }
        }

        public byte readByte(String what) throws MalformedException {
            need(1, what);
            return buffer.getByte(offset++);
        }

        public int readUnsignedShort(String what) throws MalformedException {
            need(2, what);
            int v = buffer.getShort(offset, ORDER) & 0xffff;
            offset += 2;
            return v;
        }

        public int readInt(String what) throws MalformedException {
            need(4, what);
            int v = buffer.getInt(offset, ORDER);
            offset += 4;
            return v;
        }

        public long readLong(String what) throws MalformedException {
            need(8, what);
            long v = buffer.getLong(offset, ORDER);
            offset += 8;
            return v;
        }

        /** A string of {@code length} UTF-8 bytes. */
        public String readUtf8(int length, String what) throws MalformedException {
            need(length, what);
            String s = length <= SHORT_STRING ? cachedUtf8(length) : buffer.getStringWithoutLengthUtf8(offset, length);
            offset += length;
            return s;
        }

        /**
         * A short string, from a small direct-mapped cache of the strings this reader saw by
         * their bytes: client ids, op kinds, owners and names repeat from frame to frame, so most
         * cost no allocation, and equal values held in tables share one object.
         */
        private String cachedUtf8(int length) {
            int h = length;
            for (int i = 0; i < length; i++) {
                h = 31 * h + buffer.getByte(offset + i);
            }
            int slot = (h ^ (h >>> 11)) & (STRING_CACHE - 1);
            byte[] seen = cachedBytes[slot];
            if (seen != null && seen.length == length && sameBytes(seen)) {
                return cachedStrings[slot];
            }
            byte[] bytes = new byte[length];
            buffer.getBytes(offset, bytes);
            String s = new String(bytes, StandardCharsets.UTF_8);
            cachedBytes[slot] = bytes;
            cachedStrings[slot] = s;
            return s;
        }

        private boolean sameBytes(byte[] seen) {
            for (int i = 0; i < seen.length; i++) {
                if (seen[i] != buffer.getByte(offset + i)) {
                    return false;
                }
            }
            return true;
        }

        public Object readValue() throws MalformedException {
            return readValue(0);
        }

        private Object readValue(int depth) throws MalformedException {
            byte tag = readByte("value tag");
            switch (tag) {
                case NULL:
                    return null;
                case LONG:
                    return readLong("long value");
                case DOUBLE:
                    need(8, "double value");
                    double d = buffer.getDouble(offset, ORDER);
                    offset += 8;
                    return d;
                case STRING:
                    int n = readInt("string length");
                    if (n < 0) {
                        throw new MalformedException("negative string length " + n);
                    }
                    return readUtf8(n, "string");
                case FALSE:
                    return Boolean.FALSE;
                case TRUE:
                    return Boolean.TRUE;
                case LIST:
                case SET:
                    if (depth >= MAX_DEPTH) {
                        throw new MalformedException("collections nested deeper than " + MAX_DEPTH + " levels");
                    }
                    int size = readInt("collection size");
                    // Each element takes at least one byte: a size beyond what is left is a lie.
                    if (size < 0 || size > remaining()) {
                        throw new MalformedException("collection size " + size + " with " + remaining() + " bytes left");
                    }
                    // Grown as elements arrive, not sized by the claim: nested lists that each
                    // claim every byte left would otherwise reserve MAX_DEPTH times the frame's
                    // bytes in references before the lie shows.
                    List<Object> items = new ArrayList<>(Math.min(size, INITIAL_CAPACITY_MAX));
                    for (int i = 0; i < size; i++) {
                        items.add(readValue(depth + 1));
                    }
                    if (tag == LIST) {
                        return ValueList.copyOf(items);
                    }
                    TreeSet<Object> set = new TreeSet<>(Values.ORDER);
                    set.addAll(items);
                    return Collections.unmodifiableSortedSet(set);
                default:
                    throw new MalformedException("unknown value tag " + tag + " at offset " + (offset - 1));
            }
        }
    }
}
