package io.boomfs.chaos.check;

import io.boomfs.chaos.history.Call;
import io.boomfs.chaos.history.Calls;
import io.boomfs.chaos.history.Op;
import io.boomfs.chaos.history.Recorder;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Histories of a real linearizable object (a register behind a lock, hammered by threads; its
 * effect happens inside the call's recorded interval) pass; the same histories with one anomaly
 * injected fail. Seeded: the seed is printed and {@code -Dseed=N} replays the choices of values
 * and anomalies (the threads' interleaving is the machine's).
 */
class RandomizedRegisterTest {
    private static final int THREADS = 4;
    private static final int OPS_PER_THREAD = 150;

    /** The object under test: linearizable because every call holds the lock while it acts. */
    private static final class LockedRegisters {
        private final java.util.Map<String, Object> values = new java.util.HashMap<>();

        synchronized Object apply(String f, String key, Object arg) {
            Object v = values.get(key);
            return switch (f) {
                case "read" -> v;
                case "write" -> {
                    values.put(key, arg);
                    yield null;
                }
                case "cas" -> {
                    List<?> a = (List<?>) arg;
                    boolean match = Objects.equals(v, a.get(0));
                    if (match) {
                        values.put(key, a.get(1));
                    }
                    yield match;
                }
                default -> throw new IllegalArgumentException(f);
            };
        }
    }

    private static List<Op> run(long seed) throws InterruptedException {
        Recorder rec = new Recorder(System.nanoTime());
        LockedRegisters reg = new LockedRegisters();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Random r = new Random(seed + t);
            int thread = t;
            threads.add(new Thread(() -> client(rec, reg, r, thread)));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        return rec.ops();
    }

    /** One client thread: random ops on 3 keys, unique values, and now and then an op that "times out". */
    private static void client(Recorder rec, LockedRegisters reg, Random r, int thread) {
        long process = thread;
        for (int i = 0; i < OPS_PER_THREAD; i++) {
            String key = "k" + r.nextInt(3);
            int kind = r.nextInt(3);
            String f = kind == 0 ? "read" : kind == 1 ? "write" : "cas";
            long unique = thread * 1_000_000L + i;
            Object arg = f.equals("read") ? null : f.equals("write") ? unique : Arrays.asList((long) r.nextInt(3) == 0 ? null
                : (Object) (thread * 1_000_000L + r.nextInt(Math.max(1, i))), unique);
            rec.record(process, Op.Type.INVOKE, f, key, arg);
            if (r.nextInt(40) == 0) {
                // A crash: the call may or may not have happened; the process never runs again.
                if (r.nextBoolean()) {
                    reg.apply(f, key, arg);
                }
                rec.record(process, Op.Type.INFO, f, key, null);
                process += THREADS;
                continue;
            }
            Object result = reg.apply(f, key, arg);
            if (r.nextInt(20) == 0) {
                Thread.yield();
            }
            rec.record(process, Op.Type.OK, f, key, result);
        }
    }

    private static long seed() {
        long seed = Long.getLong("seed", System.nanoTime());
        System.out.println("SEED=" + seed);
        return seed;
    }

    @Test
    void historiesOfALinearizableObjectPass() throws InterruptedException {
        long seed = seed();
        for (int round = 0; round < 5; round++) {
            List<Call> calls = Calls.pair(run(seed + round * 100), Set.of("read"));
            Verdict v = Linearizability.check(RegisterModel::new, calls);
            assertEquals(Boolean.TRUE, v.valid(), "seed " + seed + " round " + round + ": " + v.line() + "\n" + v.details());
        }
    }

    @Test
    void aReadOfAValueNeverWrittenIsCaught() throws InterruptedException {
        long seed = seed();
        List<Op> ops = new ArrayList<>(run(seed));
        Random r = new Random(seed);
        int at = pick(ops, r, op -> op.type() == Op.Type.OK && op.f().equals("read"));
        Op o = ops.get(at);
        ops.set(at, new Op(o.process(), o.type(), o.f(), o.key(), -42L, o.timeNs()));
        assertInvalid(ops, seed, "read at line " + (at + 1) + " returns -42");
    }

    @Test
    void aStaleReadIsCaught() throws InterruptedException {
        long seed = seed();
        Random r = new Random(seed);
        for (int attempt = 0; attempt < 20; attempt++) {
            List<Op> ops = new ArrayList<>(run(seed + attempt));
            List<Call> calls = Calls.pair(ops, Set.of("read"));
            // A read R, and writes W1 < W2 < R (each completed before the next began): R returning W1's value is stale.
            for (Call read : calls) {
                if (!read.f().equals("read") || !read.known()) {
                    continue;
                }
                Call stale = staleWrite(calls, read);
                if (stale != null) {
                    int line = completionLine(ops, read);
                    Op o = ops.get(line);
                    ops.set(line, new Op(o.process(), o.type(), o.f(), o.key(), stale.argument(), o.timeNs()));
                    assertInvalid(ops, seed, "read " + read.describe() + " made to return " + stale.argument());
                    return;
                }
            }
        }
        throw new AssertionError("no read with two earlier writes in 20 runs (seed " + seed + ")");
    }

    private static Call staleWrite(List<Call> calls, Call read) {
        for (Call w1 : calls) {
            if (!w1.f().equals("write") || !w1.known() || !w1.key().equals(read.key()) || w1.returnNs() >= read.invokeNs()) {
                continue;
            }
            for (Call w2 : calls) {
                if (w2.f().equals("write") && w2.known() && w2.key().equals(read.key()) && w2.invokeNs() > w1.returnNs()
                    && w2.returnNs() < read.invokeNs()) {
                    return w1;
                }
            }
        }
        return null;
    }

    private static int completionLine(List<Op> ops, Call c) {
        for (int i = c.index() + 1; i < ops.size(); i++) {
            if (ops.get(i).process() == c.process()) {
                return i;
            }
        }
        throw new AssertionError("no completion for " + c.describe());
    }

    private static int pick(List<Op> ops, Random r, java.util.function.Predicate<Op> which) {
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            if (which.test(ops.get(i))) {
                at.add(i);
            }
        }
        assertNotNull(at.isEmpty() ? null : at, "no op to change");
        return at.get(r.nextInt(at.size()));
    }

    private static void assertInvalid(List<Op> ops, long seed, String what) {
        Verdict v = Linearizability.check(RegisterModel::new, Calls.pair(ops, Set.of("read")));
        assertEquals(Boolean.FALSE, v.valid(), "seed " + seed + ", " + what + ": " + v.line());
        System.out.println(what + " -> " + v.line() + "\n" + v.details());
    }
}
