package io.boomfs.deploy;

import io.boomfs.client.MetaClient;
import io.boomfs.deploy.admin.AdminCommand;
import io.boomfs.deploy.bench.BenchCommand;
import io.boomfs.deploy.datanode.DatanodeCommand;
import io.boomfs.deploy.kv.KvBenchCommand;
import io.boomfs.deploy.kv.KvDemoCommand;
import io.boomfs.deploy.kv.KvReplicaCommand;
import io.boomfs.deploy.fs.FsCommand;
import io.boomfs.deploy.fs.MetaReplicaCommand;
import io.boomfs.deploy.keygen.KeygenCommand;
import io.boomfs.deploy.node.NodeCommand;
import io.boomfs.deploy.olg.OlgCommand;
import io.boomfs.deploy.status.StatusCommand;
import io.boomfs.deploy.topology.TopologyCommand;
import io.boomfs.deploy.up.UpCommand;
import io.boomfs.engine.OverlogException;
import io.boomfs.paxos.kv.KvException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The {@code boom} command: the one command-line entry point of BoomFS. Subcommands are added
 * by the issues that need them; each writes its results to {@link #out()} and everything else
 * (diagnostics, traces, errors) to {@link #err()}.
 *
 * <p>Exit codes: 0 success, 1 an error in the user's input or program (one line
 * {@code boom: error: ...} on stderr, never only a stack trace), 2 a usage error (bad option),
 * 3 an invariant violation ({@code die}) in a program run.
 */
@Command(name = "boom",
    mixinStandardHelpOptions = true,
    versionProvider = Boom.Version.class,
    description = "BoomFS: a highly available, partitioned file-system metadata service written in Overlog.",
    subcommands = {OlgCommand.class, FsCommand.class, MetaReplicaCommand.class, DatanodeCommand.class,
        KvDemoCommand.class, KvBenchCommand.class, KvReplicaCommand.class, BenchCommand.class,
        UpCommand.class, NodeCommand.class, StatusCommand.class, AdminCommand.class, TopologyCommand.class, KeygenCommand.class,
        CommandLine.HelpCommand.class})
public final class Boom implements Callable<Integer> {
    public static final int OK = 0;
    public static final int ERROR = 1;
    public static final int USAGE = 2;
    public static final int DIE = 3;

    private final PrintStream out;
    private final PrintStream err;
    private final Path base;

    @Spec
    private CommandSpec spec;

    /**
     * @param out  where results go (stdout)
     * @param err  where diagnostics, traces and errors go (stderr)
     * @param base the directory relative paths are resolved against; {@code Path.of("")} for the
     *             process's working directory (file names in messages are then as the user typed them)
     */
    public Boom(PrintStream out, PrintStream err, Path base) {
        this.out = out;
        this.err = err;
        this.base = base;
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16),
            false, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
        int code = run(new Boom(out, err, Path.of("")), args);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs one command line and returns its exit code; never throws for a user's mistake. */
    public static int run(Boom app, String... args) {
        int code = commandLine(app).execute(args);
        app.out.flush();
        app.err.flush();
        return code;
    }

    /** The picocli command tree wired to {@code app}'s streams and error handling. */
    public static CommandLine commandLine(Boom app) {
        CommandLine cl = new CommandLine(app);
        cl.setOut(new PrintWriter(app.out, true));
        cl.setErr(new PrintWriter(app.err, true));
        cl.setParameterExceptionHandler(Boom::usageError);
        cl.setExecutionExceptionHandler((e, command, parseResult) -> failure(app, e));
        return cl;
    }

    public PrintStream out() {
        return out;
    }

    public PrintStream err() {
        return err;
    }

    /**
     * The user token of a {@code --token-file} option (resolved against the base directory), or
     * of the file {@code $BOOMFS_TOKEN_FILE} names; null when neither names one.
     *
     * @throws CliException (exit code 2) naming the file and what is wrong with it
     */
    public io.boomfs.meta.Tokens.Token token(Path tokenFile) {
        try {
            return io.boomfs.meta.Tokens.fromOption(tokenFile == null ? null : path(tokenFile.toString()));
        } catch (IllegalArgumentException e) {
            throw new CliException(USAGE, e.getMessage());
        }
    }

    /** A path the user gave, resolved against the base directory. */
    public Path path(String userPath) {
        return base.resolve(userPath);
    }

    /** Without a subcommand there is nothing to do: say what there is. */
    @Override
    public Integer call() {
        return missingCommand(spec);
    }

    /** Prints a command's usage on stderr for want of a subcommand; the exit code is {@link #USAGE}. */
    public static int missingCommand(CommandSpec spec) {
        PrintWriter w = spec.commandLine().getErr();
        w.println("boom: error: missing command");
        spec.commandLine().usage(w);
        w.flush();
        return USAGE;
    }

    private static int usageError(ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        PrintWriter w = cl.getErr();
        w.println("boom: error: " + e.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(e, w);
        w.println("Try '" + cl.getCommandSpec().qualifiedName() + " --help' for more information.");
        w.flush();
        return USAGE;
    }

    static int failure(Boom app, Exception e) {
        Throwable cause = e;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof KvException || cause instanceof MetaClient.FsException) {
            // A cluster that did not answer in time, or refused: its message says which op and why
            // (a bench run into a host's 10 s disk stall printed this as a bug, with a trace).
            app.err.println("boom: error: " + cause.getMessage());
            return ERROR;
        }
        if (e instanceof CliException c) {
            // A message of several problems (a topology file's) is one error line each.
            for (String line : c.getMessage().split("\n")) {
                app.err.println("boom: error: " + line);
            }
            return c.exitCode();
        }
        if (e instanceof OverlogException) {
            // A program failed at run time; the message names the rule and says what went wrong.
            app.err.println("boom: error: " + e.getMessage());
            return ERROR;
        }
        // Anything else is not a mistake of the user's: keep the trace for the bug report.
        app.err.println("boom: error: " + (e.getMessage() == null ? e.getClass().getName() : e.getMessage()));
        app.err.println("boom: this is a bug in BoomFS; the stack trace follows");
        e.printStackTrace(app.err);
        return ERROR;
    }

    /** The version the build wrote into version.properties. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Boom.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"boom " + p.getProperty("version", "(unknown version)")};
        }
    }
}
