package io.boomfs.engine.runtime;

import io.boomfs.engine.OverlogNode;
import io.boomfs.engine.Tuple;
import io.boomfs.engine.program.Program;

import java.util.List;

/** Engine cost of one ping-pong step, without any I/O: separates the engine from the transport. */
final class StepCostProbe {
    public static void main(String[] a) {
        Program p = Programs.compile("pp.olg", RuntimeBench.PINGPONG);
        OverlogNode ping = new OverlogNode(p, "ping");
        OverlogNode pong = new OverlogNode(p, "pong");
        Tuple t = new Tuple("ping", "pong", "ping", 0L);
        for (int round = 0; round < 5; round++) {
            int n = 100_000;
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                var r = pong.step(i, List.of(t));
                var back = r.outbound().get("ping");
                var r2 = ping.step(i, back);
                t = r2.outbound().get("pong").get(0);
            }
            System.out.printf("one ping-pong step pair: %.2f us%n", (System.nanoTime() - t0) / 1e3 / n);
        }
    }
}
