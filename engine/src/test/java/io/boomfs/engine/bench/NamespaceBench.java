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

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Step costs on a namespace of {@code entries} files with {@code fqpath} maintained
 * (issue 3, section 6): one step inserting one file, the steps deleting one, an empty step.
 * Sample-time mode, so JMH prints p50 and p99.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgs = {"-Xmx8g", "-XX:+UseParallelGC"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class NamespaceBench {
    @Param("1000000")
    public int entries;

    private LoadedNamespace loaded;

    @Setup(Level.Trial)
    public void load() {
        loaded = new LoadedNamespace(entries, Namespace.FQPATH);
    }

    @Benchmark
    public long insertOneFile() {
        return loaded.insertFile("new-");
    }

    @Benchmark
    public Object emptyStep() {
        return loaded.step(List.of());
    }
}
