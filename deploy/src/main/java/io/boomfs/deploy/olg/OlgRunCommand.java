package io.boomfs.deploy.olg;

import io.boomfs.deploy.Boom;
import io.boomfs.deploy.CliException;
import io.boomfs.engine.facts.CsvFacts.FactsException;
import io.boomfs.engine.lang.Compiler;
import io.boomfs.engine.lang.Diagnostic;
import io.boomfs.engine.program.Program;
import io.boomfs.engine.program.Relation;
import io.boomfs.engine.sim.SimConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * {@code boom olg run}: runs a program on one node with address {@code local}, or on one node
 * per {@code --nodes} address in the deterministic simulator, then prints the final contents
 * of the {@code --print} relations on stdout, one tuple per line in {@code Tuple.toString()}
 * form, each relation's lines sorted by their text ({@code --nodes}: each line prefixed by the
 * node address and a space, nodes in the order given). Nothing else goes to stdout: diagnostics,
 * the simulator's seed and faults, watch traces and errors go to stderr.
 *
 * <p>Exit codes: 0 done; 1 the program does not compile, a facts file is bad, a relation to
 * print does not exist, a rule failed or the program did not become quiescent; 2 bad options;
 * 3 a {@code die} tuple was derived.
 */
@Command(name = "run",
    mixinStandardHelpOptions = true,
    versionProvider = Boom.Version.class,
    description = {
        "Run an Overlog program and print the contents of relations.",
        "",
        "Facts come from DIR/<relation>.csv (with --nodes: DIR/<node>/<relation>.csv): RFC 4180, no header, "
            + "values parsed by the declared column types, unquoted null is null. Step 1 runs at nowMs 0 and each "
            + "next step --tick-ms later. Without --steps the run goes on until nothing is left to do (no events, "
            + "@next changes, deletes or messages in flight; a program with a timer needs --steps). Only the "
            + "--print relations go to stdout; a derived die(M) stops the run with exit code 3."
    })
public final class OlgRunCommand implements Callable<Integer> {
    /** The address of the node when there is no {@code --nodes}. */
    public static final String LOCAL = "local";

    private static final Pattern DELAY = Pattern.compile("([0-9]+)(?:\\.\\.([0-9]+))?");
    private static final Pattern ADDRESS = Pattern.compile("[A-Za-z0-9_.:-]+");

    @Spec
    private CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The program (.olg).")
    private String file;

    @Option(names = "--facts", paramLabel = "DIR",
        description = "Load DIR/<relation>.csv (with --nodes: DIR/<node>/<relation>.csv) before the first step.")
    private String factsDir;

    @Option(names = "--print", paramLabel = "REL",
        description = "Print this relation's final contents (repeatable; printed in the order given).")
    private List<String> print = new ArrayList<>();

    @Option(names = "--steps", paramLabel = "N", description = "Run exactly N steps instead of until quiescent.")
    private Long steps;

    @Option(names = "--max-steps", paramLabel = "N", defaultValue = "10000",
        description = "Without --steps: fail if still not quiescent after N steps (default: ${DEFAULT-VALUE}).")
    private long maxSteps;

    @Option(names = "--tick-ms", paramLabel = "MS", defaultValue = "100",
        description = "Time between steps: step k runs at nowMs (k-1)*MS (default: ${DEFAULT-VALUE}).")
    private long tickMs;

    @Option(names = "--nodes", paramLabel = "A,B,...",
        description = "Run one node per address in the simulator instead of one node named local.")
    private String nodesOption;

    /** The --nodes addresses in the order given, or null without --nodes. */
    private List<String> nodes;

    @Option(names = "--seed", paramLabel = "N",
        description = "Seed of the simulated network; the fault options need it so that a run can be replayed.")
    private Long seed;

    @Option(names = "--drop", paramLabel = "P", description = "With --seed: probability that a message is lost.")
    private Double drop;

    @Option(names = "--dup", paramLabel = "P", description = "With --seed: probability that a message is duplicated.")
    private Double dup;

    @Option(names = "--reorder", paramLabel = "P", description = "With --seed: probability that a message is reordered.")
    private Double reorder;

    @Option(names = "--delay-ms", paramLabel = "MIN..MAX",
        description = "With --seed: message delay in ms, a range MIN..MAX or one fixed value.")
    private String delay;

    @Override
    public Integer call() {
        Boom app = OlgCommand.app(spec);
        SimConfig config = validatedOptions();
        Compiler.Result compiled = Programs.compile(app, file);
        for (Diagnostic d : compiled.diagnostics()) {
            app.err().println(d);
        }
        if (!compiled.ok()) {
            int n = compiled.errors().size();
            throw new CliException(file + " does not compile (" + n + (n == 1 ? " error)" : " errors)"));
        }
        Program program = compiled.program();
        checkPrintable(program);
        checkTerminates(program);
        List<String> addresses = nodes == null ? List.of(LOCAL) : List.copyOf(nodes);
        try {
            FactsLayout facts = new FactsLayout(app, factsDir, nodes != null);
            SimRun run = new SimRun(app, program, addresses, nodes != null, Optional.ofNullable(seed), config,
                facts.load(program, addresses));
            return run.run(steps, maxSteps, print);
        } catch (FactsException e) {
            app.err().println(e.getMessage());
            return Boom.ERROR;
        }
    }

    /** Checks the options one by one, before anything runs, and builds the network's settings. */
    private SimConfig validatedOptions() {
        if (steps != null && steps < 1) {
            throw usage("--steps must be at least 1, not " + steps);
        }
        if (maxSteps < 1) {
            throw usage("--max-steps must be at least 1, not " + maxSteps);
        }
        if (tickMs < 1) {
            throw usage("--tick-ms must be at least 1, not " + tickMs);
        }
        if (nodesOption != null) {
            nodes = List.of(nodesOption.split(",", -1));
            checkAddresses();
        }
        SimConfig base = SimConfig.noFaults(tickMs);
        if (seed == null) {
            List<String> given = faultFlagsGiven();
            if (!given.isEmpty()) {
                throw usage(String.join(", ", given) + (given.size() == 1 ? " needs" : " need")
                    + " --seed N, so that the run can be replayed from its seed");
            }
            return base;
        }
        long minDelay = base.minDelayMs();
        long maxDelay = base.maxDelayMs();
        if (delay != null) {
            Matcher m = DELAY.matcher(delay);
            if (!m.matches()) {
                throw usage("--delay-ms takes MIN..MAX or one value in ms, not '" + delay + "'");
            }
            minDelay = Long.parseLong(m.group(1));
            maxDelay = m.group(2) == null ? minDelay : Long.parseLong(m.group(2));
            if (maxDelay < minDelay) {
                throw usage("--delay-ms " + delay + ": MIN is larger than MAX");
            }
        }
        double dropRate = rate("--drop", drop, base.dropRate());
        double dupRate = rate("--dup", dup, base.duplicateRate());
        double reorderRate = rate("--reorder", reorder, base.reorderRate());
        try {
            return new SimConfig(tickMs, dropRate, dupRate, reorderRate, minDelay, maxDelay);
        } catch (IllegalArgumentException e) {
            // The rates are checked above, so what the network refuses is the delay range.
            throw usage("--delay-ms " + delay + ": " + e.getMessage());
        }
    }

    private List<String> faultFlagsGiven() {
        List<String> given = new ArrayList<>();
        if (drop != null) {
            given.add("--drop");
        }
        if (dup != null) {
            given.add("--dup");
        }
        if (reorder != null) {
            given.add("--reorder");
        }
        if (delay != null) {
            given.add("--delay-ms");
        }
        return given;
    }

    private double rate(String flag, Double given, double dflt) {
        if (given == null) {
            return dflt;
        }
        if (!(given >= 0.0 && given <= 1.0)) {
            throw usage(flag + " is a probability between 0 and 1, not " + given);
        }
        return given;
    }

    private void checkAddresses() {
        Set<String> seen = new HashSet<>();
        for (String a : nodes) {
            if (!ADDRESS.matcher(a).matches() || a.equals(".") || a.equals("..")) {
                throw usage("--nodes: '" + a + "' is not a node address (letters, digits and _ . : - only)");
            }
            if (!seen.add(a)) {
                throw usage("--nodes: " + a + " is given twice");
            }
        }
    }

    private ParameterException usage(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** Every --print relation must exist: say which ones do when it does not. */
    private void checkPrintable(Program program) {
        for (String name : print) {
            Relation r = program.relation(name);
            if (r == null || r.internal) {
                String known = program.userRelations().stream()
                    .filter(x -> x.kind != Relation.Kind.BUILTIN && !x.name.equals("die"))
                    .map(x -> x.name)
                    .collect(Collectors.joining(", "));
                throw new CliException("--print " + name + ": " + file + " has no relation " + name
                    + " (its relations: " + (known.isEmpty() ? "none" : known) + ")");
            }
        }
    }

    /** A timer keeps a program busy forever, so running it "until quiescent" would never end. */
    private void checkTerminates(Program program) {
        if (steps != null) {
            return;
        }
        for (Relation r : program.relations()) {
            if (r.isTimer()) {
                throw new CliException(file + " declares timer " + r.name + "(" + r.timerPeriodMs
                    + "), so it never becomes quiescent: give --steps N to run exactly N steps");
            }
        }
    }
}
