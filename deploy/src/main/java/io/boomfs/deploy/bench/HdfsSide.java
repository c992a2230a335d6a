package io.boomfs.deploy.bench;

import io.boomfs.deploy.CliException;
import io.boomfs.paxos.ReplicaProcess;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The HDFS side of {@code boom bench meta --compare}: the bench-hdfs module (built only with
 * {@code mvn -Pcompare}, so that the default build never fetches Hadoop) run as a JVM of its own,
 * after the BoomFS phases so that the two never share the cores. It runs the same
 * {@link PhaseRunner} against a MiniDFSCluster's NameNode and prints {@link PhaseResult} lines,
 * read back here; its other lines are passed on as progress.
 */
final class HdfsSide {
    static final String MAIN = "io.boomfs.bench.hdfs.HdfsMetaBench";
    static final String BUILD = "mvn -B -q -Pcompare -DskipTests package";
    private static final List<String> JVM_OPTIONS = List.of("-Xms256m", "-Xmx2g");

    private HdfsSide() {
    }

    /** Runs the HDFS phases with the same settings in bench-hdfs ({@link #moduleDir()}); their results in order. */
    static List<PhaseResult> run(Path module, PhaseRunner.Settings settings, Consumer<String> say) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(ReplicaProcess.inheritedJvmFlags());
        cmd.addAll(JVM_OPTIONS);
        // This JVM's class path before bench-hdfs's libraries: the shared bench code is this build's,
        // even when bench-hdfs was built before it changed.
        String classPath = String.join(File.pathSeparator, module.resolve("target/classes").toString(),
            System.getProperty("java.class.path"), module.resolve("target/lib") + "/*");
        cmd.addAll(List.of("-cp", classPath, MAIN,
            "--sessions", Integer.toString(settings.sessions()), "--seconds", Integer.toString(settings.seconds()),
            "--warmup", Integer.toString(settings.warmupS()), "--phases",
            String.join(",", settings.phases().stream().map(Phase::option).toList())));
        List<PhaseResult> results = new ArrayList<>();
        List<String> tail = new ArrayList<>();
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new CliException("cannot start the HDFS benchmark JVM: " + e.getMessage());
        }
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith(PhaseResult.PREFIX + " ")) {
                    results.add(PhaseResult.parse(line));
                } else if (line.startsWith("bench meta: ")) {
                    say.accept(line);
                } else {
                    keep(tail, line);
                }
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                throw new CliException("the HDFS benchmark JVM did not exit after its output ended");
            }
        } catch (IOException e) {
            throw new CliException("lost the HDFS benchmark's output: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        } finally {
            p.destroyForcibly();
        }
        if (p.exitValue() != 0 || results.size() != settings.phases().size()) {
            throw new CliException("the HDFS benchmark failed (exit code " + p.exitValue() + "); its last lines: "
                + String.join(" | ", tail));
        }
        return results;
    }

    private static void keep(List<String> tail, String line) {
        if (tail.size() == 20) {
            tail.remove(0);
        }
        tail.add(line);
    }

    /**
     * bench-hdfs next to the deploy module this class was loaded from, built and no older than
     * its sources.
     *
     * @throws CliException with the command that builds it
     */
    static Path moduleDir() {
        return moduleDir(MAIN, "--compare");
    }

    /**
     * bench-hdfs, built with {@code main} and no older than its sources, for the option or command
     * {@code who} (named in the errors).
     *
     * @throws CliException with the command that builds it
     */
    static Path moduleDir(String main, String who) {
        Path classes;
        try {
            classes = Path.of(HdfsSide.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | RuntimeException e) {
            throw new CliException(who + ": cannot tell where BoomFS's build is: " + e.getMessage());
        }
        // deploy/target/classes -> the source tree's root.
        Path root = classes.getParent() == null || classes.getParent().getParent() == null ? null
            : classes.getParent().getParent().getParent();
        Path module = root == null ? null : root.resolve("bench-hdfs");
        if (module == null || !Files.isRegularFile(module.resolve("pom.xml"))) {
            throw new CliException(who + " needs BoomFS's source tree (bench-hdfs/ next to deploy/; this runs from " + classes + ")");
        }
        Path built = module.resolve("target/classes/" + main.replace('.', '/') + ".class");
        if (!Files.isRegularFile(built) || !Files.isDirectory(module.resolve("target/lib")) || newerSource(module, built)) {
            throw new CliException(who + ": the HDFS side is not built (or older than its sources); run once, in "
                + root + ": " + BUILD + " (it fetches Hadoop 3.5.0 the first time)");
        }
        return module;
    }

    private static boolean newerSource(Path module, Path built) {
        try (Stream<Path> files = Files.walk(module.resolve("src"))) {
            long builtAt = Files.getLastModifiedTime(built).toMillis();
            return files.filter(Files::isRegularFile).anyMatch(f -> {
                try {
                    return Files.getLastModifiedTime(f).toMillis() > builtAt;
                } catch (IOException e) {
                    return true;
                }
            });
        } catch (IOException e) {
            return true;
        }
    }
}
