package io.boomfs.chaos.workload;

import io.boomfs.chaos.history.Op;
import io.boomfs.chaos.history.Recorder;

import java.util.concurrent.Callable;

/**
 * One client thread of a workload as the history sees it: a process that records each call's
 * invocation and completion. A call that ends in an exception has an unknown outcome (a timeout:
 * it may still take effect), so it is recorded as {@code info} and the thread goes on as a new
 * process (its number grows by the number of threads, so numbers never collide): a process has
 * one call open at a time, and the old call may still be open in the system.
 */
public final class ClientProcess {
    /** A call's completion: ok with its result, or unknown. */
    public record Outcome(boolean ok, Object value) {
    }

    private final long stride;
    private long id;

    /** The process numbers {@code first}, {@code first + stride}, ...: thread t of n uses (t, n). */
    public ClientProcess(long first, long stride) {
        this.id = first;
        this.stride = stride;
    }

    public long id() {
        return id;
    }

    /** Runs {@code body} as call {@code f} on {@code key} with {@code argument}, recording both ends. */
    public Outcome call(Recorder rec, String f, String key, Object argument, Callable<Object> body) {
        rec.record(id, Op.Type.INVOKE, f, key, argument);
        Object result;
        try {
            result = body.call();
        } catch (Exception e) {
            rec.record(id, Op.Type.INFO, f, key, e.getClass().getSimpleName() + ": " + e.getMessage());
            id += stride;
            return new Outcome(false, null);
        }
        rec.record(id, Op.Type.OK, f, key, result);
        return new Outcome(true, result);
    }
}
