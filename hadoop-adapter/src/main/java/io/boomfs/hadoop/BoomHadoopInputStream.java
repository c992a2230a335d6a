package io.boomfs.hadoop;

import io.boomfs.client.BoomInputStream;
import io.boomfs.client.MetaClient.FsException;
import org.apache.hadoop.fs.FSExceptionMessages;
import org.apache.hadoop.fs.FSInputStream;
import org.apache.hadoop.fs.FileSystem;

import java.io.EOFException;
import java.io.IOException;
import java.util.Objects;

/**
 * A BoomFS file as Hadoop reads it: {@link BoomInputStream} (chunks streamed from their datanodes,
 * checksums verified, failed replicas skipped) with Hadoop's seek rules (a negative offset or
 * one past the end is an {@link EOFException}), a closed stream that refuses everything, and
 * the bytes counted in the file system's statistics. Positioned reads are
 * {@link FSInputStream}'s: seek, read, seek back, under this stream's lock.
 */
final class BoomHadoopInputStream extends FSInputStream {
    private final BoomInputStream in;
    private final String path;
    private final FileSystem.Statistics statistics;
    private boolean closed;

    BoomHadoopInputStream(BoomInputStream in, String path, FileSystem.Statistics statistics) {
        this.in = in;
        this.path = path;
        this.statistics = statistics;
    }

    @Override
    public synchronized void seek(long pos) throws IOException {
        checkOpen();
        if (pos < 0) {
            throw new EOFException(path + ": " + FSExceptionMessages.NEGATIVE_SEEK + ": " + pos);
        }
        if (pos > in.length()) {
            throw new EOFException(path + ": " + FSExceptionMessages.CANNOT_SEEK_PAST_EOF + ": " + pos + " (length "
                + in.length() + ")");
        }
        in.seek(pos);
    }

    @Override
    public synchronized long getPos() throws IOException {
        checkOpen();
        return in.position();
    }

    /** One read already tries every replica of a chunk before it fails: there is no other source to switch to. */
    @Override
    public boolean seekToNewSource(long targetPos) {
        return false;
    }

    @Override
    public synchronized int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
        Objects.requireNonNull(b, "buffer");
        Objects.checkFromIndexSize(off, len, b.length);
        checkOpen();
        int n;
        try {
            n = in.read(b, off, len);
        } catch (FsException e) {
            // A page of chunk locations is fetched as the reader gets to it: the file may have gone.
            throw Errors.of("read", path, e, false);
        }
        if (n > 0 && statistics != null) {
            statistics.incrementBytesRead(n);
        }
        return n;
    }

    /** The bytes left in the file (as long as it was when opened), as HDFS's stream says. */
    @Override
    public synchronized int available() throws IOException {
        checkOpen();
        return (int) Math.min(Integer.MAX_VALUE, in.length() - in.position());
    }

    @Override
    public synchronized void close() {
        closed = true;
        in.close();
    }

    private void checkOpen() throws IOException {
        if (closed) {
            throw new IOException(path + ": " + FSExceptionMessages.STREAM_IS_CLOSED);
        }
    }
}
