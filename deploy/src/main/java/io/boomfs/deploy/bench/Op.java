package io.boomfs.deploy.bench;

/** One operation of the workload: what to do ({@code kind}) to which absolute path. */
public record Op(Phase kind, String path) {
}
