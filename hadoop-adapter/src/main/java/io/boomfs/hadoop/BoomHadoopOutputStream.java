package io.boomfs.hadoop;

import io.boomfs.client.BoomOutputStream;
import io.boomfs.client.MetaClient.FsException;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A BoomFS file being written, for Hadoop: {@link BoomOutputStream} (one chunk buffered, written
 * through a datanode pipeline when full, the file completed on close) with the shard's runtime
 * errors turned into IOExceptions. Not {@code Syncable}: nothing is visible to readers before
 * a chunk is full or the stream closes, so hflush and hsync (which Hadoop turns into
 * {@link #flush}) promise nothing; the contract options say so.
 */
final class BoomHadoopOutputStream extends OutputStream {
    private final BoomOutputStream out;
    private final String path;

    BoomHadoopOutputStream(BoomOutputStream out, String path) {
        this.out = out;
        this.path = path;
    }

    @Override
    public void write(int b) throws IOException {
        try {
            out.write(b);
        } catch (FsException e) {
            throw Errors.of("write", path, e, false);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        try {
            out.write(b, off, len);
        } catch (FsException e) {
            throw Errors.of("write", path, e, false);
        }
    }

    @Override
    public void flush() {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        try {
            out.close();
        } catch (FsException e) {
            throw Errors.of("close", path, e, false);
        }
    }
}
