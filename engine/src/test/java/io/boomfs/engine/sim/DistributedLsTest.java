package io.boomfs.engine.sim;

import io.boomfs.engine.NodeOptions;
import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.lang.Compiler;
import io.boomfs.engine.lang.Diagnostic;
import io.boomfs.engine.program.Program;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static io.boomfs.engine.sim.SimSupport.assertConservation;
import static io.boomfs.engine.sim.SimSupport.lines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The seed slides' distributed {@code ls} (engine/examples/dls.olg) on three simulated nodes:
 * a client and two servers, each holding one partition of the namespace. Whatever the network
 * does, the client's final listing is exactly engine/examples/dls.expected.
 */
@Timeout(120)
class DistributedLsTest {
    static final Path EXAMPLES = examples();
    static final Program DLS = compileExample();
    static final List<String> NODES = List.of("client", "ns1", "ns2");
    static final List<String> EXPECTED = readExpected();
    /** Every path the client lists, and the servers it must hear from. */
    static final List<String> PATHS = List.of("/", "/home", "/home/alice", "/home/bob", "/tmp");

    /** A lossy, duplicating, reordering network with delays of up to three rounds. */
    static final SimConfig FAULTY = new SimConfig(100, 0.2, 0.1, 0.2, 0, 300);
    /** Enough for any seed: a retry every 5 steps converges in tens of rounds at these rates. */
    static final int MAX_ROUNDS = 2_000;

    private static Path examples() {
        // Surefire runs in the module directory; an IDE may run in the repository root.
        Path p = Path.of("examples");
        return Files.isDirectory(p) ? p : Path.of("engine", "examples");
    }

    private static Program compileExample() {
        Compiler.Result r = Compiler.compileFile(EXAMPLES.resolve("dls.olg"));
        if (!r.ok()) {
            throw new AssertionError(r.diagnostics().stream().map(Diagnostic::toString).collect(Collectors.joining("\n")));
        }
        return r.program();
    }

    private static List<String> readExpected() {
        try {
            return Files.readAllLines(EXAMPLES.resolve("dls.expected"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Tuple> readFacts(String node) {
        try {
            return io.boomfs.engine.facts.CsvFacts.readDirectory(EXAMPLES.resolve("dls").resolve(node), DLS);
        } catch (io.boomfs.engine.facts.CsvFacts.FactsException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /** The three nodes with their facts from engine/examples/dls/<node>/, as the CLI loads them. */
    static Simulator newSim(long seed, SimConfig config, NodeOptions options, PrintStream log) {
        Simulator sim = new Simulator(seed, config, log);
        for (String a : NODES) {
            sim.addNode(a, DLS, options);
            for (Tuple t : readFacts(a)) {
                sim.load(a, t);
            }
        }
        return sim;
    }

    static Simulator newSim(long seed, SimConfig config) {
        return newSim(seed, config, NodeOptions.defaults(), System.out);
    }

    /** What {@code boom olg run ... --nodes client,ns1,ns2 --print ls_result} prints. */
    static List<String> printed(Simulator sim, String relation) {
        List<String> out = new ArrayList<>();
        for (String a : sim.addresses()) {
            for (String line : lines(sim.node(a), relation)) {
                out.add(a + " " + line);
            }
        }
        return out;
    }

    /** The client's listing is exactly dls.expected; on failure, the seed and every node's state. */
    static void assertListing(Simulator sim, long seed) {
        assertEquals(EXPECTED, printed(sim, "ls_result"),
            () -> "SEED=" + seed + ", after " + sim.rounds() + " rounds; node states:\n" + String.join("\n", SimSupport.dump(sim)));
    }

    @Test
    void theExampleCommandIsOnTheFirstLineOfTheProgram() throws IOException {
        String first = Files.readAllLines(EXAMPLES.resolve("dls.olg"), StandardCharsets.UTF_8).get(0);
        assertEquals("// run: boom olg run engine/examples/dls.olg --facts engine/examples/dls --nodes client,ns1,ns2"
            + " --print ls_result", first);
    }

    @Test
    void withoutFaultsTheListingCompletesInOneRoundTrip() {
        Simulator sim = newSim(0, SimConfig.noFaults(100));
        // Round 1: the client asks both servers. Round 2: they answer. Round 3: the client has
        // every answer, its retry clock stops, and nothing is left to do.
        assertEquals(3, sim.runUntilQuiescent(MAX_ROUNDS));
        assertListing(sim, 0);
        assertEquals(List.of(), lines(sim.node("client"), "ls_missing"));
        // 5 paths x 2 servers requests; ns1 answers 6 children and 5 counts, ns2 5 and 5.
        assertEquals(31, sim.messagesSent());
        assertEquals(31, sim.messagesDelivered());
        assertEquals(0, sim.messagesDropped());
        assertEquals(List.of("ls_heard(\"/\", \"ns1\", 1)", "ls_heard(\"/\", \"ns2\", 2)",
                "ls_heard(\"/home\", \"ns1\", 2)", "ls_heard(\"/home\", \"ns2\", 1)",
                "ls_heard(\"/home/alice\", \"ns1\", 2)", "ls_heard(\"/home/alice\", \"ns2\", 1)",
                "ls_heard(\"/home/bob\", \"ns1\", 1)", "ls_heard(\"/home/bob\", \"ns2\", 1)",
                "ls_heard(\"/tmp\", \"ns1\", 0)", "ls_heard(\"/tmp\", \"ns2\", 0)"),
            lines(sim.node("client"), "ls_heard"), "an empty directory is answered with a count of 0");
    }

    @Test
    void underLossDuplicationReorderingAndDelayTheListingIsStillExact() {
        long dropped = 0;
        long duplicated = 0;
        boolean retried = false;
        for (long seed : SimSupport.seeds(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12)) {
            Simulator sim = newSim(seed, FAULTY);
            int rounds = sim.runUntilQuiescent(MAX_ROUNDS);
            assertListing(sim, seed);
            assertEquals(List.of(), lines(sim.node("client"), "ls_missing"), "SEED=" + seed);
            assertTrue(rounds >= 3, "SEED=" + seed);
            assertConservation(sim);
            assertEquals(0, sim.messagesInFlight());
            dropped += sim.messagesDropped();
            duplicated += sim.messagesDuplicated();
            retried |= sim.messagesSent() > 31;
        }
        assertTrue(dropped > 0, "the network lost nothing: the test did not test loss");
        assertTrue(duplicated > 0, "the network copied nothing: the test did not test duplicates");
        assertTrue(retried, "no run needed a retry: the test did not test the retry rule");
    }

    @Test
    void underHeavyLossTheClientKeepsAskingUntilItHasEverything() {
        for (long seed : SimSupport.seeds(21, 22, 23)) {
            Simulator sim = newSim(seed, new SimConfig(100, 0.6, 0.3, 0.5, 0, 500));
            sim.runUntilQuiescent(MAX_ROUNDS);
            assertListing(sim, seed);
            assertTrue(sim.messagesDropped() > sim.messagesSent() / 3, "SEED=" + seed);
        }
    }

    @Test
    void aServerThatCrashesIsAskedAgainAfterItsRestartWithItsDurablePartition() {
        for (long seed : SimSupport.seeds(31, 32, 33)) {
            Simulator sim = newSim(seed, FAULTY);
            List<String> files = lines(sim.node("ns2"), "file");
            List<String> paths = lines(sim.node("ns2"), "fqpath");
            sim.round();
            // Whatever the client sent to ns2 in round 1 is still in flight: the crash loses it.
            sim.crash("ns2");
            sim.runRounds(30);
            OverlogNode client = sim.node("client");
            assertEquals(List.of(), lines(client, "ls_result"), "SEED=" + seed);
            Set<String> missing = new LinkedHashSet<>();
            for (Tuple t : client.contents("ls_missing")) {
                if (t.get(1).equals("ns2")) {
                    missing.add((String) t.get(0));
                }
            }
            assertEquals(Set.copyOf(PATHS), missing, "no path can be complete without ns2; SEED=" + seed);

            sim.restart("ns2");
            assertEquals(files, lines(sim.node("ns2"), "file"), "SEED=" + seed);
            assertEquals(paths, lines(sim.node("ns2"), "fqpath"), "SEED=" + seed);
            sim.runUntilQuiescent(MAX_ROUNDS);
            assertListing(sim, seed);
            assertFalse(lines(sim.node("ns2"), "s_child").isEmpty(), "the restarted server rebuilt its view");
            assertConservation(sim);
        }
    }

    @Test
    void aClientThatCrashesFinishesItsDurableRequestsAfterItsRestart() {
        for (long seed : SimSupport.seeds(41, 42, 43)) {
            Simulator sim = newSim(seed, FAULTY);
            sim.runRounds(3);
            sim.crash("client");
            sim.runRounds(5);
            sim.restart("client");
            OverlogNode client = sim.node("client");
            assertEquals(PATHS.size(), client.contents("ls_request").size(), "durable requests survive; SEED=" + seed);
            assertEquals(List.of(), lines(client, "ls_part"), "what was collected is volatile; SEED=" + seed);
            assertEquals(List.of("ls_server(\"ns1\")", "ls_server(\"ns2\")"), lines(client, "ls_server"),
                "so does the list of servers; SEED=" + seed);
            sim.runUntilQuiescent(MAX_ROUNDS);
            assertListing(sim, seed);
            assertConservation(sim);
        }
    }

    @Test
    void aPartitionedServerBlocksTheListingUntilTheNetworkHeals() {
        Simulator sim = newSim(0, SimConfig.noFaults(100));
        sim.partition(List.of("client", "ns1"));
        sim.runRounds(40);
        OverlogNode client = sim.node("client");
        assertEquals(List.of(), lines(client, "ls_result"));
        List<String> onlyNs2 = PATHS.stream().map(p -> "ls_missing(\"" + p + "\", \"ns2\")").sorted().toList();
        assertEquals(onlyNs2, lines(client, "ls_missing"), "ns1 answered everything, ns2 nothing");
        // The client asks ns2 every 5 steps: at steps 1, 6, ..., 36, for each of the 5 paths.
        assertEquals(8 * 5, sim.messagesDropped());

        sim.heal();
        int rounds = sim.runUntilQuiescent(MAX_ROUNDS);
        // The next retry is at step 41: asked there, ns2 answers in round 42, complete in round 43.
        assertEquals(3, rounds);
        assertListing(sim, 0);
        assertConservation(sim);
    }
}
