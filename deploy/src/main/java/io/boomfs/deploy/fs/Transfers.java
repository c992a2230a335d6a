package io.boomfs.deploy.fs;

import io.boomfs.client.BoomFileSystem;
import io.boomfs.client.BoomInputStream;
import io.boomfs.client.BoomOutputStream;
import io.boomfs.client.MetaClient;
import io.boomfs.client.MetaClient.FsException;
import io.boomfs.deploy.Boom;
import io.boomfs.deploy.CliException;
import io.boomfs.deploy.topology.Topology;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.Callable;

/** The {@code boom fs} verbs that move file data: put, get, cat. */
final class Transfers {
    private static final int BUFFER = 256 * 1024;

    private Transfers() {
    }

    /** Copies {@code in} to {@code out}, showing {@code progress}; returns the bytes copied. */
    static long copy(InputStream in, OutputStream out, Progress progress) throws IOException {
        byte[] buf = new byte[BUFFER];
        long done = 0;
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
                done += n;
                progress.update(done);
            }
        } finally {
            progress.finish(done);
        }
        return done;
    }

    /** The last name of a remote path. */
    static String lastName(String remote) {
        List<String> names = MetaClient.names(remote);
        return names.isEmpty() ? "/" : names.get(names.size() - 1);
    }

    @Command(name = "put", mixinStandardHelpOptions = true,
        description = "Copy a local file into the file system (into REMOTE/NAME when REMOTE is a directory).")
    static final class Put implements Callable<Integer> {
        @ParentCommand
        FsCommand fs;
        @Option(names = "-f", description = "Replace the file if it exists.")
        boolean force;
        @Option(names = "--replication", paramLabel = "N",
            description = "Replicas of each chunk (default: the topology's replication with --topology, else 3).")
        Long replication;
        @Option(names = "--chunk-size", paramLabel = "BYTES", converter = Sizes.Converter.class,
            description = "Chunk size, with K, M or G (default: the topology's chunkSize with --topology, else 64M); the writer holds one "
                + "chunk in memory.")
        Long chunkSize;
        @Parameters(index = "0", paramLabel = "LOCAL")
        String local;
        @Parameters(index = "1", paramLabel = "REMOTE")
        String remote;

        @Override
        public Integer call() {
            Topology t = replication == null || chunkSize == null ? fs.topology() : null;
            long replication = this.replication != null ? this.replication : t != null ? t.replication() : 3;
            long chunkSize = this.chunkSize != null ? this.chunkSize : t != null ? t.chunkSizeBytes() : 64L << 20;
            if (chunkSize < 1 || chunkSize > 1L << 30 || replication < 1 || replication > 8) {
                throw new CliException(Boom.USAGE, "put: the chunk size is 1 byte to 1G and the replication 1 to 8");
            }
            Path src = fs.app().path(local);
            return fs.with(remote, c -> {
                if (!Files.exists(src)) {
                    return fs.error(local, "No such file or directory");
                }
                if (Files.isDirectory(src)) {
                    return fs.error(local, "Is a directory");
                }
                String target = remote;
                if (isDir(c, remote)) {
                    target = FsCommand.child(remote, src.getFileName().toString());
                }
                long size = Files.size(src);
                try (InputStream in = Files.newInputStream(src)) {
                    BoomOutputStream out = c.create(target, force, replication, (int) chunkSize);
                    try {
                        copy(in, out, Progress.of(fs.app().err(), target, size, FsCommand.interactive()));
                    } catch (IOException | RuntimeException e) {
                        out.abort();
                        throw e;
                    }
                    out.close();
                }
                return Boom.OK;
            });
        }

        private static boolean isDir(BoomFileSystem c, String path) {
            try {
                return c.stat(path).isDir();
            } catch (FsException e) {
                if (e.code().equals("NOT_FOUND")) {
                    return false;
                }
                throw e;
            }
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true,
        description = "Copy a file to a local file (into LOCAL/NAME when LOCAL is a directory); nothing is left on failure.")
    static final class Get implements Callable<Integer> {
        @ParentCommand
        FsCommand fs;
        @Parameters(index = "0", paramLabel = "REMOTE")
        String remote;
        @Parameters(index = "1", paramLabel = "LOCAL")
        String local;

        @Override
        public Integer call() {
            return fs.with(remote, c -> {
                Path dst = fs.app().path(local);
                if (Files.isDirectory(dst)) {
                    dst = dst.resolve(lastName(remote));
                }
                // Written beside the destination, then renamed: a failed copy leaves no half file.
                Path part = dst.resolveSibling("." + dst.getFileName() + ".boomfs-part");
                try (BoomInputStream in = open(c, remote); OutputStream out = Files.newOutputStream(part)) {
                    copy(in, out, Progress.of(fs.app().err(), remote, in.length(), FsCommand.interactive()));
                } catch (IOException | RuntimeException e) {
                    Files.deleteIfExists(part);
                    throw e;
                }
                Files.move(part, dst, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                return Boom.OK;
            });
        }
    }

    @Command(name = "cat", mixinStandardHelpOptions = true, description = "Write files to standard output.")
    static final class Cat implements Callable<Integer> {
        @ParentCommand
        FsCommand fs;
        @Parameters(paramLabel = "PATH", arity = "1..*")
        List<String> paths;

        @Override
        public Integer call() {
            return fs.each(paths, (c, p) -> {
                try (BoomInputStream in = open(c, p)) {
                    copy(in, fs.out(), Progress.of(null, p, 0, false));
                }
                fs.out().flush();
                return Boom.OK;
            });
        }
    }

    /** Opens a file for reading; a directory is IS_DIR. */
    static BoomInputStream open(BoomFileSystem c, String path) {
        if (c.stat(path).isDir()) {
            throw new FsException("IS_DIR", path);
        }
        return c.open(path);
    }
}
