package io.boomfs.deploy.topology;

import java.util.List;

/**
 * A topology file that cannot be used: every problem found, one line each, as
 * {@code FILE:LINE:COL: PATH: why} (the path in the file, {@code groups[1].replicas[0].port}).
 */
public final class TopologyException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final List<String> problems;

    public TopologyException(List<String> problems) {
        super(String.join("\n", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
