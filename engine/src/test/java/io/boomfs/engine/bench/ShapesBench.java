package io.boomfs.engine.bench;

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

import java.util.concurrent.TimeUnit;

/** One step inserting one file into a 1M-entry namespace under a join-heavy and an aggregate-heavy program. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgs = {"-Xmx8g", "-XX:+UseParallelGC"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ShapesBench {
    @Param("1000000")
    public int entries;

    @Param({"joins", "aggregates"})
    public String program;

    private LoadedNamespace loaded;

    @Setup(Level.Trial)
    public void load() {
        loaded = new LoadedNamespace(entries, program.equals("joins") ? Namespace.JOINS : Namespace.AGGREGATES);
    }

    @Benchmark
    public long insertOneFile() {
        return loaded.insertFile("new-");
    }
}
