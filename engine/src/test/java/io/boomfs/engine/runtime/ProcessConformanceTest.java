package io.boomfs.engine.runtime;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Nodes as separate JVMs (what {@code boom olg serve} runs) on loopback. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProcessConformanceTest {
    final List<ProcessNode> nodes = new ArrayList<>();

    ProcessNode serve(String name, String... args) {
        ProcessNode n = ProcessNode.serve(name, List.of(args));
        nodes.add(n);
        return n;
    }

    String dump() {
        StringBuilder sb = new StringBuilder();
        for (ProcessNode n : nodes) {
            sb.append(n.dump());
        }
        return sb.toString();
    }

    @AfterEach
    void stopAll(TestInfo info) {
        for (ProcessNode n : nodes) {
            n.close();
        }
        for (ProcessNode n : nodes) {
            assertFalse(n.process.isAlive(), n.name + " stopped");
        }
    }

    /** The live set of a relation from a node's +/- lines. */
    static Set<String> live(ProcessNode n, String relation) {
        Set<String> s = new HashSet<>();
        for (String l : n.out) {
            if (l.startsWith("+" + relation + "(")) {
                s.add(l.substring(1));
            } else if (l.startsWith("-" + relation + "(")) {
                s.remove(l.substring(1));
            }
        }
        return s;
    }

    @Test
    void distributedLsOverProcessesGivesTheSimulatorsListing() {
        String peers = "client=" + FreePorts.loopbackEndpoint() + ",ns1=" + FreePorts.loopbackEndpoint() + ",ns2=" + FreePorts.loopbackEndpoint();
        Map<String, String> eps = new java.util.HashMap<>();
        for (String p : peers.split(",")) {
            eps.put(p.substring(0, p.indexOf('=')), p);
        }
        for (String n : List.of("ns1", "ns2")) {
            serve(n, Support.DLS.toString(), "--addr", eps.get(n), "--peers", peers, "--facts", Support.DLS_FACTS.toString());
        }
        ProcessNode client = serve("client", Support.DLS.toString(), "--addr", eps.get("client"), "--peers", peers,
            "--facts", Support.DLS_FACTS.toString(), "--print", "ls_result,ls_incomplete");
        Support.await("the client's listings to complete", 60_000, () -> {
            boolean began = client.out.stream().anyMatch(l -> l.startsWith("+ls_incomplete("));
            return began && live(client, "ls_incomplete").isEmpty();
        }, this::dump);
        List<String> got = live(client, "ls_result").stream().sorted().toList();
        assertEquals(Support.expected(Support.ENGINE.resolve("examples/dls.expected"), "client"), got, dump());
        // A clean stop: SIGTERM (the JVM's exit code for it is 143), metrics printed, the driver directory removed.
        client.close();
        assertEquals(143, client.process.exitValue(), dump());
        assertTrue(client.err.stream().anyMatch(l -> l.startsWith("client: steps ")), dump());
        assertTrue(noDriverDirectoryOf(client.pid()), "driver directory of pid " + client.pid() + " removed");
    }

    static boolean noDriverDirectoryOf(long pid) {
        try (var s = Files.list(Path.of("/dev/shm"))) {
            return s.noneMatch(p -> p.getFileName().toString().startsWith("boomfs-aeron-" + pid + "-"));
        } catch (java.io.IOException e) {
            return true;
        }
    }

    @Test
    void serveErrorsAreOneClearLineAndExitCode1(@TempDir Path tmp) throws Exception {
        Path bad = tmp.resolve("bad.olg");
        Files.writeString(bad, "table t(X: long).\nt(X) :- nope(X).\n");
        Path notADir = tmp.resolve("file");
        Files.writeString(notADir, "x");
        try (DatagramSocket held = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            String busy = "127.0.0.1:" + held.getLocalPort();
            ProcessNode inUse = serve("in-use", Support.DLS.toString(), "--addr", busy);
            ProcessNode badProgram = serve("bad-program", bad.toString(), "--addr", FreePorts.loopbackEndpoint());
            ProcessNode badData = serve("bad-data", Support.DLS.toString(), "--addr", FreePorts.loopbackEndpoint(), "--data",
                notADir.resolve("d").toString());
            assertEquals(1, inUse.waitExit(30_000), dump());
            assertEquals(1, badProgram.waitExit(30_000), dump());
            assertEquals(1, badData.waitExit(30_000), dump());
            Support.await("stderr to be read", 5_000, () -> !inUse.err.isEmpty() && !badProgram.err.isEmpty() && !badData.err.isEmpty(),
                this::dump);
            assertEquals(List.of("boom olg serve: cannot listen on " + busy + ": address already in use"), errLines(inUse), dump());
            assertEquals(1, errLines(badProgram).size(), dump());
            assertTrue(errLines(badProgram).get(0).matches("boom olg serve: .*bad.olg:2:\\d+.*nope.*"), dump());
            assertEquals(1, errLines(badData).size(), dump());
            assertEquals("boom olg serve: cannot create data directory " + notADir.resolve("d") + ": Not a directory", errLines(badData).get(0));
            assertTrue(noDriverDirectoryOf(inUse.pid()), "the failed node removed its driver directory");
        }
    }

    /** stderr without the logging backends' own noise (SLF4J's "no provider" notice). */
    static List<String> errLines(ProcessNode n) {
        return n.err.stream().filter(l -> !l.startsWith("SLF4J")).toList();
    }
}
