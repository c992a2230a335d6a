package io.boomfs.deploy.bench;

import io.boomfs.deploy.Boom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code boom bench}: the benchmarks of the file system's services (issue 6); each is a subcommand. */
@Command(name = "bench",
    mixinStandardHelpOptions = true,
    versionProvider = Boom.Version.class,
    description = "Benchmarks: `boom bench meta` (a metadata shard group, optionally side by side with HDFS), "
        + "`boom bench meta-heap` (a shard's heap per file), `boom bench hadoop` (BoomFS through its Hadoop adapter beside HDFS).",
    subcommands = {MetaBenchCommand.class, MetaHeapCommand.class, ScaleBenchCommand.class, PartitionBenchCommand.class,
        HadoopBenchCommand.class})
public final class BenchCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        return Boom.missingCommand(spec);
    }
}
