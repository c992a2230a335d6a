package io.boomfs.paxos;

import io.boomfs.engine.Tuple;
import io.boomfs.engine.ValueList;
import io.boomfs.engine.Values;
import io.boomfs.engine.lang.Compiler;
import io.boomfs.engine.lang.Diagnostic;
import io.boomfs.engine.lang.Functions;
import io.boomfs.engine.lang.Type;
import io.boomfs.engine.program.Program;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The replicated log as a program: the Multi-Paxos role files of this package
 * ({@code replica.olg} and what it imports) compiled together with an embedding program that
 * holds the state machine. The state machine receives {@code apply(Slot, Idx, Op)} for every
 * chosen entry, in log order, on every replica, and answers with exactly one
 * {@code applied_result(Slot, Idx, Result)} in the same step (learner.olg says why).
 *
 * <p>The role files are classpath resources; they are read through a virtual directory so
 * that their relative imports resolve among themselves, while the state machine may live
 * anywhere on disk or among these resources ({@link #compileKv()}).
 */
public final class ReplicatedLog {
    /** The role files, in the order of replica.olg, for reports and tests. */
    public static final List<String> ROLE_FILES =
        List.of("messages.olg", "acceptor.olg", "proposer.olg", "learner.olg", "election.olg");

    /**
     * The durable tables whose changes must be on disk before a replica's messages of the same
     * step leave (NodeAgent.syncOnly): promises, accepted values and the truncation point, the
     * rounds used, and the group. The applied state (the state machine's tables, sessions, the
     * applied point) is written in order without waiting: if a machine loses it, the replica
     * applies those slots again from its group. The acceptor truncates only at a checkpoint,
     * whose msync covers every excerpt before it, so a truncated slot is always applied on disk.
     */
    public static final List<String> SYNC_RELATIONS = List.of("a_max_ballot", "a_accepted", "a_floor", "p_round", "member",
        "px_retired");

    /** The names of the group's settings, {@code px_config} in messages.olg. */
    public static final List<String> SETTINGS = List.of("heartbeat_ms", "election_min_ms", "election_max_ms", "lease_ms",
        "drift_ppm", "window_slots", "batch_max", "batch_bytes", "op_max_bytes", "checkpoint_slots", "retain_slots",
        "catchup_slots", "sm_lanes");

    /**
     * The prefix of the state machine's own settings ({@code px_config("sm.NAME", V)}, whose
     * defaults the state machine's program gives): passed through unchecked by the log.
     */
    public static final String STATE_MACHINE_SETTING = "sm.";

    private static final String RESOURCE_DIR = "/io/boomfs/paxos/";
    /** Where the resources appear to the compiler; no real file lives there. */
    private static final Path VIRTUAL_DIR = Path.of("/boomfs-classpath/io/boomfs/paxos").toAbsolutePath();
    /** Where a state machine given as text appears to the compiler. */
    private static final Path VIRTUAL_SM_DIR = Path.of("/boomfs-classpath/state-machine").toAbsolutePath();

    private ReplicatedLog() {
    }

    /** Compiles the replica with the state machine in {@code stateMachineOlg} (a file on disk). */
    public static Program compile(Path stateMachineOlg) {
        Path sm = stateMachineOlg.toAbsolutePath().normalize();
        if (!Files.isRegularFile(sm)) {
            throw new IllegalArgumentException("no state machine program at " + sm);
        }
        return compileWith(sm);
    }

    /**
     * Compiles the replica with a state machine given as text ({@code name} is how diagnostics
     * name it; it may import nothing), with the functions of {@link #functions()} and those
     * {@code more} adds: a state machine that lives in another module's resources.
     */
    public static Program compile(String name, String source, java.util.function.UnaryOperator<Functions> more) {
        Path sm = VIRTUAL_SM_DIR.resolve(name);
        Path root = VIRTUAL_DIR.resolve("replica-with-state-machine.olg");
        String rootSource = "import \"replica.olg\".\nimport \"" + sm.toString().replace("\\", "/") + "\".\n";
        return checked(Compiler.compileSource(root.toString(), rootSource, more.apply(functions()), path -> {
            Path p = path.toAbsolutePath().normalize();
            return p.equals(sm) ? source : load(p);
        }));
    }

    /** Compiles the replica with the key-value store of this package, {@code kv.olg}. */
    public static Program compileKv() {
        return compileWith(VIRTUAL_DIR.resolve("kv.olg"));
    }

    /** Compiles the simulated client, {@code client.olg}: a client node for tests. */
    public static Program compileClient() {
        Path root = VIRTUAL_DIR.resolve("client.olg");
        Compiler.Result result = Compiler.compileSource(root.toString(), readResource("client.olg"), functions(),
            ReplicatedLog::load);
        return checked(result);
    }

    /**
     * The messages a client exchanges with the replicas, replica to client last: what
     * {@link #compileClientProtocol()} must declare exactly as the replicas do.
     */
    public static final List<String> CLIENT_MESSAGES = List.of("request", "read", "response", "read_response", "not_leader");

    /**
     * Compiles the declarations a client of the group needs to talk to it (a program without
     * rules): its {@link io.boomfs.engine.runtime.Schemas} encode requests and reads and decode
     * the answers, with the fingerprints the replicas check.
     */
    public static Program compileClientProtocol() {
        Path root = VIRTUAL_DIR.resolve("client-protocol.olg");
        return checked(Compiler.compileSource(root.toString(), "import \"messages.olg\".\n", functions(),
            ReplicatedLog::load));
    }

    /**
     * The functions the role files call besides the built-ins: {@code nth(List, I)}, the
     * element I of a list (null when out of range or not a list); {@code take(List, N, Bytes)},
     * its longest prefix of at most N elements whose {@code wire_size} adds up to at most Bytes
     * (at least one element); and {@code wire_size(X)}, an upper bound on the bytes X takes on
     * the wire ({@link Values#estimatedSize(Object)}). A batch is a list of entries, and an
     * entry a list: the learner takes them apart with nth, and the proposer cuts a batch from
     * the waiting requests with take, so that a slot's value always fits one network frame.
     */
    public static Functions functions() {
        return new Functions()
            .register("nth", 2, 2, Type.ANY, (args, nowMs) -> {
                if (args[0] instanceof List<?> list && args[1] instanceof Long i && i >= 0 && i < list.size()) {
                    return list.get((int) (long) i);
                }
                return null;
            })
            .register("take", 3, 3, Type.ANY, (args, nowMs) -> {
                if (args[0] instanceof List<?> list && args[1] instanceof Long n && args[2] instanceof Long bytes) {
                    return take(list, n, bytes);
                }
                return null;
            })
            .register("wire_size", 1, 1, Type.LONG, (args, nowMs) -> Values.estimatedSize(args[0]));
    }

    private static List<?> take(List<?> list, long max, long maxBytes) {
        long bytes = 0;
        int n = 0;
        while (n < list.size() && n < max) {
            bytes += Values.estimatedSize(list.get(n));
            if (n > 0 && bytes > maxBytes) {
                break;
            }
            n++;
        }
        // A ValueList, which keeps its hash: a batch, or a path's prefix, is hashed and compared
        // at every store it passes through (a java.util list hashes every element each time).
        return n == list.size() ? list : ValueList.copyOf(list.subList(0, n));
    }

    /** The text of one role file (or kv.olg), for reports. */
    public static String resourceText(String fileName) {
        String text = readResource(fileName);
        if (text == null) {
            throw new IllegalArgumentException("no resource " + RESOURCE_DIR + fileName);
        }
        return text;
    }

    /**
     * The group's configuration for one replica: its {@code member} facts (ids 1, 2, ... in
     * the order given) and its timeout seed.
     */
    public static List<Tuple> configuration(List<String> replicas, long electionSeed) {
        return configuration(replicas, electionSeed, Map.of());
    }

    /**
     * As {@link #configuration(List, long)}, with {@code px_config} settings (messages.olg lists
     * their names and defaults); names that start with {@code sm.} belong to the state machine.
     *
     * @throws IllegalArgumentException for a setting messages.olg does not define, not {@code sm.}
     */
    public static List<Tuple> configuration(List<String> replicas, long electionSeed, Map<String, Long> settings) {
        List<Tuple> out = new ArrayList<>();
        for (int i = 0; i < replicas.size(); i++) {
            out.add(new Tuple("member", replicas.get(i), (long) (i + 1)));
        }
        out.add(new Tuple("e_seed", electionSeed));
        for (Map.Entry<String, Long> e : new TreeMap<>(settings).entrySet()) {
            if (!SETTINGS.contains(e.getKey()) && !e.getKey().startsWith(STATE_MACHINE_SETTING)) {
                throw new IllegalArgumentException("unknown setting " + e.getKey() + " (known: " + String.join(", ", SETTINGS)
                    + ", and the state machine's sm.NAME)");
            }
            out.add(new Tuple("px_config", e.getKey(), e.getValue()));
        }
        return out;
    }

    private static Program compileWith(Path stateMachine) {
        Path root = VIRTUAL_DIR.resolve("replica-with-state-machine.olg");
        String source = "import \"replica.olg\".\nimport \"" + stateMachine.toString().replace("\\", "/") + "\".\n";
        return checked(Compiler.compileSource(root.toString(), source, functions(), ReplicatedLog::load));
    }

    private static Program checked(Compiler.Result result) {
        if (!result.ok()) {
            throw new IllegalStateException("the replicated log does not compile:\n" + result.errors().stream()
                .map(Diagnostic::toString).collect(Collectors.joining("\n")));
        }
        return result.program();
    }

    private static String load(Path path) throws IOException {
        Path p = path.toAbsolutePath().normalize();
        if (p.startsWith(VIRTUAL_DIR)) {
            return readResource(VIRTUAL_DIR.relativize(p).toString().replace('\\', '/'));
        }
        return Files.isRegularFile(p) ? Files.readString(p, StandardCharsets.UTF_8) : null;
    }

    private static String readResource(String relative) {
        try (InputStream in = ReplicatedLog.class.getResourceAsStream(RESOURCE_DIR + relative)) {
            return in == null ? null : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
