package io.boomfs.meta;

import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.program.Program;
import io.boomfs.engine.runtime.FrameDecoder;
import io.boomfs.engine.runtime.FrameEncoder;
import io.boomfs.engine.runtime.FrameFormat;
import io.boomfs.engine.runtime.Schemas;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile frames at a metadata replica's door: the frame decoder as {@code AeronTransport}
 * sets it up (a 1 MiB frame limit) over the replica program's own schemas, fed random bytes,
 * mutated client requests and length-field bombs. It never throws, counts every frame it
 * refuses, allocates in proportion to the frame and not to what its length fields claim, and
 * what it accepts of the client protocol a replica's step takes without an error.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ReplicaFrameFuzzTest {
    /** Frames per run; -Pfuzz raises it. */
    private static final int FRAMES = Integer.getInteger("meta.fuzz.frames", 100_000);
    /** What AeronTransport gives its decoder. */
    private static final int MAX_FRAME_BYTES = 1 << 20;
    /** A decode may allocate this many times the frame's size, plus a fixed allowance: never what a length field claims. */
    private static final long ALLOCATION_FACTOR = 16;
    private static final long ALLOCATION_SLACK = 64 << 10;
    private static final int WARM_UP_FRAMES = 2_000;
    private static final String REPLICA = "127.0.0.1:40001";
    private static final String CLIENT = "127.0.0.1:40002";

    private static final Program PROGRAM = MetaShard.compile();
    private static final Schemas SCHEMAS = new Schemas(PROGRAM);
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static List<byte[]> encode(List<Tuple> tuples) {
        List<byte[]> frames = new ArrayList<>();
        new FrameEncoder(SCHEMAS, CLIENT, 8192).encode(tuples, new FrameEncoder.Sink() {
            @Override
            public void frame(DirectBuffer b, int offset, int length, int n) {
                byte[] copy = new byte[length];
                b.getBytes(offset, copy);
                frames.add(copy);
            }

            @Override
            public void oversized(Tuple t, String why) {
                throw new AssertionError(why);
            }
        });
        return frames;
    }

    /** A client request as a client sends it: a namespace op, well-formed or not. */
    private static Tuple request(SplittableRandom r) {
        List<Object> path = List.of("fuzz", "d" + r.nextInt(10));
        Object op = switch (r.nextInt(8)) {
            case 0 -> List.of("mkdirs", path, 493L, "u", 1L);
            case 1 -> List.of("stat", path);
            case 2 -> List.of("list", path, "", 100L);
            case 3 -> List.of("rename", path, List.of("fuzz", "e"));
            case 4 -> List.of("create", path, true, 3L, 1L << 20, "h", 420L, "u", 1L);
            case 5 -> List.of("delete", path, true);
            case 6 -> List.of("x".repeat(r.nextInt(40)), r.nextLong(), r.nextDouble());
            default -> List.of("stat", List.of("fuzz", "\0/..", "é".repeat(r.nextInt(300))));
        };
        return r.nextBoolean() ? new Tuple("request", REPLICA, CLIENT, "c" + r.nextInt(4), r.nextLong(1, 1000), op)
            : new Tuple("read", REPLICA, CLIENT, "c" + r.nextInt(4), r.nextLong(1, 1000), op);
    }

    /** A request frame whose one value is {@code value}: bytes of a value ({@code ValueCodec}) follow the tuple's fixed columns. */
    private static byte[] withValue(byte[] valueBytes) {
        byte[] template = encode(List.of(new Tuple("read", REPLICA, CLIENT, "c", 1L, "?"))).get(0);
        // The op is the last column, the string "?": tag 3, u32 length 1, one byte.
        int at = template.length - 6;
        assertEquals(3, template[at]);
        byte[] f = new byte[at + valueBytes.length];
        System.arraycopy(template, 0, f, 0, at);
        System.arraycopy(valueBytes, 0, f, at, valueBytes.length);
        ByteBuffer.wrap(f).order(ByteOrder.LITTLE_ENDIAN).putInt(4, f.length);
        return f;
    }

    private static byte[] valueHeader(int tag, int length, int padding) {
        ByteBuffer b = ByteBuffer.allocate(5 + padding).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) tag).putInt(length);
        return b.array();
    }

    /** Lists nested as deep as allowed, each claiming every byte that is left. */
    private static byte[] nestedListBomb(int frameBytes) {
        ByteBuffer b = ByteBuffer.allocate(frameBytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int d = 0; d < 20; d++) {
            b.put((byte) 6).putInt(frameBytes - b.position() - 4);
        }
        return b.array();
    }

    /**
     * Frames whose length fields lie: strings and collections of 2^31 - 1, nested lists each
     * claiming the rest, a relation table of 65,535 entries, a tuple count of 2^31 - 1.
     */
    static List<byte[]> bombs() {
        List<byte[]> bombs = new ArrayList<>();
        bombs.add(withValue(valueHeader(3, Integer.MAX_VALUE, 16)));
        bombs.add(withValue(valueHeader(3, Integer.MIN_VALUE, 16)));
        bombs.add(withValue(valueHeader(6, Integer.MAX_VALUE, 16)));
        bombs.add(withValue(valueHeader(7, Integer.MAX_VALUE, 16)));
        bombs.add(withValue(valueHeader(6, -1, 16)));
        bombs.add(withValue(nestedListBomb(MAX_FRAME_BYTES - 200)));
        bombs.add(withValue(nestedListBomb(4096)));
        // A string field of the header (the sender) and the relation table claiming 64 KiB.
        byte[] f = encode(List.of(new Tuple("read", REPLICA, CLIENT, "c", 1L, "?"))).get(0);
        byte[] sender = f.clone();
        sender[FrameFormat.HEADER_BYTES] = (byte) 0xff;
        sender[FrameFormat.HEADER_BYTES + 1] = (byte) 0xff;
        bombs.add(sender);
        // A relation count of 65,535 in a frame of a few hundred bytes.
        byte[] relations = f.clone();
        int relCountAt = FrameFormat.HEADER_BYTES + 2 + CLIENT.length();
        relations[relCountAt] = (byte) 0xff;
        relations[relCountAt + 1] = (byte) 0xff;
        bombs.add(relations);
        // A tuple count of 2^31 - 1.
        byte[] count = f.clone();
        int countAt = FrameFormat.HEADER_BYTES + 2 + CLIENT.length() + 2 + 2 + "read".length() + 2 + 8;
        ByteBuffer.wrap(count).order(ByteOrder.LITTLE_ENDIAN).putInt(countAt, Integer.MAX_VALUE);
        bombs.add(count);
        // A frame announcing 2 GiB.
        byte[] length = f.clone();
        ByteBuffer.wrap(length).order(ByteOrder.LITTLE_ENDIAN).putInt(4, Integer.MAX_VALUE);
        bombs.add(length);
        return bombs;
    }

    private static void mutate(byte[] frame, int length, SplittableRandom r, UnsafeBuffer buf) {
        for (int k = r.nextInt(1, 4); k > 0; k--) {
            int at = r.nextInt(length);
            switch (r.nextInt(4)) {
                case 0 -> buf.putByte(at, (byte) (buf.getByte(at) ^ (1 << r.nextInt(8))));
                case 1 -> buf.putByte(at, (byte) r.nextInt(256));
                // A length or count field set to something huge, negative or zero.
                case 2 -> {
                    if (at + 4 <= length) {
                        buf.putInt(at, new int[] {Integer.MAX_VALUE, Integer.MIN_VALUE, -1, 0, 1 << 20}[r.nextInt(5)],
                            ByteOrder.LITTLE_ENDIAN);
                    }
                }
                // A value tag changed into another.
                default -> buf.putByte(at, (byte) r.nextInt(9));
            }
        }
    }

    @Test
    void hostileFramesAreRefusedWithBoundedAllocationAndAcceptedOnesAreSafeToStep() {
        long seed = Long.getLong("seed", System.nanoTime());
        System.out.println("ReplicaFrameFuzzTest: SEED=" + seed + " frames=" + FRAMES + " (-Dseed=" + seed + " replays)");
        SplittableRandom r = new SplittableRandom(seed);
        List<byte[]> valid = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            List<Tuple> batch = new ArrayList<>();
            for (int k = r.nextInt(1, 4); k > 0; k--) {
                batch.add(request(r));
            }
            valid.addAll(encode(batch));
        }
        List<byte[]> bombs = bombs();
        List<String> log = new ArrayList<>();
        FrameDecoder decoder = new FrameDecoder(SCHEMAS, MAX_FRAME_BYTES, line -> {
            if (log.size() < 100) {
                log.add(line);
            }
        });
        OverlogNode replica = new OverlogNode(PROGRAM, REPLICA);
        UnsafeBuffer buf = new UnsafeBuffer(new byte[MAX_FRAME_BYTES + 64]);
        List<Tuple> out = new ArrayList<>();
        List<Tuple> toStep = new ArrayList<>();
        long accepted = 0;
        long stepped = 0;
        long worstRatio = 0;
        long start = System.nanoTime();
        for (int i = 0; i < FRAMES; i++) {
            int len;
            int kind = r.nextInt(20);
            if (kind == 0) {
                byte[] b = bombs.get(r.nextInt(bombs.size()));
                buf.putBytes(0, b);
                len = b.length;
            } else if (kind < 6) {
                len = r.nextInt(0, 300);
                for (int k = 0; k < len; k++) {
                    buf.putByte(k, (byte) r.nextInt());
                }
                // Half of them get past the magic, the version and the length check.
                if (len >= 8 && r.nextBoolean()) {
                    buf.putShort(0, FrameFormat.MAGIC, ByteOrder.LITTLE_ENDIAN);
                    buf.putByte(2, FrameFormat.VERSION);
                    buf.putInt(4, len, ByteOrder.LITTLE_ENDIAN);
                }
            } else {
                byte[] v = valid.get(r.nextInt(valid.size()));
                buf.putBytes(0, v);
                len = v.length;
                switch (r.nextInt(5)) {
                    case 0 -> len = r.nextInt(len);
                    case 1 -> {
                        int extra = r.nextInt(1, 20);
                        for (int k = 0; k < extra; k++) {
                            buf.putByte(len + k, (byte) r.nextInt());
                        }
                        len += extra;
                    }
                    case 2 -> {
                        // Unchanged: a valid frame must still be accepted among all the others.
                    }
                    default -> mutate(v, len, r, buf);
                }
            }
            out.clear();
            long before = THREADS.getCurrentThreadAllocatedBytes();
            int n;
            try {
                n = decoder.decode(buf, 0, len, out::add);
            } catch (RuntimeException e) {
                throw new AssertionError("frame " + i + " (SEED=" + seed + ") made the decoder throw: " + e, e);
            }
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            // The first frames load classes and compile code, which allocates too: not counted.
            assertTrue(i < WARM_UP_FRAMES || allocated <= ALLOCATION_FACTOR * len + ALLOCATION_SLACK, "frame " + i + " (SEED=" + seed + ") of " + len
                + " bytes made the decoder allocate " + allocated + " bytes");
            if (i >= WARM_UP_FRAMES) {
                worstRatio = Math.max(worstRatio, allocated / Math.max(1, len));
            }
            if (n >= 0) {
                accepted++;
                assertEquals(n, out.size());
                for (Tuple t : out) {
                    if (t.relation().equals("request") || t.relation().equals("read")) {
                        toStep.add(t);
                    }
                }
            }
            if (toStep.size() >= 64) {
                stepped += step(replica, i, toStep, seed);
            }
        }
        stepped += step(replica, FRAMES, toStep, seed);
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.println("ReplicaFrameFuzzTest: " + accepted + " frames accepted, " + decoder.refusedTotal() + " refused ("
            + Arrays.stream(FrameDecoder.Refusal.values()).map(x -> x.name().toLowerCase() + "=" + decoder.refused(x)).toList()
            + "), " + stepped + " client tuples stepped, worst allocation " + worstRatio + " bytes per frame byte, " + ms + " ms");
        assertEquals(FRAMES, accepted + decoder.refusedTotal(), "every frame is accepted or counted as refused");
        assertTrue(decoder.refusedTotal() > FRAMES / 2, "most are refused");
        assertTrue(accepted > FRAMES / 20, "valid frames still get through: " + accepted);
        assertTrue(stepped > 0);
        // Every refusal logged says which sender and why, in one printable line of bounded length.
        assertTrue(!log.isEmpty());
        for (String line : log) {
            assertTrue(line.startsWith("refused a frame from ") && line.length() < 600
                && line.chars().noneMatch(Character::isISOControl), line);
        }
    }

    /** Steps the replica with the accepted client tuples: no tuple a decoder accepts may make it fail. */
    private static int step(OverlogNode replica, long nowMs, List<Tuple> tuples, long seed) {
        int n = tuples.size();
        try {
            replica.step(1_000_000 + nowMs, tuples);
        } catch (RuntimeException e) {
            throw new AssertionError("the replica failed on accepted tuples (SEED=" + seed + "): " + e + "\n" + tuples, e);
        }
        tuples.clear();
        return n;
    }

    @Test
    void eachBombIsRefusedAsMalformedWithoutAllocatingWhatItClaims() {
        FrameDecoder decoder = new FrameDecoder(SCHEMAS, MAX_FRAME_BYTES, line -> { });
        UnsafeBuffer buf = new UnsafeBuffer(new byte[MAX_FRAME_BYTES]);
        List<byte[]> bombs = bombs();
        for (int i = 0; i < bombs.size(); i++) {
            byte[] b = bombs.get(i);
            buf.putBytes(0, b);
            // Warm: the first decode of a kind loads classes.
            decoder.decode(buf, 0, b.length, t -> { });
            long before = THREADS.getCurrentThreadAllocatedBytes();
            int n = decoder.decode(buf, 0, b.length, t -> { throw new AssertionError("a bomb delivered " + t); });
            long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
            assertEquals(-1, n, "bomb " + i);
            assertTrue(allocated <= ALLOCATION_FACTOR * b.length + ALLOCATION_SLACK, "bomb " + i + " of " + b.length
                + " bytes allocated " + allocated);
        }
        assertEquals(2L * bombs.size(), decoder.refused(FrameDecoder.Refusal.MALFORMED));
    }
}
