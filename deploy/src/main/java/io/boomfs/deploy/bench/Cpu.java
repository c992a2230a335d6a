package io.boomfs.deploy.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time used by processes, from {@code /proc}: what a benchmark's operations cost whatever
 * else runs on the machine. On a shared machine the rate depends on the CPU share a system's
 * processes win (a process of many threads wins more), the CPU time per operation much less.
 */
public final class Cpu {
    /** Linux's clock ticks per second ({@code getconf CLK_TCK}), the unit of /proc/PID/stat's times. */
    private static final long TICKS_PER_S = 100;

    private Cpu() {
    }

    /** This JVM's CPU time so far, in nanoseconds. */
    public static long selfNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** Process {@code pid}'s CPU time so far (user + system), in nanoseconds; 0 when it is gone or there is no /proc. */
    public static long processNanos(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            // Fields after the command name (which may hold spaces): state is the 3rd field, utime the 14th, stime the 15th.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            return ticks * (1_000_000_000L / TICKS_PER_S);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
