package io.boomfs.datanode;

import io.boomfs.engine.runtime.FreePorts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.boomfs.datanode.TestData.BLOCK;
import static io.boomfs.datanode.TestData.MIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pipelines and reads over real sockets between datanodes in this JVM: data, errors and who is blamed. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DataServerTest {
    private final Datanodes nodes = new Datanodes();
    private final DataClient client = new DataClient(new DataClient.Config(2_000, 5_000));

    @AfterEach
    void close() {
        client.close();
        nodes.close();
    }

    private List<String> three(Path dir) {
        for (int i = 0; i < 3; i++) {
            nodes.start(dir);
        }
        return nodes.addresses();
    }

    @Test
    void aPipelineWriteStoresTheChunkOnEveryDatanodeByteForByte(@TempDir Path dir) throws IOException {
        List<String> pipeline = three(dir);
        int[] sizes = {0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 3 * MIB + 17};
        for (int i = 0; i < sizes.length; i++) {
            byte[] data = TestData.bytes(100 + i, sizes[i]);
            client.write(pipeline, i, data);
            for (String dn : pipeline) {
                assertArrayEquals(data, client.readAll(dn, i), "size " + sizes[i] + " from " + dn);
            }
        }
        for (int n = 0; n < 3; n++) {
            assertEquals(sizes.length, nodes.get(n).store().list().size());
            assertEquals(sizes.length, nodes.get(n).metrics().writesStored());
        }
        // Ranges, cut at the chunk's end.
        byte[] data = TestData.bytes(105, sizes[5]);
        try (DataClient.ChunkInputStream in = client.read(pipeline.get(2), 5, BLOCK - 7, 2 * BLOCK + 9)) {
            assertEquals(data.length, in.chunkLength());
            assertArrayEquals(Arrays.copyOfRange(data, BLOCK - 7, 3 * BLOCK + 2), in.readAllBytes());
        }
        try (DataClient.ChunkInputStream in = client.read(pipeline.get(1), 5, data.length - 3, 100)) {
            assertEquals(3, in.length());
            assertArrayEquals(Arrays.copyOfRange(data, data.length - 3, data.length), in.readAllBytes());
        }
        // A write of the same chunk again replaces it everywhere; a pipeline of one is a plain write.
        byte[] other = TestData.bytes(7, 1000);
        client.write(pipeline, 5, other);
        client.write(List.of(pipeline.get(1)), 6, other);
        for (String dn : pipeline) {
            assertArrayEquals(other, client.readAll(dn, 5));
        }
        assertArrayEquals(other, client.readAll(pipeline.get(1), 6));
    }

    @Test
    void readsOfMissingChunksOrPastTheEndAreClearErrors(@TempDir Path dir) throws IOException {
        String dn = nodes.start(dir).address();
        client.write(List.of(dn), 1, new byte[10]);
        DataTransferException e = assertThrows(DataTransferException.class, () -> client.read(dn, 2, 0, 1));
        assertEquals(ErrorCode.NOT_FOUND, e.code());
        assertEquals(dn, e.datanode());
        assertEquals("datanode " + dn + ": no chunk 0000000000000002 on this datanode", e.getMessage());
        e = assertThrows(DataTransferException.class, () -> client.read(dn, 1, 11, 1));
        assertEquals(ErrorCode.OUT_OF_RANGE, e.code());
        assertEquals("datanode " + dn + ": offset 11 is past the end of chunk 0000000000000001 (10 bytes)", e.getMessage());
        String closed = FreePorts.loopbackEndpoint();
        e = assertThrows(DataTransferException.class, () -> client.read(closed, 1, 0, 1));
        assertEquals(ErrorCode.UNREACHABLE, e.code());
        assertEquals(closed, e.datanode());
        assertTrue(e.getMessage().startsWith("datanode " + closed + ": cannot connect: "), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> client.read("nohost", 1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> client.write(List.of(dn, dn), 1, new byte[1]));
    }

    @Test
    void aCorruptReplicaIsAnErrorFrameNamingTheDatanodeAndTheOffsetNeverBadBytes(@TempDir Path dir) throws IOException {
        List<String> pipeline = three(dir);
        byte[] data = TestData.bytes(3, 4 * BLOCK);
        client.write(pipeline, 3, data);
        TestData.flipByte(TestData.chunkFile(nodes.dir(1), 3), 32 + 2 * BLOCK + 77);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        DataTransferException e = assertThrows(DataTransferException.class, () -> {
            try (InputStream in = client.read(pipeline.get(1), 3, 0, data.length)) {
                byte[] buf = new byte[1000];
                int n;
                while ((n = in.read(buf)) > 0) {
                    got.write(buf, 0, n);
                }
            }
        });
        assertEquals(ErrorCode.CORRUPT, e.code());
        assertEquals(pipeline.get(1), e.datanode());
        assertTrue(e.getMessage().startsWith("datanode " + pipeline.get(1) + ": chunk 0000000000000003 is corrupt at offset 131072: "),
            e.getMessage());
        assertArrayEquals(Arrays.copyOf(data, 2 * BLOCK), got.toByteArray(), "the sound blocks before the bad one, nothing after");
        assertEquals(1, nodes.get(1).metrics().corruptionsFound());
        assertEquals(1, nodes.get(1).metrics().errors().get(ErrorCode.CORRUPT));
        // The other replicas serve it whole.
        assertArrayEquals(data, client.readAll(pipeline.get(0), 3));
        assertArrayEquals(data, client.readAll(pipeline.get(2), 3));
    }

    @Test
    void theClientChecksTheChecksumOfWhatItReceives() throws Exception {
        byte[] good = TestData.bytes(1, 100);
        try (FakeDatanode fake = new FakeDatanode(s -> {
            new DataInputStream(s.getInputStream()).readFully(new byte[30]); // the read request
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            Protocol.writeReadOk(out, 100, 100);
            Protocol.writeData(out, good, 100, 12345); // not the CRC32C of those bytes
            out.flush();
        })) {
            DataTransferException e = assertThrows(DataTransferException.class, () -> client.readAll(fake.address(), 1));
            assertEquals(ErrorCode.CHECKSUM, e.code());
            assertEquals("datanode " + fake.address() + ": the data of chunk 0000000000000001 at offset 0 arrived with a wrong checksum",
                e.getMessage());
        }
        try (FakeDatanode fake = new FakeDatanode(s -> {
            new DataInputStream(s.getInputStream()).readFully(new byte[30]);
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            Protocol.writeReadOk(out, 100, 100);
            Protocol.writeData(out, good, 60, 0); // a frame shorter than the announced data, then the end
            out.flush();
        })) {
            DataTransferException e = assertThrows(DataTransferException.class, () -> client.readAll(fake.address(), 1));
            assertEquals(ErrorCode.BAD_REQUEST, e.code());
            assertTrue(e.getMessage().contains("broke the protocol in the middle of a read of chunk 0000000000000001: a data frame of 60 bytes"),
                e.getMessage());
        }
    }

    @Test
    void aDownstreamThatCannotBeReachedOrIsFullIsNamedAndNothingIsKept(@TempDir Path dir) throws IOException {
        nodes.start(dir);
        nodes.start(dir);
        nodes.start(dir, 100_000, c -> c);
        List<String> dns = nodes.addresses();
        String closed = FreePorts.loopbackEndpoint();
        DataTransferException e = assertThrows(DataTransferException.class,
            () -> client.write(List.of(dns.get(0), dns.get(1), closed), 1, new byte[1000]));
        assertEquals(ErrorCode.UNREACHABLE, e.code());
        assertEquals(closed, e.datanode());

        e = assertThrows(DataTransferException.class, () -> client.write(dns, 2, TestData.bytes(2, 200_000)));
        assertEquals(ErrorCode.NO_SPACE, e.code());
        assertEquals(dns.get(2), e.datanode());
        assertTrue(e.getMessage().startsWith("datanode " + dns.get(2) + ": no space for chunk 0000000000000002: it needs 200048 bytes"),
            e.getMessage());

        e = assertThrows(DataTransferException.class, () -> client.write(List.of(closed, dns.get(0)), 3, new byte[10]));
        assertEquals(ErrorCode.UNREACHABLE, e.code());
        assertEquals(closed, e.datanode());
        nodes.awaitIdle();
        for (int i = 0; i < 3; i++) {
            assertEquals(List.of(), nodes.get(i).store().list());
            assertEquals(0, nodes.get(i).store().usedBytes());
        }
    }

    @Test
    void aDatanodeThatDiesMidWriteIsNamedAndTheOthersKeepNothing(@TempDir Path dir) throws Exception {
        List<String> pipeline = three(dir);
        byte[] data = TestData.bytes(4, 4 * MIB);
        GatedStream source = new GatedStream(data, MIB);
        CompletableFuture<Void> write = CompletableFuture.runAsync(() -> {
            try {
                client.write(pipeline, 4, source, data.length);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        source.awaitGate();
        nodes.stop(1);
        source.open();
        ExecutionException x = assertThrows(ExecutionException.class, () -> write.get(30, TimeUnit.SECONDS));
        DataTransferException e = (DataTransferException) x.getCause().getCause();
        assertEquals(pipeline.get(1), e.datanode(), e.getMessage());
        assertEquals(ErrorCode.CONNECTION_LOST, e.code(), e.getMessage());
        nodes.awaitIdle();
        assertEquals(List.of(), nodes.get(0).store().list());
        assertEquals(List.of(), nodes.get(2).store().list());
        // The rest of the cluster works on: a pipeline without the dead datanode.
        client.write(List.of(pipeline.get(0), pipeline.get(2)), 4, data);
        assertArrayEquals(data, client.readAll(pipeline.get(2), 4));
    }

    @Test
    void aSourceThatFailsMidWriteLeavesNothingAnywhere(@TempDir Path dir) throws Exception {
        List<String> pipeline = three(dir);
        InputStream failing = new InputStream() {
            private int n;

            @Override
            public int read() throws IOException {
                if (++n > 300_000) {
                    throw new IOException("the source failed");
                }
                return n & 0xff;
            }
        };
        IOException e = assertThrows(IOException.class, () -> client.write(pipeline, 5, failing, MIB));
        assertEquals("the source failed", e.getMessage());
        e = assertThrows(IOException.class, () -> client.write(pipeline, 6, new ByteArrayInputStream(new byte[1000]), 2000));
        assertEquals("the data of chunk 0000000000000006 ended before its 2000 bytes", e.getMessage());
        nodes.awaitIdle();
        for (int i = 0; i < 3; i++) {
            assertEquals(List.of(), nodes.get(i).store().list());
            assertEquals(List.of(), TestData.files(nodes.dir(i).resolve("chunks")));
        }
    }

    @Test
    void transfersPastTheLimitAndConcurrentWritesOfOneChunkAreRefused(@TempDir Path dir) throws Exception {
        String dn = nodes.start(dir, 1L << 40, c -> c.withLimits(1, 4)).address();
        byte[] data = TestData.bytes(8, 2 * MIB);
        client.write(List.of(dn), 9, data);
        GatedStream source = new GatedStream(data, MIB);
        CompletableFuture<Void> write = CompletableFuture.runAsync(() -> {
            try {
                client.write(List.of(dn), 8, source, data.length);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        source.awaitGate();
        DataTransferException e = assertThrows(DataTransferException.class, () -> client.readAll(dn, 9));
        assertEquals(ErrorCode.BUSY, e.code());
        assertEquals("datanode " + dn + ": busy: 1 transfers in progress, the limit", e.getMessage());
        source.open();
        write.get(30, TimeUnit.SECONDS);
        assertArrayEquals(data, client.readAll(dn, 9));

        String dn2 = nodes.start(dir).address();
        GatedStream second = new GatedStream(data, MIB);
        CompletableFuture<Void> first = CompletableFuture.runAsync(() -> {
            try {
                client.write(List.of(dn2), 10, second, data.length);
            } catch (IOException x) {
                throw new java.io.UncheckedIOException(x);
            }
        });
        second.awaitGate();
        e = assertThrows(DataTransferException.class, () -> client.write(List.of(dn2), 10, new byte[5]));
        assertEquals(ErrorCode.CHUNK_BUSY, e.code());
        second.open();
        first.get(30, TimeUnit.SECONDS);
        assertArrayEquals(data, client.readAll(dn2, 10));
    }

    @Test
    void aStalledDatanodeIsTimedOutByItsNeighbourAndNamed(@TempDir Path dir) throws Exception {
        DataServer a = nodes.start(dir, 1L << 40, c -> c.withTimeouts(1_000, 5_000, 1_000));
        DataClient quick = new DataClient(new DataClient.Config(1_000, 1_000));
        // One that never answers the request.
        try (FakeDatanode silent = new FakeDatanode(s -> Datanodes.sleep(20_000))) {
            DataTransferException e = assertThrows(DataTransferException.class,
                () -> quick.write(List.of(a.address(), silent.address()), 1, new byte[10]));
            assertEquals(ErrorCode.TIMEOUT, e.code(), e.getMessage());
            assertEquals(silent.address(), e.datanode());
            assertEquals("datanode " + silent.address() + ": no progress while setting up the pipeline within 1000 ms", e.getMessage());
        }
        // One that says READY and then never reads: the forwarding datanode blocks on it.
        try (FakeDatanode stuck = new FakeDatanode(s -> {
            s.getOutputStream().write(Protocol.READY);
            Datanodes.sleep(20_000);
        })) {
            byte[] data = TestData.bytes(1, 16 * MIB);
            DataTransferException e = assertThrows(DataTransferException.class,
                () -> quick.write(List.of(a.address(), stuck.address()), 2, data));
            assertEquals(ErrorCode.TIMEOUT, e.code(), e.getMessage());
            assertEquals(stuck.address(), e.datanode(), e.getMessage());
        } finally {
            quick.close();
        }
        nodes.awaitIdle();
        assertEquals(List.of(), a.store().list());
    }

    /** A stream of {@code data} that blocks at {@code gate} bytes until {@link #open()}. */
    static final class GatedStream extends InputStream {
        private final byte[] data;
        private final int gate;
        private final CountDownLatch reached = new CountDownLatch(1);
        private final CountDownLatch opened = new CountDownLatch(1);
        private int pos;

        GatedStream(byte[] data, int gate) {
            this.data = data;
            this.gate = gate;
        }

        void awaitGate() throws InterruptedException {
            assertTrue(reached.await(30, TimeUnit.SECONDS), "the writer never reached the gate");
        }

        void open() {
            opened.countDown();
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (pos == gate) {
                reached.countDown();
                try {
                    opened.await();
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException();
                }
            }
            if (pos == data.length) {
                return -1;
            }
            int n = Math.min(len, (pos < gate ? gate : data.length) - pos);
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }
    }

    /** A TCP server that plays a datanode by a script, one connection at a time, with a tiny receive buffer. */
    static final class FakeDatanode implements AutoCloseable {
        interface Script {
            void run(Socket s) throws IOException;
        }

        private final ServerSocket server;
        private final Thread thread;
        private final List<Socket> accepted = new ArrayList<>();

        FakeDatanode(Script script) throws IOException {
            server = new ServerSocket();
            server.setReceiveBufferSize(4096);
            server.bind(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            thread = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        synchronized (accepted) {
                            accepted.add(s);
                        }
                        script.run(s);
                    } catch (IOException | IllegalStateException e) {
                        // The next connection, or the end.
                    }
                }
            }, "fake-datanode");
            thread.setDaemon(true);
            thread.start();
        }

        String address() {
            return "127.0.0.1:" + server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
            synchronized (accepted) {
                for (Socket s : accepted) {
                    s.close();
                }
            }
            thread.interrupt();
        }
    }
}
