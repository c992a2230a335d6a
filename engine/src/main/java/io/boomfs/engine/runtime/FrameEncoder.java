package io.boomfs.engine.runtime;

import io.boomfs.engine.Tuple;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Encodes batches of tuples into frames (see {@link FrameFormat}) of at most
 * {@code maxFrameBytes} each: a batch that does not fit is split over several frames, each
 * self-contained (its own relation table and fingerprint). A tuple that alone exceeds the limit
 * cannot travel: it is counted by the caller through {@link Sink#oversized} and logged, never
 * silently lost. Not thread-safe: one per publishing thread.
 */
public final class FrameEncoder {
    /** Receives each finished frame, and each tuple that could not be encoded. */
    public interface Sink {
        void frame(DirectBuffer buffer, int offset, int length, int tuples);

        void oversized(Tuple t, String why);
    }

    private final Schemas schemas;
    private final byte[] sender;
    private final int maxFrameBytes;
    private final FrameAuth auth;
    private final ExpandableArrayBuffer body = new ExpandableArrayBuffer(4096);
    private final ExpandableArrayBuffer frame = new ExpandableArrayBuffer(4096);
    private final ExpandableArrayBuffer scratch = new ExpandableArrayBuffer(256);
    private final Map<String, Integer> relIndex = new HashMap<>();
    private String[] relNames = new String[8];
    private long[] relFingerprints = new long[8];
    private int[] relArity = new int[8];
    private int relCount;
    private int relTableBytes;
    private int bodyBytes;
    private int tupleCount;

    public FrameEncoder(Schemas schemas, String senderAddress, int maxFrameBytes) {
        this(schemas, senderAddress, maxFrameBytes, null);
    }

    /**
     * An encoder whose frames are signed with {@code auth} (see {@link FrameAuth}), or unsigned
     * when it is null. The trailer is counted within {@code maxFrameBytes}.
     */
    public FrameEncoder(Schemas schemas, String senderAddress, int maxFrameBytes, FrameAuth auth) {
        this.schemas = schemas;
        this.auth = auth;
        this.sender = senderAddress.getBytes(StandardCharsets.UTF_8);
        if (sender.length > 0xffff) {
            throw new IllegalArgumentException("sender address longer than 65535 bytes");
        }
        this.maxFrameBytes = maxFrameBytes;
    }

    public int maxFrameBytes() {
        return maxFrameBytes;
    }

    /** Encodes {@code tuples} into as many frames as needed, handing each to {@code sink}. */
    public void encode(List<Tuple> tuples, Sink sink) {
        reset();
        for (Tuple t : tuples) {
            Long fp = schemas.fingerprint(t.relation());
            if (fp == null) {
                sink.oversized(t, "relation " + t.relation() + " is not declared by program " + schemas.program().name());
                continue;
            }
            int tupleBytes;
            try {
                tupleBytes = encodeTuple(t);
            } catch (ValueCodec.UnencodableException e) {
                sink.oversized(t, e.getMessage());
                continue;
            }
            Integer idx = relIndex.get(t.relation());
            int relEntryBytes = idx == null ? relEntryBytes(t.relation()) : 0;
            if (headerBytes() + relTableBytes + relEntryBytes + bodyBytes + tupleBytes > maxFrameBytes) {
                if (tupleCount > 0) {
                    flush(sink);
                    idx = null;
                    relEntryBytes = relEntryBytes(t.relation());
                }
                if (headerBytes() + relEntryBytes + tupleBytes > maxFrameBytes) {
                    sink.oversized(t, "it takes " + (headerBytes() + relEntryBytes + tupleBytes)
                        + " bytes, more than the largest frame (" + maxFrameBytes + " bytes)");
                    continue;
                }
            }
            if (idx == null) {
                idx = addRelation(t.relation(), fp, t.arity());
            }
            body.putShort(bodyBytes, (short) (int) idx, ValueCodec.ORDER);
            body.putBytes(bodyBytes + 2, scratch, 0, tupleBytes - 2);
            bodyBytes += tupleBytes;
            tupleCount++;
        }
        if (tupleCount > 0) {
            flush(sink);
        }
    }

    /** Encodes the values of {@code t} into {@code scratch}; returns its size in the body (index included). */
    private int encodeTuple(Tuple t) {
        int at = 0;
        Object[] values = t.valuesUnsafe();
        for (Object v : values) {
            at = ValueCodec.encode(scratch, at, v);
        }
        return at + 2;
    }

    /** Everything of a frame but its relation table and body: header, sender, relation count, tuple count, trailer. */
    private int headerBytes() {
        return FrameFormat.HEADER_BYTES + 2 + sender.length + 2 + 4 + (auth == null ? 0 : FrameAuth.TRAILER_BYTES);
    }

    private static int relEntryBytes(String name) {
        return 2 + name.getBytes(StandardCharsets.UTF_8).length + 2 + 8;
    }

    private int addRelation(String name, long fp, int arity) {
        if (relCount == relNames.length) {
            relNames = Arrays.copyOf(relNames, relCount * 2);
            relFingerprints = Arrays.copyOf(relFingerprints, relCount * 2);
            relArity = Arrays.copyOf(relArity, relCount * 2);
        }
        relNames[relCount] = name;
        relFingerprints[relCount] = fp;
        relArity[relCount] = arity;
        relIndex.put(name, relCount);
        relTableBytes += relEntryBytes(name);
        return relCount++;
    }

    private void flush(Sink sink) {
        int at = 0;
        frame.putShort(at, FrameFormat.MAGIC, ValueCodec.ORDER);
        frame.putByte(at + 2, FrameFormat.VERSION);
        frame.putByte(at + 3, (byte) 0);
        int lengthAt = at + 4;
        frame.putLong(at + 8, Schemas.combine(relFingerprints, relCount), ValueCodec.ORDER);
        at = FrameFormat.HEADER_BYTES;
        frame.putShort(at, (short) sender.length, ValueCodec.ORDER);
        frame.putBytes(at + 2, sender);
        at += 2 + sender.length;
        frame.putShort(at, (short) relCount, ValueCodec.ORDER);
        at += 2;
        for (int i = 0; i < relCount; i++) {
            byte[] name = relNames[i].getBytes(StandardCharsets.UTF_8);
            frame.putShort(at, (short) name.length, ValueCodec.ORDER);
            frame.putBytes(at + 2, name);
            at += 2 + name.length;
            frame.putShort(at, (short) relArity[i], ValueCodec.ORDER);
            frame.putLong(at + 2, relFingerprints[i], ValueCodec.ORDER);
            at += 10;
        }
        frame.putInt(at, tupleCount, ValueCodec.ORDER);
        at += 4;
        frame.putBytes(at, body, 0, bodyBytes);
        at += bodyBytes;
        frame.putInt(lengthAt, at, ValueCodec.ORDER);
        if (auth != null) {
            at = auth.sign(frame, at);
        }
        sink.frame(frame, 0, at, tupleCount);
        reset();
    }

    private void reset() {
        relIndex.clear();
        relCount = 0;
        relTableBytes = 0;
        bodyBytes = 0;
        tupleCount = 0;
    }
}
