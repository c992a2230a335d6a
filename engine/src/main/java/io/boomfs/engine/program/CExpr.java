package io.boomfs.engine.program;

/** A compiled expression over a rule's variable frame. */
@FunctionalInterface
public interface CExpr {
    Object eval(Object[] frame, long nowMs);
}
