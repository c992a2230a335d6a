package io.boomfs.engine.bench;

import io.boomfs.engine.NodeOptions;
import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.Tuple;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Bulk derivation: load {@code entries} files into {@code file} and run the step that derives
 * every view, against the hand-written HashMap implementation of the same paths
 * ({@link Baseline}) in the same run. Single-shot: each iteration starts from nothing.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgs = {"-Xmx8g", "-XX:+UseParallelGC"})
@Warmup(iterations = 2)
@Measurement(iterations = 5)
public class BulkDeriveBench {
    @Param("1000000")
    public int entries;

    @Param({"fqpath", "joins", "aggregates"})
    public String program;

    private Namespace ns;

    @Setup(Level.Trial)
    public void generate() {
        ns = new Namespace(entries, 42);
    }

    @Benchmark
    public OverlogNode engine() {
        String src = Map.of("fqpath", Namespace.FQPATH, "joins", Namespace.JOINS,
            "aggregates", Namespace.AGGREGATES).get(program);
        OverlogNode n = new OverlogNode(Namespace.program(src), "local", NodeOptions.defaults());
        for (Object[] row : ns.rows) {
            n.load(Tuple.wrap("file", row));
        }
        n.step(0, List.of());
        return n;
    }

    /** The baseline computes fqpath only; run it once per program value to keep the table simple. */
    @Benchmark
    public Baseline hashMapFqpath() {
        Baseline b = new Baseline(ns.rows);
        b.deriveAll();
        return b;
    }
}
