package io.boomfs.chaos.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the system's small tools ({@code ip}, {@code iptables}, {@code kill}) and says clearly when one fails. */
final class Shell {
    private static final long TIMEOUT_S = 30;
    /** What the last failed command of this thread said, for {@link #run}'s error. */
    private static final ThreadLocal<String> lastOutput = new ThreadLocal<>();

    private Shell() {
    }

    /** Runs the command; returns its output (stdout and stderr). @throws IllegalStateException it failed, with its output */
    static String run(String... command) {
        String out = attempt(command);
        if (out == null) {
            throw new IllegalStateException("`" + String.join(" ", command) + "` failed: " + lastOutput.get());
        }
        return out;
    }

    /** Runs the command; returns its output, or null when it failed (the output is kept for {@link #run}'s error). */
    static String attempt(String... command) {
        try {
            Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
            p.getOutputStream().close();
            if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                lastOutput.set("no exit within " + TIMEOUT_S + " s");
                return null;
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            lastOutput.set("exit code " + p.exitValue() + (out.isEmpty() ? "" : ": " + out.lines().findFirst().orElse("")));
            return p.exitValue() == 0 ? out : null;
        } catch (IOException e) {
            lastOutput.set(e.getMessage());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            lastOutput.set("interrupted");
            return null;
        }
    }
}
