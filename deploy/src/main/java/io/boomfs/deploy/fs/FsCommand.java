package io.boomfs.deploy.fs;

import io.boomfs.client.BoomFileSystem;
import io.boomfs.client.MetaClient;
import io.boomfs.client.MetaClient.FsException;
import io.boomfs.deploy.Boom;
import io.boomfs.deploy.CliException;
import io.boomfs.deploy.topology.Topology;
import io.boomfs.deploy.topology.TopologyCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code boom fs}: the verbs people know from {@code hdfs dfs}, against one metadata shard and
 * the datanodes it names ({@link BoomFileSystem}). Errors are one line, {@code boom fs: PATH: No
 * such file or directory}, exit code 1; a usage error exits 2.
 */
@Command(name = "fs",
    mixinStandardHelpOptions = true,
    versionProvider = Boom.Version.class,
    description = {"The file system: mkdir, ls, touch, rm, mv, stat, put, get, cat, du, chmod.",
        "",
        "The shard's replicas come from --replicas, else the environment variable BOOMFS_REPLICAS (HOST:PORT,...), else the "
            + "first group of --topology (default: " + TopologyCommand.DEFAULT + ", what `boom up` runs)."},
    subcommands = {FsCommand.Mkdir.class, FsCommand.Ls.class, FsCommand.Touch.class, FsCommand.Rm.class, FsCommand.Mv.class,
        FsCommand.Stat.class, Transfers.Put.class, Transfers.Get.class, Transfers.Cat.class, FsCommand.Du.class,
        FsCommand.Chmod.class, FsCommand.Chown.class, CommandLine.HelpCommand.class})
public final class FsCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--replicas", paramLabel = "HOST:PORT,...", description = "The replicas of the metadata shard (several shard groups: each group's, in group order, separated by ;).")
    private String replicas;

    @Option(names = "--topology", paramLabel = "FILE",
        description = "Find the shard in this topology: its first group (the others are independent shards until partitioning).")
    private String topology;

    @Option(names = "--user", paramLabel = "NAME", description = "Who owns what is created (default: $USER).")
    private String user;

    @Option(names = "--token-file", paramLabel = "FILE",
        description = "Act as the user of this token (NAME:SECRET, from boom admin user add; default: $BOOMFS_TOKEN_FILE)."
            + " Without one, requests carry no user: a superuser's where the cluster runs without sm.auth.")
    private java.nio.file.Path tokenFile;

    @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "10000",
        description = "How long one operation may take (default ${DEFAULT-VALUE}).")
    private long timeoutMs;

    @Override
    public Integer call() {
        return Boom.missingCommand(spec);
    }

    /** Plain words for the shard's codes, as the familiar tools say them. */
    private static final Map<String, String> WORDS = Map.of("NOT_FOUND", "No such file or directory", "EXISTS", "File exists",
        "NOT_DIR", "Not a directory", "IS_DIR", "Is a directory", "NOT_EMPTY", "Directory not empty", "LEASE_HELD",
        "File is being written by another client", "UNAUTHENTICATED", "Not authenticated (give --token-file)");

    /** What a verb does with the file system; it may fail with an FsException or an IOException. */
    interface Body {
        int run(BoomFileSystem fs) throws IOException;
    }

    /** What a verb does with the file system to one of its paths. */
    interface PathBody {
        int run(BoomFileSystem fs, String path) throws IOException;
    }

    /**
     * Runs {@code body} for each of {@code paths} in turn (each as {@link #with}), stopping at
     * the first that fails; returns its code, or {@link Boom#OK}.
     */
    int each(List<String> paths, PathBody body) {
        for (String p : paths) {
            int code = with(p, c -> body.run(c, p));
            if (code != Boom.OK) {
                return code;
            }
        }
        return Boom.OK;
    }

    /**
     * Runs {@code body} with a client; an FsException or IOException becomes one line naming
     * the path it is about ({@code path} unless the message names one itself).
     */
    int with(String path, Body body) {
        String list = replicas != null ? replicas : System.getenv("BOOMFS_REPLICAS");
        List<List<String>> groups = new java.util.ArrayList<>();
        long vparts = io.boomfs.client.MetaClient.DEFAULT_VPARTS;
        if (list == null || list.isBlank()) {
            Topology t = topology();
            t.groups().forEach(g -> groups.add(g.addresses()));
            vparts = t.vparts();
        } else {
            for (String g : list.split(";")) {
                groups.add(List.of(g.split(",")));
            }
        }
        String owner = user != null ? user : System.getProperty("user.name", "nobody");
        String token = token();
        try (BoomFileSystem fs = BoomFileSystem.open(groups, vparts, owner,
            BoomFileSystem.Config.defaults().withMetaTimeoutMs(timeoutMs))) {
            if (token != null) {
                fs.authenticate(token);
            }
            return body.run(fs);
        } catch (FsException e) {
            String words = WORDS.get(e.code());
            if (e.code().equals("PERMISSION")) {
                words = "Permission denied (" + e.getMessage() + ")";
            }
            return error(path, words != null ? words : e.getMessage());
        } catch (NoSuchFileException e) {
            return error(e.getFile(), "No such file or directory");
        } catch (AccessDeniedException e) {
            return error(e.getFile(), "Permission denied");
        } catch (FileAlreadyExistsException e) {
            return error(e.getFile(), "File exists");
        } catch (IOException e) {
            return error(path, e.getMessage());
        }
    }

    /** The token of --token-file or $BOOMFS_TOKEN_FILE, or null when neither names one. */
    private String token() {
        io.boomfs.meta.Tokens.Token t = ((Boom) spec.root().userObject()).token(tokenFile);
        return t == null ? null : t.toString();
    }

    /**
     * The topology the shard is found in when neither --replicas nor BOOMFS_REPLICAS names it, or
     * null when one does: its chunk size and replication are then put's defaults.
     */
    Topology topology() {
        boolean named = replicas != null || !System.getenv().getOrDefault("BOOMFS_REPLICAS", "").isBlank();
        if (named) {
            return null;
        }
        if (topology == null && !Files.isRegularFile(TopologyCommand.defaultFile(app()))) {
            throw new CliException(Boom.USAGE, "no metadata shard given: use --replicas HOST:PORT,..., set BOOMFS_REPLICAS, or give "
                + "--topology FILE (the default, " + TopologyCommand.defaultFile(app()) + ", is not there)");
        }
        return TopologyCommand.load(app(), topology);
    }

    /** Prints {@code boom fs: PATH: WHAT} (the path once, if the message starts with it) and returns {@link Boom#ERROR}. */
    int error(String path, String what) {
        String line = what.startsWith(path + ": ") ? what : path + ": " + what;
        app().err().println("boom fs: " + line);
        return Boom.ERROR;
    }

    /** Whether a person watches: progress bars only then. */
    static boolean interactive() {
        return System.console() != null;
    }

    static String mode(boolean dir, long mode) {
        StringBuilder sb = new StringBuilder(dir ? "d" : "-");
        String rwx = "rwx";
        for (int i = 8; i >= 0; i--) {
            sb.append((mode >> i & 1) == 1 ? rwx.charAt((8 - i) % 3) : '-');
        }
        return sb.toString();
    }

    /** One line of {@code ls}: mode, replication, owner, size (human-readable with {@code human}), mtime (UTC), path. */
    static String line(MetaClient.Stat s, String path, boolean human) {
        String when = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(ZoneOffset.UTC).format(Instant.ofEpochMilli(s.mtimeMs()));
        return String.format("%s %3s %-8s %12s %s %s", mode(s.isDir(), s.mode()), s.isDir() ? "-" : Long.toString(s.replication()),
            s.owner(), human ? Sizes.human(s.size()) : Long.toString(s.size()), when, path);
    }

    static String child(String dir, String name) {
        return (dir.endsWith("/") ? dir : dir + "/") + name;
    }

    Boom app() {
        return (Boom) spec.root().userObject();
    }

    PrintStream out() {
        return app().out();
    }

    @Command(name = "mkdir", mixinStandardHelpOptions = true, description = "Create directories.")
    static final class Mkdir implements Callable<Integer> {
        @ParentCommand
        FsCommand fs;
        @Option(names = "-p", description = "Create missing parents too; no error if the directory exists.")
        boolean parents;
        @Parameters(paramLabel = "PATH", arity = "1..*")
        List<String> paths;

        @Override
        public Integer call() {
            return fs.each(paths, (c, p) -> {
                if (!parents) {
                    List<String> names = MetaClient.names(p);
                    if (!names.isEmpty()) {
                        String parent = "/" + String.join("/", names.subList(0, names.size() - 1));
                        if (!c.stat(parent).isDir()) {
                            throw new FsException("NOT_DIR", parent);
                        }
                        boolean exists;
                        try {
                            c.stat(p);
                            exists = true;
                        } catch (FsException e) {
                            exists = false;
                        }
                        if (exists) {
                            throw new FsException("EXISTS", p);
                        }
                    }
                }
                c.mkdirs(p);
                return Boom.OK;
            });
        }
    }

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List a directory (or show a file).")
    static final class Ls implements Callable<Integer> {
        @ParentCommand
        FsCommand fs;
        @Option(names = "-R", description = "Recurse into subdirectories.")
        boolean recursive;
        @Option(names = "-h", description = "Sizes in K, M, G (powers of 1024).")
        boolean human;
        @Parameters(paramLabel = "PATH", defaultValue = "/")
        String path;

        @Override
        public Integer call() {
            return fs.with(path, c -> {
                MetaClient.Stat s = c.stat(path);
                if (!s.isDir()) {
                    fs.out().println(line(s, path, human));
                    return Boom.OK;
                }
                list(c, path);
                return Boom.OK;
            });
        }

        private void list(BoomFileSystem c, String dir) {
            List<String> subdirs = new ArrayList<>();
            for (Iterator<MetaClient.Entry> it = c.list(dir); it.hasNext(); ) {
                MetaClient.Entry e = it.next();
                String p = child(dir, e.name());
                fs.out().println(line(c.stat(p), p, human));
                if (e.isDir()) {
                    subdirs.add(p);
                }
            }
            if (recursive) {
                for (String d : subdirs) {
                    list(c, d);
                }
            }
        }
    }

    @Command(name = "touch", mixinStandardHelpOptions = true, description = "Create empty files (existing ones are left).")
    static final class Touch implements Callable<Integer> {
        @ParentCommand
        FsCommand fs;
        @Parameters(paramLabel = "PATH", arity = "1..*")
        List<String> paths;

        @Override
        public Integer call() {
            return fs.each(paths, (c, p) -> {
                try {
                    c.create(p, false).close();
                } catch (FsException e) {
                    if (!e.code().equals("EXISTS")) {
                        throw e;
                    }
                }
                return Boom.OK;
            });
        }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove files and directories.")
    static final class Rm implements Callable<Integer> {
        @ParentCommand
        FsCommand fs;
        @Option(names = "-r", description = "Remove directories and what they hold.")
        boolean recursive;
        @Parameters(paramLabel = "PATH", arity = "1..*")
        List<String> paths;

        @Override
        public Integer call() {
            return fs.each(paths, (c, p) -> {
                if (!recursive && c.stat(p).isDir()) {
                    throw new FsException("IS_DIR", p);
                }
                c.delete(p, recursive);
                return Boom.OK;
            });
        }
    }

    @Command(name = "mv", mixinStandardHelpOptions = true, description = "Rename a file or directory (the destination must not exist).")
    static final class Mv implements Callable<Integer> {
        @ParentCommand
        FsCommand fs;
        @Parameters(index = "0", paramLabel = "SRC")
        String src;
        @Parameters(index = "1", paramLabel = "DST")
        String dst;

        @Override
        public Integer call() {
            return fs.with(src, c -> {
                c.rename(src, dst);
                return Boom.OK;
            });
        }
    }

    @Command(name = "stat", mixinStandardHelpOptions = true, description = "Show what a path is.")
    static final class Stat implements Callable<Integer> {
        @ParentCommand
        FsCommand fs;
        @Parameters(paramLabel = "PATH")
        String path;

        @Override
        public Integer call() {
            return fs.with(path, c -> {
                fs.out().println(line(c.stat(path), path, false));
                return Boom.OK;
            });
        }
    }

    @Command(name = "du", mixinStandardHelpOptions = true,
        description = "Bytes under each entry of a directory (or under the path itself with -s).")
    static final class Du implements Callable<Integer> {
        @ParentCommand
        FsCommand fs;
        @Option(names = "-s", description = "One total for each PATH, with its files and directories.")
        boolean summary;
        @Option(names = "-h", description = "Sizes in K, M, G (powers of 1024).")
        boolean human;
        @Parameters(paramLabel = "PATH", defaultValue = "/", arity = "0..*")
        List<String> paths;

        @Override
        public Integer call() {
            return fs.each(paths, (c, p) -> {
                if (summary || !c.stat(p).isDir()) {
                    BoomFileSystem.Usage u = c.du(p);
                    fs.out().println(size(u.bytes()) + (summary ? "  " + u.files() + " files  " + u.dirs() + " dirs" : "") + "  " + p);
                    return Boom.OK;
                }
                for (Iterator<MetaClient.Entry> it = c.list(p); it.hasNext(); ) {
                    String child = child(p, it.next().name());
                    fs.out().println(size(c.du(child).bytes()) + "  " + child);
                }
                return Boom.OK;
            });
        }

        private String size(long bytes) {
            return human ? Sizes.human(bytes) : Long.toString(bytes);
        }
    }

    @Command(name = "chmod", mixinStandardHelpOptions = true, description = "Change the mode of files and directories.")
    static final class Chmod implements Callable<Integer> {
        @ParentCommand
        FsCommand fs;
        @Parameters(index = "0", paramLabel = "MODE", description = "Octal, like 755 or 0644.")
        String mode;
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "PATH")
        List<String> paths;

        @Override
        public Integer call() {
            if (!mode.matches("[0-7]{1,4}")) {
                throw new CliException(Boom.USAGE, "chmod: invalid mode '" + mode + "': give octal digits, like 755");
            }
            long bits = Long.parseLong(mode, 8);
            return fs.each(paths, (c, p) -> {
                c.setattr(p, bits, null, null, null);
                return Boom.OK;
            });
        }
    }

    @Command(name = "chown", mixinStandardHelpOptions = true, description = "Change the owner (OWNER or OWNER:GROUP) of files and directories (superusers only).")
    static final class Chown implements Callable<Integer> {
        @ParentCommand
        FsCommand fs;
        @Parameters(index = "0", paramLabel = "OWNER[:GROUP]")
        String owner;
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "PATH")
        List<String> paths;

        @Override
        public Integer call() {
            if (!owner.matches("[^:\\s]+(:[^:\\s]+)?")) {
                throw new CliException(Boom.USAGE, "chown: invalid owner '" + owner + "': give OWNER or OWNER:GROUP");
            }
            return fs.each(paths, (c, p) -> {
                c.setattr(p, null, owner, null, null);
                return Boom.OK;
            });
        }
    }
}
