package io.boomfs.engine.bench;

import io.boomfs.engine.NodeOptions;
import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.lang.Compiler;
import io.boomfs.engine.lang.Functions;
import io.boomfs.engine.lang.Type;
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
import java.util.concurrent.TimeUnit;

/**
 * One step that looks up the rows of a table of a million by a function of their key, as the
 * metadata shard finds a vpart's rows: {@code hit(P) :- want(V), t(P, _), V == vpart(P)}, with
 * {@code vpart} declared pure (an expression index: one probe, 1,024 rows found) or not (the
 * table is scanned and vpart computed on each row). Run it with {@code engine/bench.sh ExprIndexBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgs = {"-Xmx4g", "-XX:+UseParallelGC"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ExprIndexBench {
    static final String PROGRAM = """
        table t(P: long, N: long).
        event want(V: long).
        event hit(P: long).
        hit(P) :- want(V), t(P, _), V == vpart(P).
        """;

    @Param("1000000")
    public int rows;

    @Param({"true", "false"})
    public boolean index;

    private OverlogNode node;
    private long now = 1;
    private long v;

    @Setup(Level.Trial)
    public void load() {
        node = node(index);
        for (long p = 0; p < rows; p++) {
            node.load(new Tuple("t", p, p * 7));
        }
        node.step(now++, List.of());
    }

    /** A node running {@link #PROGRAM} with vpart (a row's 1,024-row group) pure or not. */
    static OverlogNode node(boolean pure) {
        Functions fs = new Functions().register("vpart", 1, 1, Type.LONG, (a, now) -> a[0] instanceof Long p ? p >>> 10 : null);
        Compiler.Result r = Compiler.compileSource("bench.olg", PROGRAM, pure ? fs.pure("vpart") : fs, p -> null);
        if (!r.ok()) {
            throw new IllegalStateException(r.diagnostics().toString());
        }
        return new OverlogNode(r.program(), "local", NodeOptions.defaults());
    }

    @Benchmark
    public int lookUpOneVpart() {
        v = (v + 397) % (rows >>> 10);
        node.step(now++, List.of(new Tuple("want", v)));
        return node.count("hit");
    }
}
