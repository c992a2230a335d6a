package io.boomfs.datanode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.boomfs.datanode.ChunkToken.Mode.READ;
import static io.boomfs.datanode.ChunkToken.Mode.WRITE;
import static io.boomfs.datanode.TestData.MIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Chunk tokens: what a token allows and what it does not, and datanodes that require them,
 * with a manual clock so that expiry needs no sleep.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ChunkTokenTest {
    private static final ChunkToken.Key KEY = ChunkToken.deriveKey("the cluster key of this test".getBytes(StandardCharsets.US_ASCII));
    private static final ChunkToken.Key OTHER_KEY = ChunkToken.deriveKey("another cluster's key".getBytes(StandardCharsets.US_ASCII));
    private static final long NOW = 1_800_000_000_000L;

    private final Datanodes nodes = new Datanodes();
    private final AtomicLong clock = new AtomicLong(NOW);
    private final DataClient client = new DataClient(new DataClient.Config(2_000, 5_000));

    @AfterEach
    void close() {
        client.close();
        nodes.close();
    }

    private DataServer start(Path dir, ChunkToken.Key key) {
        return nodes.start(dir, 1L << 30, c -> c.withTokenKey(key), clock::get);
    }

    private static void assertRefused(ChunkToken.Refusal r, ErrorCode code, String reason) {
        assertTrue(r != null, "refused");
        assertEquals(code, r.code(), r.toString());
        assertEquals(reason, r.reason());
    }

    @Test
    void aTokenAllowsItsChunkAndModeUntilItsExpiryAndNothingElse() {
        String token = ChunkToken.issue(KEY, 42, READ, NOW + 1_000);
        assertEquals(ChunkToken.ENCODED_CHARS, token.length());
        assertEquals(67, token.length());
        assertEquals(token, ChunkToken.issue(KEY, 42, READ, NOW + 1_000), "a pure function of its inputs");
        assertNull(ChunkToken.check(KEY, token, 42, READ, NOW));
        assertNull(ChunkToken.check(KEY, token, 42, READ, NOW + 999));
        assertRefused(ChunkToken.check(KEY, token, 42, READ, NOW + 1_000), ErrorCode.TOKEN_EXPIRED,
            "the token of a read of chunk 000000000000002a expired 0 ms ago (at 1800000001000 ms since the epoch)");
        assertRefused(ChunkToken.check(KEY, token, 43, READ, NOW), ErrorCode.ACCESS_DENIED,
            "the token of a read of chunk 000000000000002b is for chunk 000000000000002a");
        assertRefused(ChunkToken.check(KEY, token, 42, WRITE, NOW), ErrorCode.ACCESS_DENIED,
            "the token of a write of chunk 000000000000002a allows reads only");
        assertRefused(ChunkToken.check(OTHER_KEY, token, 42, READ, NOW), ErrorCode.ACCESS_DENIED,
            "the token of a read of chunk 000000000000002a is not signed with this cluster's token key");
        assertRefused(ChunkToken.check(KEY, "", 42, READ, NOW), ErrorCode.ACCESS_DENIED,
            "a read of chunk 000000000000002a needs a chunk token, and the request has none");
        assertRefused(ChunkToken.check(KEY, token + "A", 42, READ, NOW), ErrorCode.ACCESS_DENIED,
            "the token of a read of chunk 000000000000002a is not a chunk token (67 characters of URL-safe base64)");
        // Negative and extreme ids and expiries are fields like any other.
        String odd = ChunkToken.issue(KEY, -1, WRITE, Long.MAX_VALUE);
        assertNull(ChunkToken.check(KEY, odd, -1, WRITE, Long.MAX_VALUE - 1));
        assertRefused(ChunkToken.check(KEY, odd, Long.MAX_VALUE, WRITE, NOW), ErrorCode.ACCESS_DENIED,
            "the token of a write of chunk 7fffffffffffffff is for chunk ffffffffffffffff");
    }

    @Test
    void everyChangedCharacterOfATokenIsRefused() {
        String token = ChunkToken.issue(KEY, 7, WRITE, NOW + 60_000);
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        int refused = 0;
        for (int i = 0; i < token.length(); i++) {
            for (char c : alphabet.toCharArray()) {
                if (c == token.charAt(i)) {
                    continue;
                }
                String tampered = token.substring(0, i) + c + token.substring(i + 1);
                ChunkToken.Refusal r = ChunkToken.check(KEY, tampered, 7, WRITE, NOW);
                assertTrue(r != null && r.code() == ErrorCode.ACCESS_DENIED, "position " + i + " as " + c + ": " + r);
                refused++;
            }
        }
        assertEquals(67 * 63, refused);
    }

    @Test
    void keysAreDerivedFromTheClusterKeyAndHaveAMinimumLength() {
        byte[] cluster = "the cluster key of this test".getBytes(StandardCharsets.US_ASCII);
        String a = ChunkToken.issue(ChunkToken.deriveKey(cluster), 1, READ, NOW);
        assertEquals(a, ChunkToken.issue(ChunkToken.deriveKey(cluster.clone()), 1, READ, NOW), "the same cluster key, the same token key");
        assertNotEquals(a, ChunkToken.issue(new ChunkToken.Key(cluster), 1, READ, NOW), "the cluster key itself signs nothing");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ChunkToken.Key(new byte[15]));
        assertEquals("a chunk token key has at least 16 bytes, not 15", e.getMessage());
        assertEquals("ChunkToken.Key(32 bytes)", KEY.toString());
    }

    @Test
    void aDatanodeThatRequiresTokensServesOnlyValidOnesAndChangesNothingForTheOthers(@TempDir Path dir) throws IOException {
        DataServer dn = start(dir, KEY);
        String at = dn.address();
        byte[] data = TestData.bytes(1, MIB + 3);
        client.write(List.of(at), 5, data, ChunkToken.issue(KEY, 5, WRITE, NOW + 10_000));
        assertArrayEquals(data, client.readAll(at, 5, ChunkToken.issue(KEY, 5, READ, NOW + 10_000)));

        byte[] other = TestData.bytes(2, 1000);
        assertDenied(() -> client.write(List.of(at), 5, other), ErrorCode.ACCESS_DENIED, at,
            "a write of chunk 0000000000000005 needs a chunk token, and the request has none");
        assertDenied(() -> client.write(List.of(at), 5, other, ChunkToken.issue(KEY, 5, READ, NOW + 10_000)), ErrorCode.ACCESS_DENIED,
            at, "the token of a write of chunk 0000000000000005 allows reads only");
        assertDenied(() -> client.write(List.of(at), 5, other, ChunkToken.issue(KEY, 6, WRITE, NOW + 10_000)), ErrorCode.ACCESS_DENIED,
            at, "the token of a write of chunk 0000000000000005 is for chunk 0000000000000006");
        assertDenied(() -> client.write(List.of(at), 5, other, ChunkToken.issue(OTHER_KEY, 5, WRITE, NOW + 10_000)),
            ErrorCode.ACCESS_DENIED, at, "the token of a write of chunk 0000000000000005 is not signed with this cluster's token key");
        assertDenied(() -> client.readAll(at, 5), ErrorCode.ACCESS_DENIED, at,
            "a read of chunk 0000000000000005 needs a chunk token, and the request has none");
        assertDenied(() -> client.readAll(at, 5, ChunkToken.issue(KEY, 5, WRITE, NOW + 10_000)), ErrorCode.ACCESS_DENIED, at,
            "the token of a read of chunk 0000000000000005 allows writes only");

        // Tokens expire: the same tokens, ten seconds later.
        String write = ChunkToken.issue(KEY, 5, WRITE, NOW + 10_000);
        String read = ChunkToken.issue(KEY, 5, READ, NOW + 10_000);
        clock.set(NOW + 10_000);
        assertDenied(() -> client.write(List.of(at), 5, other, write), ErrorCode.TOKEN_EXPIRED, at,
            "the token of a write of chunk 0000000000000005 expired 0 ms ago (at 1800000010000 ms since the epoch)");
        assertDenied(() -> client.readAll(at, 5, read), ErrorCode.TOKEN_EXPIRED, at,
            "the token of a read of chunk 0000000000000005 expired 0 ms ago (at 1800000010000 ms since the epoch)");
        // A new token works again, and every refused write left the chunk as it was.
        assertArrayEquals(data, client.readAll(at, 5, ChunkToken.issue(KEY, 5, READ, NOW + 20_000)));
        nodes.awaitIdle();
        assertEquals(List.of(new ChunkStore.ChunkInfo(5, data.length)), dn.store().list());
        assertEquals(List.of("0000000000000005.chunk"), TestData.files(dn.store().dir()));
        assertEquals(8L, dn.metrics().errors().get(ErrorCode.ACCESS_DENIED) + dn.metrics().errors().get(ErrorCode.TOKEN_EXPIRED));
    }

    @Test
    void aPipelineForwardsTheTokenAndEveryDatanodeChecksIt(@TempDir Path dir) throws IOException {
        DataServer a = start(dir, KEY);
        DataServer b = start(dir, KEY);
        DataServer c = start(dir, KEY);
        List<String> pipeline = List.of(a.address(), b.address(), c.address());
        byte[] data = TestData.bytes(3, 2 * MIB);
        client.write(pipeline, 9, data, ChunkToken.issue(KEY, 9, WRITE, NOW + 1_000));
        for (DataServer s : List.of(a, b, c)) {
            assertArrayEquals(data, client.readAll(s.address(), 9, ChunkToken.issue(KEY, 9, READ, NOW + 1_000)));
        }
        // The last datanode has another key: it refuses, the error names it, and the datanodes
        // before it keep nothing of the new chunk.
        DataServer stranger = start(dir, OTHER_KEY);
        assertDenied(() -> client.write(List.of(a.address(), b.address(), stranger.address()), 10, data,
            ChunkToken.issue(KEY, 10, WRITE, NOW + 1_000)), ErrorCode.ACCESS_DENIED, stranger.address(),
            "the token of a write of chunk 000000000000000a is not signed with this cluster's token key");
        nodes.awaitIdle();
        for (DataServer s : List.of(a, b, c)) {
            assertEquals(List.of(new ChunkStore.ChunkInfo(9, data.length)), s.store().list());
        }
        assertEquals(List.of(), stranger.store().list());
    }

    @Test
    void thousandsOfMutatedTokensAreAllRefusedInMemory(@TempDir Path dir) throws IOException {
        DataServer dn = start(dir, KEY);
        byte[] data = TestData.bytes(4, 100);
        client.write(List.of(dn.address()), 4, data, ChunkToken.issue(KEY, 4, WRITE, NOW + 1_000));
        long seed = Long.getLong("seed", System.nanoTime());
        System.out.println("ChunkTokenTest token fuzz: SEED=" + seed + " (-Dseed=" + seed + " replays)");
        SplittableRandom random = new SplittableRandom(seed);
        String good = ChunkToken.issue(KEY, 4, READ, NOW + 1_000);
        for (int i = 0; i < 5_000; i++) {
            char[] t = good.toCharArray();
            int changes = 1 + random.nextInt(3);
            for (int k = 0; k < changes; k++) {
                // Any printable character; one equal to the original makes no change, and is redrawn.
                int at = random.nextInt(t.length);
                char c;
                do {
                    c = (char) (33 + random.nextInt(94));
                } while (c == good.charAt(at));
                t[at] = c;
            }
            String token = new String(t);
            boolean write = random.nextBoolean();
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            Protocol.writeRequest(new java.io.DataOutputStream(request), write ? new Protocol.Write(4, 1, List.of(), token)
                : new Protocol.Read(4, 0, 100, token));
            if (write) {
                Protocol.writeData(new java.io.DataOutputStream(request), new byte[] {1}, 1, crc(new byte[] {1}));
            }
            ByteArrayOutputStream reply = new ByteArrayOutputStream();
            dn.serveInMemory(new ByteArrayInputStream(request.toByteArray()), reply);
            DataServerRobustnessTest.Reply r = DataServerRobustnessTest.parse(new DataInputStream(new ByteArrayInputStream(
                reply.toByteArray())));
            assertTrue(r.error() != null && r.error().code() == ErrorCode.ACCESS_DENIED, "case " + i + " (SEED=" + seed + ") token "
                + token + ": " + r);
        }
        assertEquals(5_000L, dn.metrics().errors().get(ErrorCode.ACCESS_DENIED));
        assertEquals(List.of(new ChunkStore.ChunkInfo(4, data.length)), dn.store().list());
        assertArrayEquals(data, client.readAll(dn.address(), 4, good));
    }

    private static int crc(byte[] b) {
        java.util.zip.CRC32C c = new java.util.zip.CRC32C();
        c.update(b);
        return (int) c.getValue();
    }

    interface Transfer {
        void run() throws IOException;
    }

    private static void assertDenied(Transfer t, ErrorCode code, String datanode, String reason) {
        DataTransferException e = assertThrows(DataTransferException.class, t::run);
        assertEquals(code, e.code(), e.getMessage());
        assertEquals(datanode, e.datanode(), e.getMessage());
        assertEquals(reason, e.reason());
        assertTrue(Arrays.asList(ErrorCode.ACCESS_DENIED, ErrorCode.TOKEN_EXPIRED).contains(code));
    }
}
