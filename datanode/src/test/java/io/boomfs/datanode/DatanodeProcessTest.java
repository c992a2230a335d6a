package io.boomfs.datanode;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.boomfs.datanode.TestData.MIB;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Datanodes as processes ({@link DatanodeServer} in JVMs of their own): a pipeline of three, a kill -9 mid-write, a restart, errors. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DatanodeProcessTest {
    private final List<DatanodeProcess> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        started.forEach(DatanodeProcess::close);
    }

    private DatanodeProcess start(String id, Path dir, int port) {
        DatanodeServer.Options o = new DatanodeServer.Options(DataServer.Config.of(id, "127.0.0.1", port).withTimeouts(2_000, 5_000, 5_000),
            dir, 1L << 30, false);
        DatanodeProcess p = DatanodeProcess.start(o, DatanodeProcess.DEFAULT_JVM_OPTIONS);
        started.add(p);
        return p;
    }

    /** Runs the test body; on failure prints what the datanodes said. */
    private void withDumps(ThrowingRunnable body) throws Exception {
        try {
            body.run();
        } catch (Exception | AssertionError e) {
            started.forEach(p -> System.err.println(p.dump()));
            throw e;
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void threeProcessesStoreAndServeChunksAndAKilledOneIsNamedAndCleansUpOnRestart(@TempDir Path dir) throws Exception {
        withDumps(() -> {
            for (int i = 1; i <= 3; i++) {
                start("dn" + i, dir.resolve("dn" + i), 0);
            }
            List<String> pipeline = new ArrayList<>();
            for (DatanodeProcess p : started) {
                pipeline.add(p.awaitReady(60_000));
            }
            List<byte[]> chunks = List.of(TestData.bytes(1, 2 * MIB), TestData.bytes(2, 2 * MIB + 1), TestData.bytes(3, 100_000),
                TestData.bytes(4, 17));
            try (DataClient client = new DataClient(new DataClient.Config(2_000, 5_000))) {
                for (int c = 0; c < chunks.size(); c++) {
                    client.write(pipeline, c, chunks.get(c));
                }
                for (String dn : pipeline) {
                    for (int c = 0; c < chunks.size(); c++) {
                        assertArrayEquals(chunks.get(c), client.readAll(dn, c), "chunk " + c + " from " + dn);
                    }
                }

                // kill -9 of the middle datanode while its temp file is half written.
                byte[] data = TestData.bytes(9, 4 * MIB);
                DataServerTest.GatedStream source = new DataServerTest.GatedStream(data, MIB);
                CompletableFuture<Void> write = CompletableFuture.runAsync(() -> {
                    try {
                        client.write(pipeline, 9, source, data.length);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                source.awaitGate();
                Path dn2Chunks = dir.resolve("dn2").resolve("chunks");
                awaitTempFile(dn2Chunks);
                started.get(1).kill9();
                source.open();
                ExecutionException x = assertThrows(ExecutionException.class, () -> write.get(60, TimeUnit.SECONDS));
                DataTransferException e = (DataTransferException) x.getCause().getCause();
                assertEquals(pipeline.get(1), e.datanode(), e.getMessage());
                assertEquals(ErrorCode.CONNECTION_LOST, e.code(), e.getMessage());
                for (String dn : List.of(pipeline.get(0), pipeline.get(2))) {
                    DataTransferException missing = assertThrows(DataTransferException.class, () -> client.readAll(dn, 9));
                    assertEquals(ErrorCode.NOT_FOUND, missing.code(), missing.getMessage());
                }
                assertTrue(TestData.files(dn2Chunks).stream().anyMatch(f -> f.endsWith(".tmp")), TestData.files(dn2Chunks).toString());

                // Restarted on its port and directory: the temp file is gone, the chunks are served again.
                DatanodeProcess again = start("dn2", dir.resolve("dn2"), Protocol.port(pipeline.get(1)));
                assertEquals(pipeline.get(1), again.awaitReady(60_000));
                assertTrue(TestData.files(dn2Chunks).stream().noneMatch(f -> f.endsWith(".tmp")), TestData.files(dn2Chunks).toString());
                assertTrue(again.dump().contains("removed 1 temp file(s) of interrupted writes"), again.dump());
                DataTransferException missing = assertThrows(DataTransferException.class, () -> client.readAll(pipeline.get(1), 9));
                assertEquals(ErrorCode.NOT_FOUND, missing.code());
                for (int c = 0; c < chunks.size(); c++) {
                    assertArrayEquals(chunks.get(c), client.readAll(pipeline.get(1), c));
                }
                client.write(pipeline, 9, data);
                assertArrayEquals(data, client.readAll(pipeline.get(1), 9));
            }

            // SIGTERM: each stops cleanly and says what it did.
            for (DatanodeProcess p : started) {
                if (p.isAlive()) {
                    p.terminate();
                }
            }
            for (DatanodeProcess p : started) {
                if (p == started.get(1)) {
                    continue; // the one killed
                }
                assertEquals(143, p.waitFor(30_000), p.dump());
                assertTrue(p.dump().contains("writes "), p.dump());
            }
        });
    }

    private static void awaitTempFile(Path chunks) throws IOException, InterruptedException {
        long deadline = System.currentTimeMillis() + 30_000;
        while (TestData.files(chunks).stream().noneMatch(f -> f.endsWith(".tmp"))) {
            assertTrue(System.currentTimeMillis() < deadline, "no temp file in " + chunks);
            Thread.sleep(10);
        }
    }

    /** What an in-process run printed and returned. */
    record Run(int code, String out, String err) {
    }

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = DatanodeServer.run("datanode", args, new ByteArrayInputStream(new byte[0]),
            new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static void assertOneLineError(Run r, String expected) {
        assertEquals(1, r.code(), r.toString());
        assertEquals("", r.out(), r.toString());
        assertTrue(r.err().startsWith("datanode: error: ") && r.err().contains(expected), r.toString());
        assertEquals(1, r.err().lines().count(), "one line: " + r);
    }

    @Test
    void badOptionsAPortInUseAndAnUnusableDataDirectoryAreOneLineWithExitCode1(@TempDir Path dir) throws Exception {
        String data = dir.resolve("d").toString();
        assertOneLineError(run("--id", "a", "--data", data, "--port", "0"), "--capacity is required; usage: DatanodeServer");
        assertOneLineError(run("--id", "a", "--data", data, "--port", "0", "--capacity", "10X"),
            "--capacity takes a number of bytes (512M, 10G, ...), not 10X");
        assertOneLineError(run("--id", "a", "--data", data, "--port", "70000", "--capacity", "1G"), "--port must be 0..65535, not 70000");
        assertOneLineError(run("--id", "a", "--data", data, "--port", "0", "--capacity", "1G", "--bogus", "1"), "unknown option --bogus");
        assertOneLineError(run("--id", "a", "--data", data, "--port", "0", "--capacity", "1G", "--io-timeout-ms", "100"),
            "the connect timeout (5000 ms) must not exceed the I/O timeout (100 ms)");
        Path file = Files.writeString(dir.resolve("a-file"), "not a directory");
        assertOneLineError(run("--id", "a", "--data", file.toString(), "--port", "0", "--capacity", "1G"),
            "cannot use data directory " + file + ": ");
        assertEquals(10L << 30, DatanodeServer.Options.bytes("--capacity", "10g"));
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            assertOneLineError(run("--id", "a", "--data", data, "--port", Integer.toString(port), "--capacity", "1G"),
                "cannot listen on 127.0.0.1:" + port + ": address already in use");
            // And as a process: the exit code and the line are the process's.
            DatanodeProcess p = start("busy", dir.resolve("e"), port);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.awaitReady(60_000));
            assertTrue(e.getMessage().contains("exited with code 1") && e.getMessage().contains("address already in use"), e.getMessage());
        }
    }
}
