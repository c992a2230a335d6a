package io.boomfs.deploy.topology;

import io.boomfs.deploy.Boom;
import io.boomfs.deploy.CliException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code boom topology}: {@code explain} prints every key of a topology file with its default
 * and meaning; {@code check FILE} validates a file as {@code boom up} would. Also the one place
 * the other commands load a topology from ({@link #load}).
 */
@Command(name = "topology",
    mixinStandardHelpOptions = true,
    versionProvider = Boom.Version.class,
    description = "Topology files (YAML): explain their keys, check one.",
    subcommands = {TopologyCommand.Explain.class, TopologyCommand.Check.class, CommandLine.HelpCommand.class})
public final class TopologyCommand implements Callable<Integer> {
    /** The topology of the commands run without one: local.yaml of this BoomFS. */
    public static final String DEFAULT = "deploy/topologies/local.yaml";

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        return Boom.missingCommand(spec);
    }

    /**
     * Loads a topology, or {@link #DEFAULT} when {@code file} is null: under the BoomFS
     * directory the {@code boom} script names ({@code -Dboom.home}), else under the working
     * directory. Every problem is a line of the CliException.
     */
    public static Topology load(Boom app, String file) {
        Path path = file != null ? app.path(file) : defaultFile(app);
        if (!Files.isRegularFile(path)) {
            throw new CliException("no topology file " + path + (file == null ? " (the default; give one with --topology FILE)" : ""));
        }
        try {
            return TopologyLoader.load(path);
        } catch (TopologyException e) {
            throw new CliException(e.getMessage());
        }
    }

    /** Where {@link #DEFAULT} is: under -Dboom.home when the boom script ran this, else under the working directory. */
    public static Path defaultFile(Boom app) {
        String home = System.getProperty("boom.home");
        return home != null ? Path.of(home).resolve(DEFAULT) : app.path(DEFAULT);
    }

    @Command(name = "explain", mixinStandardHelpOptions = true, versionProvider = Boom.Version.class,
        description = "Print every key of a topology file: its path, type, default and meaning.")
    static final class Explain implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Override
        public Integer call() {
            Boom app = (Boom) spec.root().userObject();
            app.out().print(Keys.explain());
            return Boom.OK;
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true, versionProvider = Boom.Version.class,
        description = {"Check a topology file: every problem is one line, FILE:LINE:COL: PATH: why.",
            "Exit code 0 and a summary when it is good, 1 otherwise."})
    static final class Check implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Parameters(index = "0", paramLabel = "FILE", description = "The topology file.")
        private String file;

        @Override
        public Integer call() {
            Boom app = (Boom) spec.root().userObject();
            Topology t = load(app, file);
            app.out().printf("%s: ok: cluster %s, %d group(s), %d replica(s), %d datanode(s), %d vparts%n", file, t.cluster(),
                t.groups().size(), t.groups().stream().mapToInt(g -> g.replicas().size()).sum(), t.datanodes().size(), t.vparts());
            return Boom.OK;
        }
    }
}
