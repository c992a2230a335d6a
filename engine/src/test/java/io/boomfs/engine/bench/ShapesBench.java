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

    private OverlogNode node;
    private Namespace ns;
    private long nextId;
    private long now;
    private int dirIndex;

    @Setup(Level.Trial)
    public void load() {
        ns = new Namespace(entries, 42);
        node = ns.loadedNode(program.equals("joins") ? Namespace.JOINS : Namespace.AGGREGATES, NodeOptions.defaults());
        nextId = ns.maxId() + 1;
        now = 1;
    }

    @Benchmark
    public Object insertOneFile() {
        long id = nextId++;
        dirIndex = (dirIndex + 7919) % ns.dirs.size();
        return node.step(now++, List.of(new Tuple("file", id, ns.dirs.get(dirIndex), "new-" + id, false)));
    }
}
