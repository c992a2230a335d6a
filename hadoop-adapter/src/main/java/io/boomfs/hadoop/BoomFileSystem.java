package io.boomfs.hadoop;

import io.boomfs.client.BoomOutputStream;
import io.boomfs.client.FileMeta;
import io.boomfs.client.MetaClient.Entry;
import io.boomfs.client.MetaClient.FsException;
import io.boomfs.client.MetaClient.Stat;
import io.boomfs.meta.Access;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.BlockLocation;
import org.apache.hadoop.fs.ContentSummary;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.GlobalStorageStatistics;
import org.apache.hadoop.fs.ParentNotDirectoryException;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.PathIsNotEmptyDirectoryException;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.hadoop.fs.StorageStatistics;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.security.UserGroupInformation;
import org.apache.hadoop.util.Progressable;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * BoomFS as a Hadoop {@link FileSystem}, scheme {@code boomfs}: {@code boomfs://AUTHORITY/path}
 * where the authority is a topology name ({@code fs.boomfs.topology.NAME} names its file) or the
 * shard replicas, {@code HOST:PORT,HOST:PORT,...} (groups separated by {@code ;}). Every call goes
 * through one {@link io.boomfs.client.BoomFileSystem} client (metadata through the shard groups,
 * data through the datanodes); the settings are {@link AdapterConfig}'s.
 *
 * <p>Semantics follow HDFS's (contract/boomfs.xml states them for Hadoop's contract tests), with
 * these differences: files are written once (append, truncate and concat are unsupported and
 * throw {@link UnsupportedOperationException} naming the call); nothing is visible to readers
 * before a chunk is full or the file is closed (no hflush/hsync); no group and no access time
 * are stored (files report {@code fs.boomfs.group} and access time 0); {@link #rename} into an
 * existing directory is two steps (the shard's rename refuses an existing destination, then the
 * adapter renames to a name inside it), so another client may come between them (the rename
 * then answers false). Statistics count read ops, write ops and the bytes of the streams.
 */
public class BoomFileSystem extends FileSystem {
    public static final String SCHEME = "boomfs";
    /** What the shard applies when a create or mkdirs names no mode (MetaClient: 0644 and 0755). */
    private static final short FILE_MODE = 0644;
    private static final short DIR_MODE = 0755;
    private URI uri;
    private Path workingDir;
    private AdapterConfig settings;
    private io.boomfs.client.BoomFileSystem client;

    @Override
    public String getScheme() {
        return SCHEME;
    }

    @Override
    public void initialize(URI name, Configuration conf) throws IOException {
        super.initialize(name, conf);
        setConf(conf);
        try {
            settings = AdapterConfig.of(name.getAuthority(), conf);
        } catch (IllegalArgumentException e) {
            throw new IOException(e.getMessage(), e);
        }
        uri = URI.create(SCHEME + "://" + name.getAuthority());
        String user = UserGroupInformation.getCurrentUser().getShortUserName();
        client = io.boomfs.client.BoomFileSystem.open(settings.groups(), settings.vparts(), user, settings.client());
        if (settings.token() != null) {
            client.authenticate(settings.token());
        }
        workingDir = getHomeDirectory();
    }

    @Override
    public URI getUri() {
        return uri;
    }

    @Override
    public Path getWorkingDirectory() {
        return workingDir;
    }

    @Override
    public void setWorkingDirectory(Path dir) {
        workingDir = makeQualified(dir);
    }

    /**
     * The counters of {@link #statistics} (bytes, read ops, write ops of every BoomFS instance of
     * this JVM), as Hadoop registers them per scheme.
     */
    @Override
    public StorageStatistics getStorageStatistics() {
        return GlobalStorageStatistics.INSTANCE.get(SCHEME);
    }

    @Override
    public long getDefaultBlockSize(Path f) {
        return settings.chunkSize();
    }

    @Override
    public short getDefaultReplication(Path f) {
        return settings.replication();
    }

    /** Kept for callers of the deprecated form: the same as {@link #getDefaultBlockSize(Path)}. */
    @Deprecated
    @Override
    public long getDefaultBlockSize() {
        return settings.chunkSize();
    }

    /** Kept for callers of the deprecated form: the same as {@link #getDefaultReplication(Path)}. */
    @Deprecated
    @Override
    public short getDefaultReplication() {
        return settings.replication();
    }

    /** The absolute BoomFS path of {@code p} (relative paths are under the working directory). */
    private String pathOf(Path p) {
        return makeQualified(p).toUri().getPath();
    }

    private Path qualified(String path) {
        return new Path(uri.getScheme(), uri.getAuthority(), path);
    }

    private static String child(String dir, String name) {
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }

    private static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash <= 0 ? "/" : path.substring(0, slash);
    }

    // ---- reads and writes ---------------------------------------------------------------------

    @Override
    public FSDataInputStream open(Path f, int bufferSize) throws IOException {
        String p = pathOf(f);
        statistics.incrementReadOps(1);
        try {
            return new FSDataInputStream(new BoomHadoopInputStream(client.open(p), p, statistics));
        } catch (FsException e) {
            throw Errors.of("open", p, e, false);
        }
    }

    /** Creates the file and any missing parent directories, as HDFS does. */
    @Override
    public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize, short replication,
                                     long blockSize, Progressable progress) throws IOException {
        return create(f, permission, overwrite, replication, blockSize, true);
    }

    /** Creates the file when its parent directory exists (the other forms of createNonRecursive come here). */
    @Override
    public FSDataOutputStream createNonRecursive(Path f, FsPermission permission, EnumSet<CreateFlag> flags, int bufferSize,
                                                 short replication, long blockSize, Progressable progress) throws IOException {
        if (flags.contains(CreateFlag.APPEND)) {
            throw unsupported("createNonRecursive with APPEND", "files are written once, by one writer");
        }
        return create(f, permission, flags.contains(CreateFlag.OVERWRITE), replication, blockSize, false);
    }

    private FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, short replication, long blockSize,
                                      boolean makeParents) throws IOException {
        String p = pathOf(f);
        if (p.equals("/")) {
            throw new FileAlreadyExistsException("create /: the root is a directory");
        }
        if (blockSize < 1 || blockSize > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("create " + p + ": block size " + blockSize + " is out of range (1.."
                + Integer.MAX_VALUE + ")");
        }
        short repl = replication > 0 ? replication : settings.replication();
        statistics.incrementWriteOps(1);
        BoomOutputStream out;
        try {
            out = client.create(p, overwrite, repl, (int) blockSize);
        } catch (FsException e) {
            if (!makeParents || !e.code().equals("NOT_FOUND")) {
                throw Errors.of("create", p, e, true);
            }
            mkdirs(parent(p), null);
            try {
                out = client.create(p, overwrite, repl, (int) blockSize);
            } catch (FsException e2) {
                throw Errors.of("create", p, e2, true);
            }
        }
        short mode = masked(permission, FILE_MODE);
        if (mode != FILE_MODE) {
            setattr("create", p, (long) mode, null, null, null);
        }
        return new FSDataOutputStream(new BoomHadoopOutputStream(out, p), statistics);
    }

    /** The mode {@code permission} gives under this configuration's umask ({@code dflt} for none). */
    private short masked(FsPermission permission, short dflt) {
        return permission == null ? dflt : permission.applyUMask(FsPermission.getUMask(getConf())).toShort();
    }

    @Override
    public FSDataOutputStream append(Path f, int bufferSize, Progressable progress) {
        throw unsupported("append", "files are written once, by one writer");
    }

    @Override
    public boolean truncate(Path f, long newLength) {
        throw unsupported("truncate", "files are written once, by one writer");
    }

    @Override
    public void concat(Path trg, Path[] psrcs) {
        throw unsupported("concat", "a file's chunks are its own");
    }

    private static UnsupportedOperationException unsupported(String call, String why) {
        return new UnsupportedOperationException(call + " is not supported by BoomFS (" + SCHEME + "://): " + why);
    }

    // ---- the namespace ------------------------------------------------------------------------

    @Override
    public boolean mkdirs(Path f, FsPermission permission) throws IOException {
        return mkdirs(pathOf(f), permission);
    }

    private boolean mkdirs(String p, FsPermission permission) throws IOException {
        if (p.equals("/")) {
            return true;
        }
        statistics.incrementWriteOps(1);
        short mode = masked(permission, DIR_MODE);
        // A mode other than the shard's default is set afterwards, only on a directory this call makes.
        boolean existed = mode != DIR_MODE && statOrNull(p) != null;
        try {
            client.mkdirs(p);
        } catch (FsException e) {
            if (e.code().equals("NOT_DIR")) {
                Stat s = statOrNull(p);
                if (s != null && !s.isDir()) {
                    throw new FileAlreadyExistsException("mkdirs " + p + ": a file is there");
                }
                throw new ParentNotDirectoryException("mkdirs " + p + ": " + e.getMessage());
            }
            throw Errors.of("mkdirs", p, e, true);
        }
        if (mode != DIR_MODE && !existed) {
            setattr("mkdirs", p, (long) mode, null, null, null);
        }
        return true;
    }

    @Override
    public FileStatus getFileStatus(Path f) throws IOException {
        String p = pathOf(f);
        statistics.incrementReadOps(1);
        return status(p, stat("getFileStatus", p));
    }

    private Stat stat(String call, String p) throws IOException {
        try {
            return client.stat(p);
        } catch (FsException e) {
            throw Errors.of(call, p, e, false);
        }
    }

    /** The path's stat, or null when nothing is there (a missing name, or a file on the way). */
    private Stat statOrNull(String p) throws IOException {
        try {
            return client.stat(p);
        } catch (FsException e) {
            if (e.code().equals("NOT_FOUND") || e.code().equals("NOT_DIR")) {
                return null;
            }
            throw Errors.of("stat", p, e, false);
        }
    }

    private FileStatus status(String p, Stat s) {
        FsPermission perm = new FsPermission((short) (s.mode() & 07777));
        if (s.isDir()) {
            return new FileStatus(0, true, 0, 0, s.mtimeMs(), 0, perm, Access.ownerUser(s.owner()), groupOf(s.owner()), qualified(p));
        }
        // The shard's stat does not tell a file's chunk size: the configured one is reported.
        return new FileStatus(s.size(), false, (int) s.replication(), settings.chunkSize(), s.mtimeMs(), 0, perm,
            Access.ownerUser(s.owner()), groupOf(s.owner()), qualified(p));
    }

    /** A directory's entries (a stat each: the listing gives names only), or the file itself. */
    @Override
    public FileStatus[] listStatus(Path f) throws IOException {
        List<FileStatus> out = new ArrayList<>();
        for (RemoteIterator<FileStatus> it = listStatusIterator(f); it.hasNext(); ) {
            out.add(it.next());
        }
        return out.toArray(new FileStatus[0]);
    }

    /** The entries a page (1,000 names) at a time as the caller goes, each stat'ed when it is reached. */
    @Override
    public RemoteIterator<FileStatus> listStatusIterator(Path f) throws IOException {
        String p = pathOf(f);
        statistics.incrementReadOps(1);
        Stat top = stat("listStatus", p);
        if (!top.isDir()) {
            return single(status(p, top));
        }
        Iterator<Entry> names = client.list(p);
        return new RemoteIterator<>() {
            private FileStatus next;

            @Override
            public boolean hasNext() throws IOException {
                while (next == null) {
                    Entry e;
                    try {
                        if (!names.hasNext()) {
                            return false;
                        }
                        e = names.next();
                    } catch (FsException x) {
                        throw Errors.of("listStatus", p, x, false);
                    }
                    // An entry removed since its page was listed is left out, as if listed later.
                    String c = child(p, e.name());
                    Stat s = statOrNull(c);
                    next = s == null ? null : status(c, s);
                }
                return true;
            }

            @Override
            public FileStatus next() throws IOException {
                if (!hasNext()) {
                    throw new NoSuchElementException("listStatus " + p + ": no more entries");
                }
                FileStatus out = next;
                next = null;
                return out;
            }
        };
    }

    private static RemoteIterator<FileStatus> single(FileStatus s) {
        return new RemoteIterator<>() {
            private boolean given;

            @Override
            public boolean hasNext() {
                return !given;
            }

            @Override
            public FileStatus next() {
                if (given) {
                    throw new NoSuchElementException(s.getPath() + ": listed already");
                }
                given = true;
                return s;
            }
        };
    }

    /**
     * HDFS's rename: a destination that is a directory receives the source under its own name;
     * false when the source is missing, the destination (so resolved) exists, or its parent is
     * missing or a file; an IOException when a directory would move under itself. The shard's
     * rename is tried first (one round trip: most renames name a new path); only when the
     * destination exists are the paths looked at.
     */
    @Override
    public boolean rename(Path src, Path dst) throws IOException {
        String s = pathOf(src);
        String d = pathOf(dst);
        statistics.incrementWriteOps(1);
        if (s.equals("/")) {
            return false;
        }
        if (isUnder(d, s)) {
            throw new IOException("rename " + s + " to " + d + ": a directory cannot move under itself");
        }
        try {
            client.rename(s, d);
            return true;
        } catch (FsException e) {
            if (!e.code().equals("EXISTS")) {
                return renameFailed(s, d, e);
            }
        }
        Stat ds = statOrNull(d);
        if (ds == null || !ds.isDir()) {
            // A file there (or, when src is d, src itself: HDFS's rename onto itself succeeds).
            return ds != null && d.equals(s);
        }
        String target = child(d, new Path(s).getName());
        if (target.equals(s)) {
            return true; // into the directory it is in: nothing changes, as in HDFS
        }
        if (isUnder(target, s)) {
            throw new IOException("rename " + s + " to " + d + ": a directory cannot move under itself");
        }
        try {
            client.rename(s, target);
            return true;
        } catch (FsException e) {
            return renameFailed(s, target, e);
        }
    }

    private static boolean isUnder(String path, String dir) {
        return path.startsWith(child(dir, ""));
    }

    /** A missing source, an existing destination, a missing or file parent: false; anything else is thrown. */
    private static boolean renameFailed(String s, String d, FsException e) throws IOException {
        return switch (e.code()) {
            case "NOT_FOUND", "EXISTS", "NOT_DIR" -> false;
            default -> throw Errors.of("rename", s + " to " + d, e, true);
        };
    }

    /**
     * Deletes a file, or a directory (with what it holds when {@code recursive}); false when
     * nothing is there. The root is never deleted (false), as in HDFS.
     */
    @Override
    public boolean delete(Path f, boolean recursive) throws IOException {
        String p = pathOf(f);
        statistics.incrementWriteOps(1);
        if (p.equals("/")) {
            boolean empty;
            try {
                empty = !client.list(p).hasNext();
            } catch (FsException e) {
                throw Errors.of("delete", p, e, false);
            }
            if (!recursive && !empty) {
                throw new PathIsNotEmptyDirectoryException(p);
            }
            return false;
        }
        try {
            client.delete(p, recursive);
            return true;
        } catch (FsException e) {
            if (e.code().equals("NOT_FOUND") || e.code().equals("NOT_DIR")) {
                return false;
            }
            throw Errors.of("delete", p, e, false);
        }
    }

    // ---- attributes ---------------------------------------------------------------------------

    @Override
    public void setPermission(Path f, FsPermission permission) throws IOException {
        String p = pathOf(f);
        setattr("setPermission", p, (long) permission.toShort(), null, null, null);
    }

    /** A file's group: the one its owner names (USER:GROUP), else {@code fs.boomfs.group}. */
    private String groupOf(String owner) {
        String g = Access.ownerGroup(owner);
        return g.isEmpty() ? settings.group() : g;
    }

    /**
     * Sets the owner and group, stored as the owner {@code USER:GROUP} (metadata-shard/DESIGN.md,
     * "Users and permissions"; a superuser's right where the cluster checks users); a null part
     * keeps what the file has.
     */
    @Override
    public void setOwner(Path f, String username, String groupname) throws IOException {
        String p = pathOf(f);
        if (username == null && groupname == null) {
            stat("setOwner", p);
            return;
        }
        String now = stat("setOwner", p).owner();
        String user = username != null ? username : Access.ownerUser(now);
        String group = groupname != null ? groupname : Access.ownerGroup(now);
        setattr("setOwner", p, null, group.isEmpty() ? user : user + ":" + group, null, null);
    }

    /**
     * Sets the modification time ({@code mtime} -1: unchanged); access times are not stored. A
     * file reports the later of its modification time and the time it was closed, so a time
     * before its close is not seen.
     */
    @Override
    public void setTimes(Path f, long mtime, long atime) throws IOException {
        String p = pathOf(f);
        if (mtime >= 0) {
            setattr("setTimes", p, null, null, mtime, null);
        } else {
            stat("setTimes", p);
        }
    }

    @Override
    public boolean setReplication(Path f, short replication) throws IOException {
        String p = pathOf(f);
        if (stat("setReplication", p).isDir()) {
            return false;
        }
        setattr("setReplication", p, null, null, null, (long) replication);
        return true;
    }

    private void setattr(String call, String p, Long mode, String owner, Long mtimeMs, Long replication) throws IOException {
        statistics.incrementWriteOps(1);
        try {
            client.setattr(p, mode, owner, mtimeMs, replication);
        } catch (FsException e) {
            throw Errors.of(call, p, e, false);
        }
    }

    // ---- locations and sizes ------------------------------------------------------------------

    /** One location per chunk that overlaps {@code [start, start + len)}: its offset, length and live datanodes. */
    @Override
    public BlockLocation[] getFileBlockLocations(FileStatus file, long start, long len) throws IOException {
        if (file == null) {
            return null;
        }
        if (start < 0 || len < 0) {
            throw new IllegalArgumentException("getFileBlockLocations: negative start or length (" + start + ", " + len + ")");
        }
        String p = pathOf(file.getPath());
        if (file.isDirectory()) {
            throw new FileNotFoundException("getFileBlockLocations " + p + ": a directory");
        }
        statistics.incrementReadOps(1);
        List<FileMeta.Chunk> chunks;
        try {
            chunks = client.chunks(p);
        } catch (FsException e) {
            throw Errors.of("getFileBlockLocations", p, e, false);
        }
        List<BlockLocation> out = new ArrayList<>();
        long offset = 0;
        for (FileMeta.Chunk c : chunks) {
            if (c.length() < 0) {
                break; // the writer's current chunk: not readable yet
            }
            if (offset < start + len && offset + c.length() > start) {
                String[] names = c.locations().toArray(new String[0]);
                String[] hosts = c.locations().stream().map(BoomFileSystem::host).toArray(String[]::new);
                out.add(new BlockLocation(names, hosts, offset, c.length()));
            }
            offset += c.length();
        }
        return out.toArray(new BlockLocation[0]);
    }

    private static String host(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return colon < 0 ? hostPort : hostPort.substring(0, colon);
    }

    /**
     * Files, directories (the path's own included), bytes and the bytes with their replicas,
     * walked from this client a stat per entry: not one snapshot of the tree.
     */
    @Override
    public ContentSummary getContentSummary(Path f) throws IOException {
        String p = pathOf(f);
        statistics.incrementReadOps(1);
        Stat top = stat("getContentSummary", p);
        long files = 0;
        long dirs = 0;
        long bytes = 0;
        long space = 0;
        if (!top.isDir()) {
            files = 1;
            bytes = top.size();
            space = top.size() * top.replication();
        } else {
            Deque<String> todo = new ArrayDeque<>(List.of(p));
            while (!todo.isEmpty()) {
                String dir = todo.pop();
                dirs++;
                try {
                    for (Iterator<Entry> it = client.list(dir); it.hasNext(); ) {
                        Entry e = it.next();
                        if (e.isDir()) {
                            todo.push(child(dir, e.name()));
                            continue;
                        }
                        Stat s = statOrNull(child(dir, e.name()));
                        if (s != null) {
                            files++;
                            bytes += s.size();
                            space += s.size() * s.replication();
                        }
                    }
                } catch (FsException e) {
                    // A directory removed during the walk counts as it was when reached.
                    if (!e.code().equals("NOT_FOUND") || dir.equals(p)) {
                        throw Errors.of("getContentSummary", dir, e, false);
                    }
                }
            }
        }
        return new ContentSummary.Builder().length(bytes).fileCount(files).directoryCount(dirs).spaceConsumed(space)
            .quota(-1).spaceQuota(-1).build();
    }

    @Override
    public void close() throws IOException {
        try {
            super.close();
        } finally {
            if (client != null) {
                client.close();
                client = null;
            }
        }
    }
}
