package io.boomfs.deploy.datanode;

import io.boomfs.deploy.Boom;
import io.boomfs.deploy.Cli;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code boom datanode}: its help and its errors (the datanode at work is tested as a process in the datanode module). */
class DatanodeCommandTest {
    private static final Path HERE = Path.of("");

    @Test
    void helpDescribesEveryOption() {
        Cli.Result r = Cli.run(HERE, "datanode", "--help");
        assertEquals(0, r.code(), r.toString());
        for (String option : new String[] {"--id=NAME", "--data=DIR", "--port=PORT", "--capacity=BYTES", "--host=HOST", "--max-transfers=N",
            "--max-connections=N", "--connect-timeout-ms=MS", "--request-timeout-ms=MS", "--io-timeout-ms=MS",
            "--node=HOST:PORT", "--meta=HOST:PORT,...", "--heartbeat-ms=MS", "--report-ms=MS", "--aeron-dir=DIR"}) {
            assertTrue(r.out().contains(option), option + " in:\n" + r.out());
        }
        assertTrue(Cli.run(HERE, "--help").out().contains("  datanode "), "listed by boom --help");
    }

    @Test
    void errorsAreOneLineWithExitCode1(@TempDir Path dir) throws IOException {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int port = taken.getLocalPort();
            Cli.Result r = Cli.run(dir, "datanode", "--id", "dn1", "--data", "d", "--port", Integer.toString(port), "--capacity", "1G");
            assertEquals(Boom.ERROR, r.code(), r.toString());
            assertEquals("boom datanode: error: cannot listen on 127.0.0.1:" + port + ": address already in use\n", r.err());
        }
        Path file = Files.writeString(dir.resolve("f"), "x");
        Cli.Result r = Cli.run(dir, "datanode", "--id", "dn1", "--data", "f", "--port", "0", "--capacity", "1G");
        assertEquals(Boom.ERROR, r.code(), r.toString());
        assertTrue(r.err().startsWith("boom datanode: error: cannot use data directory " + file + ": "), r.err());
        r = Cli.run(dir, "datanode", "--id", "dn1", "--data", "d", "--port", "0", "--capacity", "lots");
        assertEquals(Boom.ERROR, r.code(), r.toString());
        assertEquals("boom datanode: error: --capacity takes a number of bytes (512M, 10G, ...), not lots\n", r.err());
        r = Cli.run(dir, "datanode", "--id", "dn1", "--data", "d", "--port", "0", "--capacity", "1G", "--meta", "127.0.0.1:7100");
        assertEquals(Boom.ERROR, r.code(), r.toString());
        assertTrue(r.err().startsWith("boom datanode: error: --meta needs --node HOST:PORT, this datanode's Aeron endpoint"), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        r = Cli.run(dir, "datanode", "--id", "dn1", "--data", "d", "--port", "0");
        assertEquals(Boom.USAGE, r.code(), r.toString());
    }
}
