package io.boomfs.hadoop;

import io.boomfs.client.MetaClient.FsException;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.ParentNotDirectoryException;
import org.apache.hadoop.fs.PathIsNotEmptyDirectoryException;

import java.io.FileNotFoundException;
import java.io.IOException;

/**
 * The shard's typed errors ({@link FsException} codes: metadata-shard/DESIGN.md, "Ops") as the
 * IOExceptions Hadoop's FileSystem specification names, so that callers (and the contract
 * tests) can tell a missing path from an existing one or a file in the way.
 */
final class Errors {
    private Errors() {
    }

    /**
     * The exception for {@code e}, raised by the call {@code call} on {@code path}. A NOT_DIR (a
     * file where a directory should be) is a missing path for reads and a
     * {@link ParentNotDirectoryException} for the calls that make a path; {@code makes} says which.
     */
    static IOException of(String call, String path, FsException e, boolean makes) {
        String message = call + " " + path + ": " + e.getMessage() + " (" + e.code() + ")";
        IOException out = switch (e.code()) {
            case "NOT_FOUND" -> new FileNotFoundException(message);
            case "EXISTS", "IS_DIR" -> makes ? new FileAlreadyExistsException(message) : new FileNotFoundException(message);
            case "NOT_DIR" -> makes ? new ParentNotDirectoryException(message) : new FileNotFoundException(message);
            case "NOT_EMPTY" -> new PathIsNotEmptyDirectoryException(path);
            default -> new IOException(message);
        };
        out.initCause(e);
        return out;
    }
}
