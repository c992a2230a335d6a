package io.boomfs.engine;

/**
 * Limits and choices for one node. Every limit turns a runaway program into a clear error
 * instead of a hang or an out-of-memory; the defaults are far above what a real shard needs.
 *
 * @param evaluator             which evaluator runs the program
 * @param maxFixpointIterations semi-naive rounds per stratum per step
 * @param maxTuplesPerRelation  tuples one relation may hold
 * @param maxTuplesPerStep      tuples derived (all relations together) in one step
 * @param maxStringLength       characters in one string value a rule produces
 * @param maxMessageBytes       estimated wire size of one tuple a rule sends
 *                              ({@link Values#estimatedSize})
 */
public record NodeOptions(
        EvaluatorKind evaluator,
        int maxFixpointIterations,
        long maxTuplesPerRelation,
        long maxTuplesPerStep,
        int maxStringLength,
        long maxMessageBytes) {

    public enum EvaluatorKind {
        /** Semi-naive, stratified, views maintained incrementally: the production evaluator. */
        INCREMENTAL,
        /** Recomputes every view from scratch each step: the deliberately simple oracle. */
        NAIVE
    }

    public static NodeOptions defaults() {
        return new NodeOptions(EvaluatorKind.INCREMENTAL, 1_000_000, 50_000_000L, 20_000_000L, 1 << 20, 16L << 20);
    }

    public NodeOptions withEvaluator(EvaluatorKind kind) {
        return new NodeOptions(kind, maxFixpointIterations, maxTuplesPerRelation, maxTuplesPerStep, maxStringLength, maxMessageBytes);
    }

    public NodeOptions withMaxFixpointIterations(int n) {
        return new NodeOptions(evaluator, n, maxTuplesPerRelation, maxTuplesPerStep, maxStringLength, maxMessageBytes);
    }

    public NodeOptions withMaxTuplesPerRelation(long n) {
        return new NodeOptions(evaluator, maxFixpointIterations, n, maxTuplesPerStep, maxStringLength, maxMessageBytes);
    }

    public NodeOptions withMaxTuplesPerStep(long n) {
        return new NodeOptions(evaluator, maxFixpointIterations, maxTuplesPerRelation, n, maxStringLength, maxMessageBytes);
    }

    public NodeOptions withMaxMessageBytes(long n) {
        return new NodeOptions(evaluator, maxFixpointIterations, maxTuplesPerRelation, maxTuplesPerStep, maxStringLength, n);
    }

    public NodeOptions withMaxStringLength(int n) {
        return new NodeOptions(evaluator, maxFixpointIterations, maxTuplesPerRelation, maxTuplesPerStep, n, maxMessageBytes);
    }
}
