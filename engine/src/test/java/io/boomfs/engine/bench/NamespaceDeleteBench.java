package io.boomfs.engine.bench;

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
import java.util.concurrent.TimeUnit;

/**
 * Deleting one file from a namespace of {@code entries} with {@code fqpath} maintained. Each
 * invocation first inserts a file (untimed), then times the step that receives {@code rm(F)}
 * (the delete happens at its transition) plus the step whose fixpoint updates the view.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgs = {"-Xmx8g", "-XX:+UseParallelGC"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class NamespaceDeleteBench {
    @Param("1000000")
    public int entries;

    private LoadedNamespace loaded;
    private long toDelete;

    @Setup(Level.Trial)
    public void load() {
        loaded = new LoadedNamespace(entries, Namespace.FQPATH);
    }

    @Setup(Level.Invocation)
    public void prepareDelete() {
        toDelete = loaded.insertFile("victim-");
    }

    @Benchmark
    public Object deleteOneFile() {
        loaded.step(List.of(new Tuple("rm", toDelete)));
        return loaded.step(List.of());
    }
}
