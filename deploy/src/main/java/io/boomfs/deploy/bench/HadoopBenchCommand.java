package io.boomfs.deploy.bench;

import io.boomfs.deploy.Boom;
import io.boomfs.deploy.CliException;
import io.boomfs.paxos.ReplicaProcess;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code boom bench hadoop}: BoomFS through its Hadoop FileSystem adapter (hadoop-adapter/) side
 * by side with HDFS (MiniDFSCluster), both through Hadoop's FileSystem API: sequential write and
 * read throughput of one large file, and NNThroughputBenchmark's metadata operations. Hadoop
 * never joins this JVM's class path: the benchmark is bench-hdfs's {@value #MAIN}, run as a JVM
 * of its own from bench-hdfs's build (like {@code boom bench meta --compare}); its progress and
 * figures are passed on, its other lines (Hadoop's logs) kept for an error.
 */
@Command(name = "hadoop",
    mixinStandardHelpOptions = true,
    versionProvider = Boom.Version.class,
    description = {"Compare BoomFS (boomfs://, the Hadoop adapter) with HDFS (MiniDFSCluster) through Hadoop's FileSystem API: "
        + "sequential write and read of one file, then create, mkdirs, open, fileStatus, rename and delete rates.",
        "",
        "Replication 3 and 64 MiB blocks on both, one temporary directory (one disk); BoomFS first, then HDFS. Needs bench-hdfs "
            + "built once: " + HdfsSide.BUILD})
public final class HadoopBenchCommand implements Callable<Integer> {
    static final String MAIN = "io.boomfs.bench.hadoop.HadoopBench";
    private static final List<String> JVM_OPTIONS = List.of("-Xms256m", "-Xmx2g");
    private static final int TAIL = 30;

    @Spec
    private CommandSpec spec;

    @Option(names = "--size", paramLabel = "SIZE", defaultValue = "1G",
        description = "The file written then read (a number with K, M or G; default ${DEFAULT-VALUE}).")
    private String size;

    @Option(names = "--files", paramLabel = "N", defaultValue = "2000",
        description = "Operations of each metadata phase (default ${DEFAULT-VALUE}).")
    private int files;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "4",
        description = "Threads of the metadata phases, each with a client of its own (default ${DEFAULT-VALUE}).")
    private int threads;

    @Override
    public Integer call() {
        if (files < 1 || threads < 1) {
            throw new ParameterException(spec.commandLine(), "--files and --threads must be at least 1, not " + files + " and "
                + threads);
        }
        if (!size.trim().matches("[1-9][0-9]*[KkMmGg]?")) {
            throw new ParameterException(spec.commandLine(), "--size takes a number with K, M or G, not " + size);
        }
        Path module = HdfsSide.moduleDir(MAIN, "bench hadoop");
        PrintStream out = ((Boom) spec.root().userObject()).out();
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(ReplicaProcess.inheritedJvmFlags());
        cmd.addAll(JVM_OPTIONS);
        cmd.addAll(List.of("-cp", String.join(File.pathSeparator, module.resolve("target/classes").toString(),
            System.getProperty("java.class.path"), module.resolve("target/lib") + "/*"), MAIN,
            "--size", size.trim(), "--files", Integer.toString(files), "--threads", Integer.toString(threads)));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new CliException("cannot start the benchmark JVM: " + e.getMessage());
        }
        List<String> tail = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("bench hadoop: ") || line.startsWith("RESULT ") || line.startsWith("|")) {
                    out.println(line);
                    out.flush();
                } else {
                    if (tail.size() == TAIL) {
                        tail.remove(0);
                    }
                    tail.add(line);
                }
            }
            int code = p.waitFor();
            if (code != 0) {
                throw new CliException("the benchmark failed (exit code " + code + "); its last lines: " + String.join(" | ", tail));
            }
            return 0;
        } catch (IOException e) {
            throw new CliException("lost the benchmark's output: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        } finally {
            p.destroyForcibly();
        }
    }
}
