package io.boomfs.engine.runtime;

import io.boomfs.engine.Tuple;
import io.boomfs.engine.program.Program;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Membership authentication of frames ({@link FrameAuth}) and the key file ({@link ClusterKey}). */
class FrameAuthTest {
    static final String SRC = """
        event p1a(@To: addr, From: addr, Ballot: long).
        event request(@To: addr, From: addr, Op: string).
        table open_message(Relation: string) key(Relation).
        open_message("request").
        """;
    static final Program PROGRAM = Programs.compile("auth.olg", SRC);
    static final Schemas SCHEMAS = new Schemas(PROGRAM);
    static final ClusterKey KEY = ClusterKey.of(bytes(1));
    static final ClusterKey OTHER_KEY = ClusterKey.of(bytes(2));
    static final String SENDER = "10.0.0.1:4000";

    /** A clock the test moves: 2026-12-06 at noon, in ms. */
    final AtomicLong clock = new AtomicLong(1_796_558_400_000L);
    final List<String> log = new ArrayList<>();

    static byte[] bytes(int seed) {
        byte[] b = new byte[ClusterKey.BYTES];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (seed * 31 + i);
        }
        return b;
    }

    FrameAuth auth(ClusterKey key) {
        return FrameAuth.forProgram(key, PROGRAM, clock::get);
    }

    static List<byte[]> encode(FrameAuth auth, Tuple... tuples) {
        List<byte[]> frames = new ArrayList<>();
        new FrameEncoder(SCHEMAS, SENDER, 8192, auth).encode(List.of(tuples), new FrameEncoder.Sink() {
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

    static byte[] one(FrameAuth auth, Tuple t) {
        List<byte[]> f = encode(auth, t);
        assertEquals(1, f.size());
        return f.get(0);
    }

    FrameDecoder decoder(FrameAuth auth) {
        return new FrameDecoder(SCHEMAS, 1 << 20, log::add, auth);
    }

    static int decode(FrameDecoder d, byte[] frame, List<Tuple> out) {
        return d.decode(new UnsafeBuffer(frame), 0, frame.length, out::add);
    }

    static Tuple p1a(long ballot) {
        return new Tuple("p1a", "r1", SENDER, ballot);
    }

    @Test
    void aSignedFrameFromAMemberIsAcceptedAndAFlippedBitAnywhereIsRefused() {
        FrameAuth sender = auth(KEY);
        byte[] good = one(sender, p1a(7));
        assertEquals(FrameAuth.FLAG_SIGNED, good[3] & FrameAuth.FLAG_SIGNED, "the flags say signed");
        List<Tuple> out = new ArrayList<>();
        assertEquals(1, decode(decoder(auth(KEY)), good, out));
        assertEquals(List.of(p1a(7)), out);
        // Every single-bit change, header, sender, payload, counter or tag, is refused, and
        // nothing is delivered (a fresh receiver each time, so that no change is a mere replay).
        for (int i = 0; i < good.length; i++) {
            byte[] bad = good.clone();
            bad[i] ^= (byte) (1 << (i % 8));
            FrameDecoder d = decoder(auth(KEY));
            out.clear();
            assertEquals(-1, decode(d, bad, out), "byte " + i + " flipped");
            assertTrue(out.isEmpty());
        }
        FrameDecoder d = decoder(auth(KEY));
        byte[] bad = good.clone();
        bad[good.length - 30] ^= 1;
        decode(d, bad, out);
        assertEquals(1, d.refused(FrameDecoder.Refusal.BAD_MAC), "a changed payload byte is a bad MAC");
    }

    @Test
    void aFrameSignedWithAnotherKeyIsRefusedAndLoggedOncePerSenderPerMinute() {
        FrameAuth intruder = auth(OTHER_KEY);
        FrameDecoder d = decoder(auth(KEY));
        List<Tuple> out = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            assertEquals(-1, decode(d, one(intruder, p1a(1L << 40)), out));
        }
        assertTrue(out.isEmpty());
        assertEquals(5, d.refused(FrameDecoder.Refusal.BAD_MAC));
        assertEquals(1, log.size(), log.toString());
        assertTrue(log.get(0).startsWith("refused a frame from " + SENDER + " (bad_mac): its MAC does not verify"), log.get(0));
        clock.addAndGet(61_000);
        decode(d, one(intruder, p1a(1L << 40)), out);
        assertEquals(2, log.size(), "a minute later, one more line");
        assertTrue(log.get(1).contains("4 more auth refusals from this sender since the last line"), log.get(1));
    }

    @Test
    void aReplayedFrameIsRefusedButReorderedFramesAreAcceptedOnce() {
        FrameAuth sender = auth(KEY);
        List<byte[]> frames = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            frames.add(one(sender, p1a(i)));
        }
        FrameDecoder d = decoder(auth(KEY));
        List<Tuple> out = new ArrayList<>();
        // Out of order: the network may reorder, and each frame is still accepted exactly once.
        for (int i : new int[] {0, 3, 1, 2, 9, 4, 8, 5, 7, 6}) {
            assertEquals(1, decode(d, frames.get(i), out), "frame " + i);
        }
        for (byte[] f : frames) {
            assertEquals(-1, decode(d, f, out), "a replay is refused");
        }
        assertEquals(10, out.size());
        assertEquals(10, d.refused(FrameDecoder.Refusal.REPLAY));
    }

    @Test
    void aFrameEvictedFromTheRecentCountersIsStillRefused() {
        FrameAuth sender = auth(KEY);
        byte[] first = one(sender, p1a(0));
        FrameDecoder d = decoder(auth(KEY));
        List<Tuple> out = new ArrayList<>();
        assertEquals(1, decode(d, first, out));
        for (int i = 0; i < FrameAuth.RECENT * 3; i++) {
            assertEquals(1, decode(d, one(sender, p1a(i)), out));
        }
        assertEquals(-1, decode(d, first, out));
        assertEquals(1, d.refused(FrameDecoder.Refusal.REPLAY));
    }

    @Test
    void aFrameOlderThanTheWindowIsRefusedByAReceiverThatRestarted() {
        byte[] old = one(auth(KEY), p1a(1));
        clock.addAndGet(FrameAuth.WINDOW_MICROS / 1000 + 1);
        FrameDecoder restarted = decoder(auth(KEY));
        List<Tuple> out = new ArrayList<>();
        assertEquals(-1, decode(restarted, old, out));
        assertEquals(1, restarted.refused(FrameDecoder.Refusal.REPLAY));
        assertTrue(log.get(0).contains("outside the window of 60 s"), log.get(0));
    }

    @Test
    void aRestartedSenderIsAcceptedSinceItsCounterStartsFromItsClock() {
        FrameAuth before = auth(KEY);
        FrameDecoder d = decoder(auth(KEY));
        List<Tuple> out = new ArrayList<>();
        // A burst within one millisecond: the counter runs ahead of the clock by the burst.
        for (int i = 0; i < 500; i++) {
            assertEquals(1, decode(d, one(before, p1a(i)), out));
        }
        // The sender restarts a millisecond later: a new FrameAuth, no memory of its counter.
        clock.addAndGet(1);
        FrameAuth after = auth(KEY);
        assertEquals(1, decode(d, one(after, p1a(1000)), out), "the restarted sender gets in");
        assertEquals(0, d.refusedTotal());
    }

    @Test
    void anUnsignedFrameMayCarryOnlyOpenRelationsToAMember() {
        FrameDecoder member = decoder(auth(KEY));
        List<Tuple> out = new ArrayList<>();
        Tuple request = new Tuple("request", "r1", "client:1", "put x");
        assertEquals(1, decode(member, one(null, request), out), "a client's request needs no key");
        assertEquals(-1, decode(member, one(null, p1a(99)), out), "a p1a without a MAC is refused");
        // Smuggling: a member relation in the same frame as an open one refuses the whole frame.
        List<byte[]> mixed = encode(null, request, p1a(99));
        assertEquals(1, mixed.size());
        assertEquals(-1, decode(member, mixed.get(0), out));
        assertEquals(List.of(request), out);
        assertEquals(2, member.refused(FrameDecoder.Refusal.UNSIGNED));
        assertTrue(log.get(0).contains("relation p1a needs the cluster key's MAC; a frame without one may carry only request"), log.get(0));
    }

    @Test
    void aNodeWithoutAKeyAcceptsSignedFramesWithoutCheckingThem() {
        // A client has no key: it takes a member's answers as they are (client auth is another matter).
        FrameDecoder client = decoder(null);
        List<Tuple> out = new ArrayList<>();
        assertEquals(1, decode(client, one(auth(KEY), p1a(3)), out));
        assertEquals(1, decode(client, one(null, p1a(4)), out));
        assertEquals(List.of(p1a(3), p1a(4)), out);
    }

    @Test
    void theOpenRelationsAreTheProgramsDeclaration() {
        assertEquals(Set.of("request"), FrameAuth.openRelations(PROGRAM));
    }

    @Test
    void keygenWritesAnOwnerOnlyFileThatLoadsBackAndRefusesToOverwrite(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("cluster.key");
        ClusterKey k = ClusterKey.generate(f, false, new SecureRandom());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertArrayEquals(k.bytes(), ClusterKey.load(f).bytes());
        assertEquals(k.fingerprint(), ClusterKey.load(f).fingerprint());
        ClusterKey.KeyFileException e = assertThrows(ClusterKey.KeyFileException.class, () -> ClusterKey.generate(f, false, new SecureRandom()));
        assertTrue(e.getMessage().contains("exists already; ./boom keygen --force"), e.getMessage());
        assertArrayEquals(k.bytes(), ClusterKey.load(f).bytes(), "the key is untouched");
        ClusterKey forced = ClusterKey.generate(f, true, new SecureRandom());
        assertNotEquals(k, forced);
        assertEquals(forced, ClusterKey.load(f));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    }

    @Test
    void aKeyFileThatIsMissingReadableByOthersOrOfTheWrongLengthIsOneClearLine(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("none.key");
        assertEquals("cluster key file " + missing + " does not exist (create one with ./boom keygen " + missing + ")",
            assertThrows(ClusterKey.KeyFileException.class, () -> ClusterKey.load(missing)).getMessage());
        Path open = dir.resolve("open.key");
        ClusterKey.generate(open, false, new SecureRandom());
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals("cluster key file " + open + " has mode 644: only its owner may read it (chmod 600 " + open + ")",
            assertThrows(ClusterKey.KeyFileException.class, () -> ClusterKey.load(open)).getMessage());
        Path shortKey = dir.resolve("short.key");
        Files.writeString(shortKey, HexFormat.of().formatHex(new byte[16]) + "\n");
        Files.setPosixFilePermissions(shortKey, PosixFilePermissions.fromString("rw-------"));
        assertEquals("cluster key file " + shortKey + " holds a key of 16 bytes; a cluster key has 32 (make a new one with ./boom keygen)",
            assertThrows(ClusterKey.KeyFileException.class, () -> ClusterKey.load(shortKey)).getMessage());
    }
}
