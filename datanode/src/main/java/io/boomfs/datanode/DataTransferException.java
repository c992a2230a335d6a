package io.boomfs.datanode;

import java.io.IOException;

/**
 * A transfer with datanodes failed. {@link #datanode()} is the address ({@code host:port}) of
 * the datanode that failed: the one that refused, whose disk failed, whose replica is corrupt,
 * or that could not be reached or stopped answering. A caller retries a write with a pipeline
 * without it, and a read from another replica. The message is one line:
 * {@code datanode HOST:PORT: REASON}.
 */
public final class DataTransferException extends IOException {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;
    private final String datanode;
    private final String reason;

    public DataTransferException(ErrorCode code, String datanode, String reason) {
        super("datanode " + datanode + ": " + reason);
        this.code = code;
        this.datanode = datanode;
        this.reason = reason;
    }

    public ErrorCode code() {
        return code;
    }

    /** The address of the datanode that failed, as the pipeline or the read named it. */
    public String datanode() {
        return datanode;
    }

    /** What went wrong, without the address. */
    public String reason() {
        return reason;
    }
}
