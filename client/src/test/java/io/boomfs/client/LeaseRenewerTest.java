package io.boomfs.client;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The lease renewal runs while files are open, survives failures, and stops (its thread too) when none are. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LeaseRenewerTest {
    @Test
    void renewsWhileFilesAreOpenAndOnlyThen() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        List<String> log = new CopyOnWriteArrayList<>();
        try (LeaseRenewer r = new LeaseRenewer(() -> {
            if (calls.incrementAndGet() == 2) {
                throw new MetaClient.FsException("TIMEOUT", "no answer within 10 ms");
            }
        }, 30, log::add)) {
            Thread.sleep(200);
            assertEquals(0, calls.get(), "nothing open, nothing renewed");
            r.opened();
            r.opened();
            r.closed();
            await(() -> r.renewals() >= 3);
            assertEquals(List.of("boomfs: renewing the write leases failed: no answer within 10 ms"), log);
            r.closed();
            int after = calls.get();
            Thread.sleep(300);
            assertTrue(calls.get() <= after + 1, "at most one renewal in flight when the last file closed");
            await(() -> Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().equals("boomfs-lease-renewal")));
            r.opened();
            await(() -> calls.get() > after + 1);
            r.closed();
        }
    }

    private static void await(java.util.function.BooleanSupplier c) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 20_000;
        while (!c.getAsBoolean()) {
            assertTrue(System.currentTimeMillis() < deadline, "in time");
            Thread.sleep(10);
        }
    }
}
