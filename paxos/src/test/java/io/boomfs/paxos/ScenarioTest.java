package io.boomfs.paxos;

import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.StepResult;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.program.Program;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Golden scenario transcripts (STYLE.md item 11, after etcd-io/raft's {@code testdata/*.txt}
 * and {@code interaction_test.go}). Each file of {@code src/test/resources/scenarios} is a list
 * of commands, each a line {@code > command args}, followed by the output it produced; this
 * test replays the commands on three kv replicas r1, r2, r3 and compares the output.
 * {@code -Drewrite=true} writes the output back into the files instead, for review.
 *
 * <p>Unlike the seeded simulator, the network here is driven by hand: a sent message waits in
 * flight until a {@code deliver} or {@code drop} names it, so a scenario can hold back exactly
 * the message it is about. Commands:
 * <ul>
 * <li>{@code propose R CLIENTID SEQ OP...}: a client request to R, put in flight;</li>
 * <li>{@code read R CLIENTID READID OP...}: a client read to R, put in flight;</li>
 * <li>{@code tick [N]}: N rounds (10 ms each) in which nothing is delivered;</li>
 * <li>{@code deliver [to=R] [from=R] [type=REL] [argN=V]}: deliver the matching messages (argN:
 * column N, 0 being the destination, prints as V), then one round;</li>
 * <li>{@code drop [to=R] [from=R] [type=REL] [argN=V]}: lose the matching messages;</li>
 * <li>{@code run N}: N rounds, each delivering everything in flight;</li>
 * <li>{@code crash R}, {@code restart R} (durable tables survive), {@code partition R,...}
 * (those replicas are cut from the others; a message across the cut is lost when delivered),
 * {@code heal};</li>
 * <li>{@code campaign R}: R's election timer expires now (its next step campaigns);</li>
 * <li>{@code transfer R TO}: an operator asks R to hand its leadership to TO (px_transfer);</li>
 * <li>{@code config NAME VALUE}: a group setting (px_config) on every replica, kept across restarts;</li>
 * <li>{@code state}: each live replica's leadership, commit point and key-value contents.</li>
 * </ul>
 * A round prints what each node sent (heartbeats and catchups are delivered but not printed:
 * they come every 50 ms and would drown the rest), what it applied, and its leadership
 * changes. Replica ri's election timeout is fixed at 300 + 150 * (i - 1) ms so that who
 * campaigns first is part of the scenario. Every die message fails the scenario.
 */
class ScenarioTest {
    private static final Path DIR = Path.of("src/test/resources/scenarios");
    private static final Program REPLICA = ReplicatedLog.compileKv();
    private static final long TICK_MS = 10;
    private static final Set<String> QUIET = Set.of("heartbeat", "heartbeat_ack", "catchup");

    @TestFactory
    Stream<DynamicTest> scenarios() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(DIR)) {
            files = s.filter(p -> p.toString().endsWith(".txt")).sorted().toList();
        }
        assertTrue(files.size() >= 5, "the scenarios are there: " + files);
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> check(f)));
    }

    private static void check(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        StringBuilder expected = new StringBuilder();
        StringBuilder actual = new StringBuilder();
        Harness h = new Harness();
        boolean inOutput = false;
        for (String line : lines) {
            if (line.startsWith("> ")) {
                actual.append(line).append('\n');
                expected.append(line).append('\n');
                List<String> out = h.run(line.substring(2).trim());
                for (String o : out) {
                    actual.append(o).append('\n');
                }
                inOutput = true;
            } else if (!inOutput || line.startsWith("#") || line.isBlank()) {
                if (line.startsWith("#") || line.isBlank()) {
                    inOutput = false;
                }
                expected.append(line).append('\n');
                actual.append(line).append('\n');
            } else {
                expected.append(line).append('\n');
            }
        }
        assertEquals(List.of(), h.dies, file + ": no invariant may break");
        if (Boolean.getBoolean("rewrite")) {
            Files.writeString(file, actual.toString(), StandardCharsets.UTF_8);
            return;
        }
        assertEquals(expected.toString(), actual.toString(), file + " (regenerate with -Drewrite=true and review the diff)");
    }

    /** Three replicas over a hand-driven network. */
    static final class Harness {
        final List<String> replicas = List.of("r1", "r2", "r3");
        final Map<String, OverlogNode> nodes = new LinkedHashMap<>();
        final Map<String, List<Tuple>> durable = new HashMap<>();
        final Set<String> down = new HashSet<>();
        /** Messages in flight: (from, tuple), in send order. */
        final List<Object[]> inFlight = new ArrayList<>();
        final Map<String, List<Tuple>> leaderSeen = new HashMap<>();
        final List<String> dies = new ArrayList<>();
        /** Settings changed by {@code config}, loaded again into a restarted replica (as a host does). */
        final Map<String, Long> settings = new LinkedHashMap<>();
        Set<String> cut = Set.of();
        long round;

        Harness() {
            for (String r : replicas) {
                nodes.put(r, fresh(r));
            }
        }

        /** A replica as its host starts it: the group, its fixed election timeout and the settings. */
        private OverlogNode fresh(String r) {
            OverlogNode n = new OverlogNode(REPLICA, r);
            long ms = 300 + 150L * replicas.indexOf(r);
            Map<String, Long> s = new LinkedHashMap<>(Map.of("election_min_ms", ms, "election_max_ms", ms));
            s.putAll(settings);
            for (Tuple t : ReplicatedLog.configuration(replicas, 0, s)) {
                n.load(t);
            }
            return n;
        }

        List<String> run(String command) {
            List<String> out = new ArrayList<>();
            String[] w = command.split("\\s+");
            switch (w[0]) {
                case "propose": {
                    List<Object> op = new ArrayList<>();
                    for (int i = 4; i < w.length; i++) {
                        op.add(w[i].equals("null") ? null : w[i]);
                    }
                    Tuple req = new Tuple("request", w[1], "client", w[2], Long.parseLong(w[3]),
                        Collections.unmodifiableList(op));
                    inFlight.add(new Object[] {"client", req});
                    out.add("client sends " + req);
                    break;
                }
                case "read": {
                    List<Object> op = new ArrayList<>();
                    for (int i = 4; i < w.length; i++) {
                        op.add(w[i].equals("null") ? null : w[i]);
                    }
                    Tuple rd = new Tuple("read", w[1], "client", w[2], Long.parseLong(w[3]),
                        Collections.unmodifiableList(op));
                    inFlight.add(new Object[] {"client", rd});
                    out.add("client sends " + rd);
                    break;
                }
                case "tick": {
                    int n = w.length > 1 ? Integer.parseInt(w[1]) : 1;
                    for (int i = 0; i < n; i++) {
                        round(Map.of(), out);
                    }
                    break;
                }
                case "deliver":
                    round(take(w), out);
                    break;
                case "drop": {
                    Map<String, List<Tuple>> lost = take(w);
                    int n = lost.values().stream().mapToInt(List::size).sum();
                    out.add("dropped " + n);
                    break;
                }
                case "run": {
                    int n = Integer.parseInt(w[1]);
                    for (int i = 0; i < n; i++) {
                        round(take(new String[] {"deliver"}), out);
                    }
                    break;
                }
                case "crash":
                    durable.put(w[1], nodes.get(w[1]).durableContents());
                    down.add(w[1]);
                    inFlight.removeIf(m -> ((Tuple) m[1]).get(0).equals(w[1]));
                    leaderSeen.remove(w[1]);
                    break;
                case "restart": {
                    OverlogNode n = fresh(w[1]);
                    for (Tuple t : durable.remove(w[1])) {
                        n.load(t);
                    }
                    nodes.put(w[1], n);
                    down.remove(w[1]);
                    break;
                }
                case "partition":
                    cut = new HashSet<>(Arrays.asList(w[1].split(",")));
                    break;
                case "heal":
                    cut = Set.of();
                    break;
                case "config":
                    for (String r : replicas) {
                        if (!down.contains(r)) {
                            nodes.get(r).load(new Tuple("px_config", w[1], Long.parseLong(w[2])));
                        }
                    }
                    settings.put(w[1], Long.parseLong(w[2]));
                    break;
                case "campaign":
                    nodes.get(w[1]).load(new Tuple("e_campaign"));
                    break;
                case "transfer":
                    nodes.get(w[1]).load(new Tuple("px_transfer", w[1], w[2]));
                    break;
                case "state":
                    for (String r : replicas) {
                        if (down.contains(r)) {
                            out.add(r + ": down");
                            continue;
                        }
                        OverlogNode n = nodes.get(r);
                        out.add(r + ": leader " + n.contents("p_is_leader") + " promised " + n.contents("a_max_ballot")
                            + " applied " + n.contents("l_next") + " kv " + n.contents("kv"));
                    }
                    break;
                default:
                    throw new IllegalArgumentException("unknown scenario command: " + command);
            }
            return out;
        }

        /** Removes the in-flight messages matching the filters, by destination. */
        private Map<String, List<Tuple>> take(String[] w) {
            Map<String, String> f = new HashMap<>();
            for (int i = 1; i < w.length; i++) {
                String[] kv = w[i].split("=", 2);
                f.put(kv[0], kv[1]);
            }
            Map<String, List<Tuple>> out = new LinkedHashMap<>();
            for (var it = inFlight.iterator(); it.hasNext(); ) {
                Object[] m = it.next();
                String from = (String) m[0];
                Tuple t = (Tuple) m[1];
                String to = (String) t.get(0);
                if ((f.containsKey("to") && !f.get("to").equals(to)) || (f.containsKey("from") && !f.get("from").equals(from))
                    || (f.containsKey("type") && !f.get("type").equals(t.relation())) || !argsMatch(f, t)) {
                    continue;
                }
                it.remove();
                if (cut.contains(from) != cut.contains(to) && !from.equals("client")) {
                    continue;
                }
                out.computeIfAbsent(to, k -> new ArrayList<>()).add(t);
            }
            return out;
        }

        /** Filters argN=V: column N of the tuple (0 is the destination) prints as V. */
        private static boolean argsMatch(Map<String, String> f, Tuple t) {
            for (Map.Entry<String, String> e : f.entrySet()) {
                if (e.getKey().startsWith("arg")) {
                    int i = Integer.parseInt(e.getKey().substring(3));
                    if (i >= t.arity() || !io.boomfs.engine.Values.format(t.get(i)).equals(e.getValue())) {
                        return false;
                    }
                }
            }
            return true;
        }

        private void round(Map<String, List<Tuple>> inbound, List<String> out) {
            round++;
            long now = (round - 1) * TICK_MS;
            for (String r : replicas) {
                if (down.contains(r)) {
                    continue;
                }
                OverlogNode n = nodes.get(r);
                StepResult res = n.step(now, inbound.getOrDefault(r, List.of()));
                for (String d : res.dieMessages()) {
                    dies.add(r + ": " + d);
                    out.add(r + ": die " + d);
                }
                List<String> sent = new ArrayList<>();
                for (Map.Entry<String, List<Tuple>> e : res.outbound().entrySet()) {
                    for (Tuple t : e.getValue()) {
                        if (e.getKey().equals("client")) {
                            sent.add(r + " answers " + t);
                        } else {
                            inFlight.add(new Object[] {r, t});
                            if (!QUIET.contains(t.relation())) {
                                sent.add(r + " sends " + t);
                            }
                        }
                    }
                }
                Collections.sort(sent);
                out.addAll(sent);
                List<Tuple> leader = n.contents("p_is_leader");
                if (!leader.equals(leaderSeen.getOrDefault(r, List.of()))) {
                    out.add(r + (leader.isEmpty() ? " is no longer leader" : " leads ballot " + leader.get(0).get(0)));
                    leaderSeen.put(r, leader);
                }
                for (Tuple t : n.contents("l_applied")) {
                    PaxosChecker.Entry e = PaxosChecker.Entry.of(t);
                    out.add(r + " applied " + e.position() + " " + e.clientId() + "#" + e.seq() + " " + e.op() + " -> "
                        + e.result());
                }
            }
        }
    }
}
