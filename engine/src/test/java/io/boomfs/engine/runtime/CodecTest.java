package io.boomfs.engine.runtime;

import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.program.Program;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CodecTest {
    static final String SRC = """
        event msg(@To: addr, From: addr, N: long, X: double, S: string, B: bool, A: any).
        event small(@To: addr, N: long).
        table seen(N: long).
        view seen_count(C: long).
        seen(N) :- small(@Me, N).
        seen_count(count<N>) :- seen(N).
        """;
    static final Program PROGRAM = Programs.compile("codec.olg", SRC);
    static final Schemas SCHEMAS = new Schemas(PROGRAM);

    record Frame(byte[] bytes, int tuples) {
    }

    static List<Frame> encode(List<Tuple> tuples, int maxFrameBytes, List<String> oversized) {
        List<Frame> frames = new ArrayList<>();
        new FrameEncoder(SCHEMAS, "10.0.0.1:4000", maxFrameBytes).encode(tuples, new FrameEncoder.Sink() {
            @Override
            public void frame(DirectBuffer b, int offset, int length, int n) {
                byte[] copy = new byte[length];
                b.getBytes(offset, copy);
                frames.add(new Frame(copy, n));
            }

            @Override
            public void oversized(Tuple t, String why) {
                oversized.add(t + ": " + why);
            }
        });
        return frames;
    }

    static Tuple randomMsg(SplittableRandom rnd) {
        Object any = switch (rnd.nextInt(5)) {
            case 0 -> null;
            case 1 -> List.of(rnd.nextLong(), "x" + rnd.nextInt(100), List.of(true));
            case 2 -> {
                TreeSet<Object> s = new TreeSet<>(io.boomfs.engine.Values.ORDER);
                s.add(rnd.nextLong(10));
                s.add("é" + rnd.nextInt(10));
                yield java.util.Collections.unmodifiableSortedSet(s);
            }
            case 3 -> rnd.nextDouble();
            default -> "any";
        };
        return new Tuple("msg", "127.0.0.1:" + rnd.nextInt(65536), "n" + rnd.nextInt(9), rnd.nextLong(),
            rnd.nextBoolean() ? null : rnd.nextDouble() * 1e6, "s\"\\\n" + "ü".repeat(rnd.nextInt(40)),
            rnd.nextBoolean(), any);
    }

    @Test
    void roundTripsEveryTypeAndSplitsLargeBatchesIntoFramesUnderTheLimit() {
        SplittableRandom rnd = new SplittableRandom(1);
        List<Tuple> in = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            in.add(i % 3 == 0 ? new Tuple("small", "a", (long) i) : randomMsg(rnd));
        }
        List<String> oversized = new ArrayList<>();
        List<Frame> frames = encode(in, 8192, oversized);
        assertTrue(oversized.isEmpty(), oversized.toString());
        assertTrue(frames.size() > 10, "2000 tuples should need many 8 KiB frames, got " + frames.size());
        List<Tuple> out = new ArrayList<>();
        FrameDecoder dec = new FrameDecoder(SCHEMAS, 8192, line -> { throw new AssertionError(line); });
        for (Frame f : frames) {
            assertTrue(f.bytes.length <= 8192);
            assertEquals(f.tuples, dec.decode(new UnsafeBuffer(f.bytes), 0, f.bytes.length, out::add));
            assertEquals("10.0.0.1:4000", dec.lastSender());
        }
        assertEquals(in, out);
    }

    @Test
    void framesFillUpToTheLimitAndNeverPastIt() {
        // Aeron refuses a message one byte over its limit (and the frame would then block its
        // peer's queue), so every alignment of the last tuple against the limit is tried.
        int exact = 0;
        for (int fill = 0; fill < 64; fill++) {
            List<Tuple> in = new ArrayList<>();
            in.add(new Tuple("msg", "a", "b", 1L, 1.0, "x".repeat(fill), true, null));
            for (long i = 0; i < 1_000; i++) {
                in.add(new Tuple("small", "a", i));
            }
            for (Frame f : encode(in, 8192, new ArrayList<>())) {
                assertTrue(f.bytes.length <= 8192, "a frame of " + f.bytes.length + " bytes with filler " + fill);
                exact += f.bytes.length == 8192 ? 1 : 0;
            }
        }
        assertTrue(exact > 0, "some frame is exactly at the limit: the packing is tight");
    }

    @Test
    void aTupleLargerThanAFrameIsReportedNotSilentlyLost() {
        List<String> oversized = new ArrayList<>();
        List<Frame> frames = encode(List.of(new Tuple("small", "a", 1L),
            new Tuple("msg", "a", "b", 1L, 1.0, "x".repeat(10_000), true, null), new Tuple("small", "a", 2L)), 8192, oversized);
        assertEquals(1, oversized.size());
        assertTrue(oversized.get(0).contains("more than the largest frame (8192 bytes)"), oversized.get(0));
        assertEquals(2, frames.stream().mapToInt(Frame::tuples).sum());
    }

    @Test
    void aMismatchedProgramRefusesTheFrameNamingBothFingerprints() {
        Program other = Programs.compile("other.olg", "event small(@To: addr, N: string).\n");
        List<Frame> frames = encode(List.of(new Tuple("small", "a", 7L)), 8192, new ArrayList<>());
        List<String> log = new ArrayList<>();
        FrameDecoder dec = new FrameDecoder(new Schemas(other), 8192, log::add);
        List<Tuple> out = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            assertEquals(-1, dec.decode(new UnsafeBuffer(frames.get(0).bytes), 0, frames.get(0).bytes.length, out::add));
        }
        assertTrue(out.isEmpty());
        assertEquals(3, dec.refused(FrameDecoder.Refusal.FINGERPRINT_MISMATCH));
        assertEquals(1, log.size(), "one line per sender, then only counted: " + log);
        String line = log.get(0);
        assertTrue(line.matches(".*frame [0-9a-f]{16}, this program \\(other.olg\\) [0-9a-f]{16}.*"), line);
        assertTrue(line.contains("10.0.0.1:4000") && line.contains("small"), line);
    }

    @Test
    void refusesEachKindOfMalformedFrame() {
        byte[] good = encode(List.of(new Tuple("small", "a", 7L)), 8192, new ArrayList<>()).get(0).bytes;
        List<Tuple> out = new ArrayList<>();
        // Truncated: every proper prefix is refused as malformed.
        FrameDecoder cut = new FrameDecoder(SCHEMAS, 8192, line -> { });
        for (int n = 0; n < good.length; n++) {
            assertEquals(-1, cut.decode(new UnsafeBuffer(good), 0, n, out::add), "prefix of " + n + " bytes");
        }
        assertEquals(good.length, cut.refused(FrameDecoder.Refusal.MALFORMED));
        FrameDecoder dec = new FrameDecoder(SCHEMAS, 64, line -> { });
        // Oversized for this decoder's limit.
        byte[] big = encode(List.of(new Tuple("small", "a", 7L), new Tuple("small", "a", 8L), new Tuple("small", "a", 9L),
            new Tuple("small", "a", 10L), new Tuple("small", "a", 11L)), 8192, new ArrayList<>()).get(0).bytes;
        assertTrue(big.length > 64);
        assertEquals(-1, dec.decode(new UnsafeBuffer(big), 0, big.length, out::add));
        assertEquals(1, dec.refused(FrameDecoder.Refusal.OVERSIZED));
        // A view cannot receive; an unknown relation is refused.
        Program renamed = Programs.compile("r.olg", "event seen_count(@To: addr, N: long).\nevent nope(@To: addr, N: long).\n");
        Schemas rs = new Schemas(renamed);
        for (String rel : List.of("seen_count", "nope")) {
            List<Frame> f = new ArrayList<>();
            new FrameEncoder(rs, "x", 8192).encode(List.of(new Tuple(rel, "a", 1L)), new FrameEncoder.Sink() {
                public void frame(DirectBuffer b, int o, int l, int n) {
                    byte[] c = new byte[l];
                    b.getBytes(o, c);
                    f.add(new Frame(c, n));
                }

                public void oversized(Tuple t, String why) {
                }
            });
            assertEquals(-1, new FrameDecoder(SCHEMAS, 8192, line -> { }).decode(new UnsafeBuffer(f.get(0).bytes), 0, f.get(0).bytes.length, out::add));
        }
        // Wrong type: a string where the receiver's N is a long, with a matching fingerprint forged.
        byte[] wrong = good.clone();
        int valueAt = wrong.length - 9;
        assertEquals(ValueCodec.LONG, wrong[valueAt]);
        wrong[valueAt] = ValueCodec.TRUE;
        FrameDecoder d2 = new FrameDecoder(SCHEMAS, 8192, line -> { });
        assertEquals(-1, d2.decode(new UnsafeBuffer(wrong), 0, wrong.length, out::add));
        assertTrue(d2.refused(FrameDecoder.Refusal.MALFORMED) + d2.refused(FrameDecoder.Refusal.WRONG_TYPE) == 1);
        assertTrue(out.isEmpty());
    }

    /**
     * 100,000 frames (half random bytes, half valid frames with a few bytes flipped, cut short
     * or extended): the decoder never throws, counts every refusal, and whatever it accepts is
     * accepted by a real node's step without an error.
     */
    @Test
    void fuzzedFramesNeverCrashAndAcceptedOnesAreValidInput() {
        long seed = Long.getLong("seed", System.nanoTime());
        System.out.println("SEED=" + seed + " (replay with -Dseed=" + seed + ")");
        SplittableRandom rnd = new SplittableRandom(seed);
        List<byte[]> valid = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            List<Tuple> batch = new ArrayList<>();
            for (int k = rnd.nextInt(1, 6); k > 0; k--) {
                batch.add(rnd.nextBoolean() ? randomMsg(rnd) : new Tuple("small", "a", rnd.nextLong()));
            }
            for (Frame f : encode(batch, 8192, new ArrayList<>())) {
                valid.add(f.bytes);
            }
        }
        FrameDecoder dec = new FrameDecoder(SCHEMAS, 8192, line -> { });
        OverlogNode node = new OverlogNode(PROGRAM, "a");
        int frames = 100_000;
        long accepted = 0;
        List<Tuple> out = new ArrayList<>();
        UnsafeBuffer buf = new UnsafeBuffer(new byte[9000]);
        for (int i = 0; i < frames; i++) {
            int len;
            if (i % 2 == 0) {
                len = rnd.nextInt(0, 200);
                for (int k = 0; k < len; k++) {
                    buf.putByte(k, (byte) rnd.nextInt());
                }
                if (len >= 4 && rnd.nextBoolean()) {
                    buf.putShort(0, FrameFormat.MAGIC, ValueCodec.ORDER);
                    buf.putByte(2, FrameFormat.VERSION);
                    if (len >= 8) {
                        buf.putInt(4, len, ValueCodec.ORDER);
                    }
                }
            } else {
                byte[] v = valid.get(rnd.nextInt(valid.size()));
                buf.putBytes(0, v);
                len = v.length;
                switch (rnd.nextInt(4)) {
                    case 0 -> len = rnd.nextInt(len);
                    case 1 -> {
                        int extra = rnd.nextInt(1, 20);
                        for (int k = 0; k < extra; k++) {
                            buf.putByte(len + k, (byte) rnd.nextInt());
                        }
                        len += extra;
                    }
                    default -> {
                        for (int k = rnd.nextInt(1, 4); k > 0; k--) {
                            int at = rnd.nextInt(len);
                            buf.putByte(at, (byte) (buf.getByte(at) ^ (1 << rnd.nextInt(8))));
                        }
                    }
                }
            }
            out.clear();
            int n = dec.decode(buf, 0, len, out::add);
            if (n >= 0) {
                accepted++;
                assertEquals(n, out.size());
                if (accepted % 50 == 0) {
                    node.step(i, out);
                }
            }
        }
        assertEquals(frames, accepted + dec.refusedTotal(), "every frame is accepted or counted as refused");
        assertTrue(dec.refusedTotal() > frames / 2, "most fuzzed frames are refused: " + dec.refusedTotal());
    }
}
