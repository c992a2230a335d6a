package io.boomfs.datanode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

import static io.boomfs.datanode.TestData.BLOCK;
import static io.boomfs.datanode.TestData.MIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What a datanode does with requests no client of ours sends: malformed and fuzzed frames get an
 * error reply and a closed connection, slow and idle peers are closed after their timeout, and
 * through it all the server keeps serving.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DataServerRobustnessTest {
    /** Hostile requests served in memory ({@link DataServer#serveInMemory}); -Pfuzz raises it. */
    private static final int FUZZ_CASES = Integer.getInteger("datanode.fuzz.cases", 100_000);
    /** Hostile requests sent over TCP, a connection each; -Pfuzz raises it. */
    private static final int FUZZ_TCP_CASES = Integer.getInteger("datanode.fuzz.tcp.cases", 3_000);
    private final Datanodes nodes = new Datanodes();

    @AfterEach
    void close() {
        nodes.close();
    }

    /** What a datanode answered to one request, as frames. */
    record Reply(List<Integer> types, Protocol.ErrorReply error, byte[] data, boolean complete) {
        @Override
        public String toString() {
            return "frames " + types + (error != null ? " " + error : "") + (complete ? "" : " (incomplete)");
        }
    }

    /** Sends {@code request}, ends the sending side, and reads the whole reply until the datanode closes. */
    static Reply exchange(String address, byte[] request) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", Protocol.port(address)), 5_000);
            s.setSoTimeout(20_000);
            try {
                s.getOutputStream().write(request);
                s.shutdownOutput();
            } catch (IOException e) {
                // The datanode may have answered and closed before taking everything: read what it said.
            }
            return parse(new DataInputStream(new java.io.BufferedInputStream(s.getInputStream())));
        }
    }

    /** Parses a reply strictly: any frame out of protocol fails the test. */
    static Reply parse(DataInputStream in) throws IOException {
        List<Integer> types = new ArrayList<>();
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        long expectData = -1;
        while (true) {
            int type;
            try {
                type = in.readUnsignedByte();
            } catch (EOFException e) {
                return new Reply(types, null, data.toByteArray(), expectData == data.size());
            } catch (IOException e) {
                // A reset after the last frame is fine (the datanode closed with bytes of ours unread).
                return new Reply(types, null, data.toByteArray(), expectData == data.size());
            }
            types.add(type);
            switch (type) {
                case Protocol.ERROR -> {
                    Protocol.ErrorReply e = Protocol.readError(in);
                    assertEquals(-1, readOrEnd(in), "nothing after an error frame");
                    return new Reply(types, e, data.toByteArray(), true);
                }
                case Protocol.READY -> assertEquals(List.of(Protocol.READY), types, "READY comes first, once");
                case Protocol.STORED -> {
                    assertEquals(List.of(Protocol.READY, Protocol.STORED), types);
                    assertEquals(-1, readOrEnd(in), "nothing after STORED");
                    return new Reply(types, null, new byte[0], true);
                }
                case Protocol.READ_OK -> {
                    assertEquals(1, types.size(), "READ_OK comes first");
                    long chunkLength = in.readLong();
                    expectData = in.readLong();
                    assertTrue(expectData >= 0 && expectData <= chunkLength, "count " + expectData + " of " + chunkLength);
                }
                case Protocol.DATA -> {
                    assertTrue(expectData >= 0, "DATA after READ_OK only");
                    int n = in.readInt();
                    int crc = in.readInt();
                    assertTrue(n >= 1 && n <= BLOCK && data.size() + n <= expectData, "a frame of " + n);
                    byte[] b = new byte[n];
                    in.readFully(b);
                    CRC32C c = new CRC32C();
                    c.update(b);
                    assertEquals((int) c.getValue(), crc, "every frame's CRC32C matches");
                    data.write(b);
                }
                default -> fail("frame type " + type + " after " + types);
            }
        }
    }

    static byte[] writeRequest(long chunkId, long length, List<String> downstream, byte[] data) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        Protocol.writeRequest(out, new Protocol.Write(chunkId, length, downstream, ""));
        CRC32C crc = new CRC32C();
        for (int at = 0; at < data.length; at += BLOCK) {
            int n = Math.min(BLOCK, data.length - at);
            crc.reset();
            crc.update(data, at, n);
            Protocol.writeData(out, Arrays.copyOfRange(data, at, at + n), n, (int) crc.getValue());
        }
        return b.toByteArray();
    }

    static byte[] readRequest(long chunkId, long offset, long length) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        Protocol.writeRequest(new DataOutputStream(b), new Protocol.Read(chunkId, offset, length, ""));
        return b.toByteArray();
    }

    private static byte[] header(int magic, int version, int op, long... fields) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        out.writeInt(magic);
        out.writeByte(version);
        out.writeByte(op);
        for (long f : fields) {
            out.writeLong(f);
        }
        return b.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.writeBytes(p);
        }
        return b.toByteArray();
    }

    private static void assertError(Reply r, ErrorCode code, String message) {
        assertTrue(r.error() != null, "an error reply, got " + r);
        assertEquals(code, r.error().code(), r.toString());
        assertEquals("", r.error().datanode(), "the datanode speaks of itself");
        assertTrue(r.error().message().contains(message), "\"" + message + "\" in " + r);
    }

    @Test
    void malformedRequestsGetAnErrorReplyThatSaysWhatIsWrong(@TempDir Path dir) throws IOException {
        String dn = nodes.start(dir).address();
        int magic = Protocol.MAGIC;
        assertError(exchange(dn, "GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)), ErrorCode.BAD_REQUEST,
            "not a BoomFS data transfer request (magic 0x47455420)");
        assertError(exchange(dn, header(magic, 3, 1)), ErrorCode.UNSUPPORTED_VERSION,
            "protocol version 3; this datanode speaks versions 1 and 2");
        assertError(exchange(dn, header(magic, 1, 9)), ErrorCode.BAD_REQUEST, "unknown operation 9");
        assertError(exchange(dn, header(magic, 1, 1, 5, -1)), ErrorCode.BAD_REQUEST, "chunk length -1 is outside 0..1073741824");
        assertError(exchange(dn, header(magic, 1, 1, 5, 1L << 31)), ErrorCode.BAD_REQUEST, "chunk length 2147483648 is outside");
        assertError(exchange(dn, concat(header(magic, 1, 1, 5, 10), new byte[] {8})), ErrorCode.BAD_REQUEST,
            "a pipeline of 9 datanodes; the limit is 8");
        for (String[] bad : new String[][] {{"nohost", "not HOST:PORT"}, {"127.0.0.1:0", "the port is outside 1..65535"},
            {"127.0.0.1:70000", "the port is outside"}, {"a b:1", "the host has a character"}, {":80", "not HOST:PORT"},
            {"h:8x", "the port is not a number"}, {"", "an address has 1 to 255 characters"}}) {
            byte[] a = bad[0].getBytes(StandardCharsets.ISO_8859_1);
            assertError(exchange(dn, concat(header(magic, 1, 1, 5, 10), new byte[] {1, (byte) a.length}, a)), ErrorCode.BAD_REQUEST,
                bad[1]);
        }
        assertError(exchange(dn, header(magic, 1, 2, 5, -1, 10)), ErrorCode.BAD_REQUEST, "a non-negative offset and length");
        assertError(exchange(dn, Arrays.copyOf(readRequest(1, 0, 10), 20)), ErrorCode.BAD_REQUEST, "the request ended early");

        byte[] data = TestData.bytes(1, BLOCK + 10);
        byte[] write = writeRequest(7, data.length, List.of(), data);
        int headerBytes = write.length - (data.length + 18);
        byte[] shortFrame = write.clone();
        shortFrame[headerBytes + 2] = 0; // the first frame's length: 0x00010000 -> 0x00000100
        shortFrame[headerBytes + 3] = 1;
        assertError(exchange(dn, shortFrame), ErrorCode.BAD_REQUEST,
            "a data frame at offset 0 holds 256 bytes; frames hold whole 64 KiB blocks, so this one must hold 65536");
        byte[] wrongType = write.clone();
        wrongType[headerBytes + 9 + BLOCK] = 7;
        assertError(exchange(dn, wrongType), ErrorCode.BAD_REQUEST, "expected a data frame at offset 65536, got frame type 7");
        byte[] badCrc = write.clone();
        badCrc[headerBytes + 9 + 500] ^= 1;
        assertError(exchange(dn, badCrc), ErrorCode.CHECKSUM, "the data of chunk 0000000000000007 at offset 0 arrived with a wrong checksum");
        assertError(exchange(dn, Arrays.copyOf(write, write.length - 3)), ErrorCode.BAD_REQUEST,
            "the data of chunk 0000000000000007 ended after 65536 of 65546 bytes");
        // And the well-formed write works.
        Reply ok = exchange(dn, write);
        assertEquals(List.of(Protocol.READY, Protocol.STORED), ok.types());
        assertArrayEquals(data, exchange(dn, readRequest(7, 0, 1L << 40)).data());
        nodes.awaitIdle();
        assertEquals(List.of(new ChunkStore.ChunkInfo(7, data.length)), nodes.get(0).store().list());
    }

    /**
     * Hostile requests from one seed: random bytes, random bodies after a valid header, and
     * well-formed requests with a few bytes changed, cut, inserted or removed. A mutated write
     * keeps its chunk id (bytes 6..13: a well-formed write to chunk 3 would rightly replace the
     * chunk checked at the end), and one with a downstream datanode keeps its count byte and
     * address, so that no mutation makes the datanode dial anything but the test's own datanode.
     */
    static final class Fuzzer {
        private final SplittableRandom random;
        private final List<byte[]> local = new ArrayList<>();
        private final List<byte[]> piped = new ArrayList<>();
        private final int pipedKeep;
        private final int pipedPercent;

        /**
         * @param downstream   the one datanode a mutated pipeline write may name
         * @param pipedPercent of the mutated cases, the share that are pipeline writes (each
         *                     dials {@code downstream} over TCP when its header survives)
         */
        Fuzzer(long seed, int bigChunkLength, String downstream, int pipedPercent) throws IOException {
            this.random = new SplittableRandom(seed);
            this.pipedPercent = pipedPercent;
            local.add(readRequest(3, 0, bigChunkLength));
            local.add(readRequest(3, BLOCK - 3, 10));
            for (int len : new int[] {0, 1, 1000, BLOCK, BLOCK + 1}) {
                local.add(writeRequest(100 + len, len, List.of(), TestData.bytes(len, len)));
                piped.add(writeRequest(200 + len, len, List.of(downstream), TestData.bytes(len, len)));
            }
            pipedKeep = 4 + 1 + 1 + 8 + 8 + 1 + 1 + downstream.length();
        }

        byte[] next() throws IOException {
            int kind = random.nextInt(10);
            if (kind < 2) {
                byte[] request = new byte[random.nextInt(200)];
                random.nextBytes(request);
                return request;
            }
            if (kind < 4) {
                byte[] body = new byte[random.nextInt(60)];
                random.nextBytes(body);
                int op = new int[] {Protocol.OP_READ, Protocol.OP_WRITE, 0, 3, 255}[random.nextInt(5)];
                if (op == Protocol.OP_WRITE && body.length > 16) {
                    body[16] = 0; // no downstream: a random address must not be dialed
                }
                int version = random.nextBoolean() ? Protocol.VERSION : Protocol.VERSION_WITHOUT_TOKEN;
                return concat(header(Protocol.MAGIC, version, op), body);
            }
            if (random.nextInt(100) < pipedPercent) {
                return mutate(piped.get(random.nextInt(piped.size())), pipedKeep, random);
            }
            byte[] t = local.get(random.nextInt(local.size()));
            // The count byte of a local write (byte 22) stays 0 for the same reason.
            return mutate(t, t[5] == Protocol.OP_WRITE ? 23 : 0, random);
        }
    }

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS) // -Pfuzz runs 30,000
    void thousandsOfRandomAndMutatedFramesOverTcpGetErrorRepliesAndNeverStopTheServer(@TempDir Path dir) throws IOException {
        DataServer a = nodes.start(dir, 1L << 30, c -> c);
        DataServer b = nodes.start(dir, 1L << 30, c -> c);
        byte[] big = TestData.bytes(3, 3 * BLOCK + 5);
        try (DataClient client = new DataClient(DataClient.Config.defaults())) {
            client.write(List.of(a.address()), 3, big);
        }
        long seed = Long.getLong("seed", System.nanoTime());
        System.out.println("DataServerRobustnessTest TCP fuzz: SEED=" + seed + " cases=" + FUZZ_TCP_CASES + " (-Dseed=" + seed
            + " replays)");
        Fuzzer fuzzer = new Fuzzer(seed, big.length, b.address(), 50);
        int[] outcomes = new int[3];
        for (int i = 0; i < FUZZ_TCP_CASES; i++) {
            byte[] request = fuzzer.next();
            Reply r;
            try {
                r = exchange(a.address(), request);
            } catch (AssertionError | IOException e) {
                throw failure(i, seed, request, e);
            }
            // A connection closed before its first byte is no request: it gets no reply either.
            assertTrue(r.complete() || request.length == 0 && r.types().isEmpty(),
                "case " + i + " (SEED=" + seed + ") ended without a final frame: " + r);
            outcomes[r.error() != null ? 0 : r.types().contains(Protocol.STORED) ? 1 : 2]++;
        }
        System.out.println("DataServerRobustnessTest TCP fuzz: " + outcomes[0] + " error replies, " + outcomes[1]
            + " writes stored, " + outcomes[2] + " reads served");
        assertTrue(outcomes[0] > FUZZ_TCP_CASES / 2, "most cases are refused");
        assertUnharmed(a, b, big);
    }

    /**
     * The bulk of the fuzzing: the same hostile requests through the server's own decoding and
     * serving ({@link DataServer#serveInMemory}) without a connection each, checking after every
     * case that a refused request changed nothing in the store and left nothing reserved.
     */
    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS) // 10 to 40 s alone; a loaded 2-core machine is slower, and -Pfuzz runs ten times as many
    void aHundredThousandHostileRequestsInMemoryChangeNothingButWellFormedWrites(@TempDir Path dir) throws IOException {
        DataServer a = nodes.start(dir, 1L << 30, c -> c);
        DataServer b = nodes.start(dir, 1L << 30, c -> c);
        byte[] big = TestData.bytes(3, 3 * BLOCK + 5);
        try (DataClient client = new DataClient(DataClient.Config.defaults())) {
            client.write(List.of(a.address()), 3, big);
        }
        long seed = Long.getLong("seed", System.nanoTime());
        System.out.println("DataServerRobustnessTest in-memory fuzz: SEED=" + seed + " cases=" + FUZZ_CASES + " (-Dseed=" + seed
            + " replays)");
        Fuzzer fuzzer = new Fuzzer(seed, big.length, b.address(), 3);
        int[] outcomes = new int[3];
        List<ChunkStore.ChunkInfo> chunks = a.store().list();
        long start = System.nanoTime();
        for (int i = 0; i < FUZZ_CASES; i++) {
            byte[] request = fuzzer.next();
            Reply r;
            try {
                ByteArrayOutputStream reply = new ByteArrayOutputStream();
                a.serveInMemory(new ByteArrayInputStream(request), reply);
                r = parse(new DataInputStream(new ByteArrayInputStream(reply.toByteArray())));
                assertTrue(r.complete() || request.length == 0 && r.types().isEmpty(), "ended without a final frame: " + r);
                boolean stored = r.types().contains(Protocol.STORED);
                List<ChunkStore.ChunkInfo> now = a.store().list();
                // Only a stored write changes the store, and only at the chunk it names.
                long written = stored ? ByteBuffer.wrap(request, 6, 8).getLong() : Long.MIN_VALUE;
                assertEquals(chunks.stream().filter(c -> c.chunkId() != written).toList(),
                    now.stream().filter(c -> c.chunkId() != written).toList(), "the store changed after " + r);
                assertEquals(0, a.store().reservedBytes(), "space left reserved after " + r);
                chunks = now;
                outcomes[r.error() != null ? 0 : stored ? 1 : 2]++;
            } catch (AssertionError | IOException e) {
                throw failure(i, seed, request, e);
            }
            if (i % 20_000 == 0) {
                assertFilesAreTheChunks(a);
            }
        }
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.println("DataServerRobustnessTest in-memory fuzz: " + outcomes[0] + " error replies, " + outcomes[1]
            + " writes stored, " + outcomes[2] + " reads served in " + ms + " ms");
        assertTrue(outcomes[0] > FUZZ_CASES / 2, "most cases are refused");
        assertTrue(a.metrics().connections() > FUZZ_CASES, "every case went through the server: " + a.metrics().describe());
        assertUnharmed(a, b, big);
    }

    private static AssertionError failure(int i, long seed, byte[] request, Throwable e) {
        return new AssertionError("case " + i + " (SEED=" + seed + "): " + e.getMessage() + "; request "
            + java.util.HexFormat.of().formatHex(request, 0, Math.min(request.length, 64)), e);
    }

    /** The data directory holds the lock file and one file per chunk the store lists, nothing else. */
    private static void assertFilesAreTheChunks(DataServer s) throws IOException {
        Path data = s.store().dir().getParent();
        assertEquals(List.of("chunks", "datanode.lock"), TestData.files(data));
        assertEquals(s.store().list().stream().map(c -> ChunkFormat.fileName(c.chunkId())).sorted().toList(),
            TestData.files(s.store().dir()));
    }

    /** After a fuzz run: no internal error, no stray file, and both datanodes still serve, chunk 3 intact. */
    private void assertUnharmed(DataServer a, DataServer b, byte[] big) throws IOException {
        nodes.awaitIdle();
        for (DataServer s : List.of(a, b)) {
            assertNull(s.metrics().errors().get(ErrorCode.INTERNAL), s.metrics().describe());
            assertFilesAreTheChunks(s);
        }
        try (DataClient client = new DataClient(DataClient.Config.defaults())) {
            byte[] data = TestData.bytes(9, MIB);
            client.write(List.of(a.address(), b.address()), 9, data);
            assertArrayEquals(data, client.readAll(b.address(), 9));
            assertArrayEquals(big, client.readAll(a.address(), 3));
        }
    }

    /**
     * Whether byte {@code at} of {@code template} stays as it is. A write template keeps its chunk
     * id (bytes 6..13: a well-formed write to chunk 3 would rightly replace the chunk checked at
     * the end), its count byte and address (before {@code keep}). A read keeps its op: a read of
     * chunk 3 whose op byte became 1 is a well-formed write of chunk 3 with the offset as its
     * length (the -Pfuzz run found one, which emptied chunk 3).
     */
    private static boolean fixed(byte[] template, int keep, int at) {
        if (template[5] == Protocol.OP_READ) {
            return at == 5;
        }
        return keep > 0 && (at >= 6 && at < 14 || at >= 22 && at < keep);
    }

    /** A copy of {@code template} with a few bytes changed, or cut, or bytes inserted or removed after {@code keep}. */
    private static byte[] mutate(byte[] template, int keep, SplittableRandom random) {
        byte[] m = template.clone();
        int kind = random.nextInt(6);
        if (kind == 0) {
            return Arrays.copyOf(m, random.nextInt(m.length + 1));
        }
        if (kind == 1 && m.length > keep) {
            int at = keep + random.nextInt(m.length - keep + 1);
            byte[] extra = new byte[1 + random.nextInt(8)];
            random.nextBytes(extra);
            return concat(Arrays.copyOf(m, at), extra, Arrays.copyOfRange(m, at, m.length));
        }
        if (kind == 2 && m.length > keep) {
            int at = keep + random.nextInt(m.length - keep);
            int n = Math.min(m.length - at, 1 + random.nextInt(8));
            return concat(Arrays.copyOf(m, at), Arrays.copyOfRange(m, at + n, m.length));
        }
        int changes = 1 + random.nextInt(4);
        for (int c = 0; c < changes; c++) {
            int at;
            do {
                // Mostly in the header and frame headers, where the decisions are. A fixed byte
                // is drawn again, so that few mutations leave the request as it was (each
                // well-formed write costs an fsync).
                at = random.nextBoolean() ? random.nextInt(Math.min(m.length, 40)) : random.nextInt(m.length);
            } while (fixed(template, keep, at));
            m[at] = random.nextBoolean() ? (byte) (m[at] ^ (1 << random.nextInt(8))) : (byte) random.nextInt(256);
        }
        return m;
    }

    /**
     * Chunk ids come from the network and name files: whatever the id, the file is a plain
     * name inside the chunk directory. Ids whose bytes spell path syntax ("../", "/etc", NUL)
     * or sit at the edges of the range are written over the wire, and afterwards the only
     * files anywhere under the test's directory are the datanode's own.
     */
    @Test
    void noChunkIdNamesAFileOutsideTheChunkDirectory(@TempDir Path root) throws IOException {
        java.util.regex.Pattern shape = java.util.regex.Pattern.compile("[0-9a-f]{16}\\.chunk");
        List<Long> ids = new ArrayList<>(List.of(0L, -1L, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 63 >>> 1,
            ByteBuffer.wrap("../../xx".getBytes(StandardCharsets.US_ASCII)).getLong(), ByteBuffer.wrap("/etc/pas".getBytes(StandardCharsets.US_ASCII)).getLong(),
            ByteBuffer.wrap("..\\..\\\0\0".getBytes(StandardCharsets.US_ASCII)).getLong()));
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 100_000; i++) {
            ids.add(i < 8 ? ids.get(i) : random.nextLong());
        }
        Path chunks = root.resolve("dn1").resolve("chunks");
        for (long id : ids) {
            String name = ChunkFormat.fileName(id);
            assertTrue(shape.matcher(name).matches(), name);
            assertEquals(id, ChunkFormat.parseFileName(name), name);
            assertEquals(chunks, chunks.resolve(name).normalize().getParent(), name);
        }
        DataServer dn = nodes.start(root);
        try (DataClient client = new DataClient(DataClient.Config.defaults())) {
            for (long id : ids.subList(0, 8)) {
                client.write(List.of(dn.address()), id, TestData.bytes(id, 10));
                assertArrayEquals(TestData.bytes(id, 10), client.readAll(dn.address(), id));
            }
        }
        nodes.awaitIdle();
        List<String> everywhere;
        try (java.util.stream.Stream<Path> s = java.nio.file.Files.walk(root)) {
            everywhere = s.filter(java.nio.file.Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted().toList();
        }
        List<String> expected = new ArrayList<>(ids.subList(0, 8).stream().distinct()
            .map(id -> "dn1/chunks/" + ChunkFormat.fileName(id)).toList());
        expected.add("dn1/datanode.lock");
        assertEquals(expected.stream().sorted().toList(), everywhere);
    }

    /**
     * Slow loris at the connection limit: as many peers as the datanode takes connections, each
     * trickling a request header a byte at a time. The datanode closes every one of them after
     * its request timeout, on its own, and then serves a real client.
     */
    @Test
    void slowLorisPeersHoldingEveryConnectionAreClosedAndTheDatanodeServesAgain(@TempDir Path dir) throws Exception {
        DataServer dn = nodes.start(dir, 1L << 30, c -> c.withTimeouts(500, 800, 1_000).withLimits(2, 6));
        byte[] request = readRequest(1, 0, 10);
        List<Socket> lorises = new ArrayList<>();
        List<CompletableFuture<Long>> closed = new ArrayList<>();
        try {
            for (int i = 0; i < 6; i++) {
                Socket s = connect(dn.address());
                lorises.add(s);
                closed.add(closedAfter(s));
            }
            // One byte each every 100 ms: 3 s for the whole header, far past the timeout.
            for (int sent = 0; sent < 30 && !closed.stream().allMatch(CompletableFuture::isDone); sent++) {
                for (Socket s : lorises) {
                    try {
                        s.getOutputStream().write(request[sent % request.length]);
                    } catch (IOException e) {
                        // This one was closed already.
                    }
                }
                Thread.sleep(100);
            }
            for (CompletableFuture<Long> c : closed) {
                long ms = c.get(20, TimeUnit.SECONDS);
                assertTrue(ms >= 700 && ms < 15_000, "a slow loris closed after " + ms + " ms");
            }
        } finally {
            for (Socket s : lorises) {
                s.close();
            }
        }
        nodes.awaitIdle();
        assertTrue(dn.metrics().timeouts() >= 6, dn.metrics().describe());
        assertError(exchange(dn.address(), readRequest(1, 0, 1)), ErrorCode.NOT_FOUND, "no chunk 0000000000000001 on this datanode");
    }

    @Test
    void slowOrIdlePeersAreClosedAfterTheirTimeout(@TempDir Path dir) throws Exception {
        String dn = nodes.start(dir, 1L << 30, c -> c.withTimeouts(500, 500, 1_000)).address();
        // Connected, silent.
        long start = System.nanoTime();
        try (Socket s = connect(dn)) {
            assertEquals(-1, readOrEnd(s.getInputStream()));
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= 450 && ms < 15_000, "closed after " + ms + " ms");
        }
        // A request header, one byte every 200 ms (6 s in all): closed long before its end.
        byte[] request = readRequest(1, 0, 10);
        try (Socket s = connect(dn)) {
            CompletableFuture<Long> closedAfter = closedAfter(s);
            start = System.nanoTime();
            int sent = 0;
            try {
                for (; sent < request.length && !closedAfter.isDone(); sent++) {
                    s.getOutputStream().write(request[sent]);
                    Thread.sleep(200);
                }
            } catch (IOException e) {
                // Closed under us: what the test expects.
            }
            long ms = closedAfter.get(20, TimeUnit.SECONDS);
            assertTrue(sent < request.length, "closed after " + sent + " of " + request.length + " bytes");
            assertTrue(ms >= 450, "closed after " + ms + " ms");
        }
        // A write whose data trickles: the frame is due within the I/O timeout.
        try (Socket s = connect(dn)) {
            OutputStream out = s.getOutputStream();
            out.write(writeRequest(2, MIB, List.of(), new byte[0]));
            assertEquals(Protocol.READY, s.getInputStream().read());
            CompletableFuture<Long> closedAfter = closedAfter(s);
            byte[] frame = {Protocol.DATA, 0, 1, 0, 0, 0, 0, 0, 0};
            try {
                for (int i = 0; i < 100 && !closedAfter.isDone(); i++) {
                    out.write(i < frame.length ? frame[i] : 0);
                    Thread.sleep(50);
                }
            } catch (IOException e) {
                // Closed under us.
            }
            long ms = closedAfter.get(20, TimeUnit.SECONDS);
            assertTrue(ms < 5_000, "closed after " + ms + " ms, while the data still trickled");
            assertTrue(ms >= 950, "closed after " + ms + " ms, not before the I/O timeout");
        }
        nodes.awaitIdle();
        assertTrue(nodes.get(0).metrics().timeouts() >= 3, nodes.get(0).metrics().describe());
        assertEquals(0, nodes.get(0).store().reservedBytes());
        assertEquals(List.of(), TestData.files(nodes.get(0).store().dir()));
    }

    @Test
    void aReaderThatStopsReadingIsClosedAndFreesItsTransfer(@TempDir Path dir) throws Exception {
        DataServer dn = nodes.start(dir, 1L << 30, c -> c.withTimeouts(500, 500, 1_000).withLimits(1, 4));
        byte[] data = TestData.bytes(5, 16 * MIB);
        try (DataClient client = new DataClient(DataClient.Config.defaults())) {
            client.write(List.of(dn.address()), 5, data);
            try (Socket s = new Socket()) {
                s.setReceiveBufferSize(4096);
                s.connect(new InetSocketAddress("127.0.0.1", Protocol.port(dn.address())));
                s.getOutputStream().write(readRequest(5, 0, data.length));
                // Never read: the datanode blocks writing and must give up after its I/O timeout.
                long deadline = System.currentTimeMillis() + 20_000;
                while (dn.metrics().timeouts() == 0) {
                    assertTrue(System.currentTimeMillis() < deadline, "never closed: " + dn.metrics().describe());
                    Thread.sleep(20);
                }
            }
            nodes.awaitIdle();
            // Its one transfer is free again.
            assertArrayEquals(data, client.readAll(dn.address(), 5));
        }
    }

    @Test
    void connectionsPastTheLimitAreToldBusyAndTheLimitRecovers(@TempDir Path dir) throws Exception {
        DataServer dn = nodes.start(dir, 1L << 30, c -> c.withTimeouts(1_000, 3_000, 3_000).withLimits(2, 4));
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                idle.add(connect(dn.address()));
            }
            long deadline = System.currentTimeMillis() + 10_000;
            while (dn.metrics().openConnections() < 4) {
                assertTrue(System.currentTimeMillis() < deadline, "the idle connections were not all accepted");
                Thread.sleep(10);
            }
            Reply r = exchange(dn.address(), readRequest(1, 0, 1));
            assertError(r, ErrorCode.BUSY, "busy: 4 connections open, the limit");
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
        nodes.awaitIdle();
        assertError(exchange(dn.address(), readRequest(1, 0, 1)), ErrorCode.NOT_FOUND, "no chunk 0000000000000001 on this datanode");
    }

    private static Socket connect(String address) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", Protocol.port(address)), 5_000);
        s.setSoTimeout(20_000);
        return s;
    }

    /** The next byte, or -1 at the end or when the peer reset the connection. */
    private static int readOrEnd(InputStream in) {
        try {
            return in.read();
        } catch (IOException e) {
            return -1;
        }
    }

    /** Completes with the milliseconds until the peer closes {@code s} (reading and dropping what it sends). */
    private static CompletableFuture<Long> closedAfter(Socket s) {
        long start = System.nanoTime();
        return CompletableFuture.supplyAsync(() -> {
            try {
                InputStream in = s.getInputStream();
                while (in.read() >= 0) {
                    // An error frame before the close is allowed.
                }
            } catch (IOException e) {
                // Reset: closed as well.
            }
            return (System.nanoTime() - start) / 1_000_000;
        });
    }
}
