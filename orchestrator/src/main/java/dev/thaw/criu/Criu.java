package dev.thaw.criu;

import dev.thaw.ThawException;
import dev.thaw.host.Privileges;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CRIU binary: where it is, which version, whether it works here. thaw needs 4.2 or newer:
 * 3.17 does not start on current kernels, and 4.1 cannot dump TCP sockets on Linux 6.16+.
 */
public record Criu(Path binary, String version) {
    public static final String MIN_VERSION = "4.2";
    private static final List<Path> KNOWN_LOCATIONS = List.of(
            Path.of("/usr/local/sbin/criu"), Path.of("/usr/sbin/criu"), Path.of("/usr/local/bin/criu"), Path.of("/usr/bin/criu"));
    private static final Pattern VERSION = Pattern.compile("Version:\\s*([0-9][0-9.]*)");
    private static final String INSTALL_HINT = "run scripts/setup, or install CRIU >= " + MIN_VERSION + " and put it on PATH or in $THAW_CRIU";

    /** Finds CRIU ($THAW_CRIU, then PATH, then the usual sbin directories) and checks its version. */
    public static Criu locate() {
        Path binary = find().orElseThrow(() -> ThawException.environment("CRIU not found: " + INSTALL_HINT));
        String version = readVersion(binary);
        if (compareVersions(version, MIN_VERSION) < 0) {
            throw ThawException.environment("CRIU " + version + " at " + binary + " is too old (thaw needs >= "
                    + MIN_VERSION + "): " + INSTALL_HINT);
        }
        return new Criu(binary, version);
    }

    static Optional<Path> find() {
        String explicit = System.getenv("THAW_CRIU");
        if (explicit != null && !explicit.isBlank()) {
            Path p = Path.of(explicit);
            return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
        }
        List<Path> candidates = new ArrayList<>();
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty()) {
                candidates.add(Path.of(dir, "criu"));
            }
        }
        candidates.addAll(KNOWN_LOCATIONS);
        return candidates.stream().filter(Files::isExecutable).findFirst();
    }

    static String readVersion(Path binary) {
        ProcessResult r = ProcessResult.run(List.of(binary.toString(), "--version"), 10);
        Matcher m = VERSION.matcher(r.output());
        if (!m.find()) {
            throw ThawException.environment("cannot read the version of " + binary + " (" + r.firstLine() + "): " + INSTALL_HINT);
        }
        return m.group(1);
    }

    /** CRIU's options for this process's privileges: {@code --unprivileged} with fewer capabilities than root's. */
    public List<String> modeOptions() {
        return Privileges.criuUnprivileged() ? List.of("--unprivileged") : List.of();
    }

    /** The command lines of this CRIU, with this process's privilege options. */
    public CriuCommands commands() {
        return new CriuCommands(binary, modeOptions());
    }

    /**
     * True when this CRIU has {@code feature} ({@code criu check --feature}; unknown features exit non-zero).
     * Asked once per binary and feature in this process: each check costs 20-40 ms here (CRIU probes the
     * kernel first unless it finds its cache in /run), more under load, and a pool that switches to a new
     * image asks again on its supervisor's loop. A check that could not run (timed out) is not remembered.
     */
    public boolean supports(String feature) {
        List<String> cmd = commands().checkFeature(feature);
        Boolean known = FEATURES.get(cmd);
        if (known != null) {
            return known;
        }
        int exit = ProcessResult.run(cmd, 30).exitCode();
        if (exit >= 0) {
            FEATURES.put(List.copyOf(cmd), exit == 0);
        }
        return exit == 0;
    }

    /** Answers of {@link #supports}, by command line (binary, feature and privilege options). */
    private static final Map<List<String>, Boolean> FEATURES = new ConcurrentHashMap<>();

    /** Runs {@code criu check}; empty when the kernel supports what CRIU needs, else CRIU's complaint. */
    public Optional<String> check() {
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "check"));
        cmd.addAll(modeOptions());
        ProcessResult r = ProcessResult.run(cmd, 30);
        return r.exitCode() == 0 || onlyNsLastPidReadOnly(r.output()) ? Optional.empty() : Optional.of(r.lastLine());
    }

    /**
     * In a container /proc/sys is read-only, and 'criu check' then fails on ns_last_pid alone. CRIU 4.2
     * restores PIDs with clone3's set_tid and never writes it (a dump and restore in a podman pod prove
     * it, PodmanPodTest), so that complaint alone is no reason to refuse.
     */
    static boolean onlyNsLastPidReadOnly(String checkOutput) {
        List<String> errors = checkOutput.lines().filter(l -> l.startsWith("Error")).toList();
        return !errors.isEmpty() && errors.stream().allMatch(l -> l.contains("ns_last_pid sysctl is inaccessible"));
    }

    /** Compares dotted version numbers numerically (4.10 > 4.2). */
    public static int compareVersions(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int xi = i < x.length ? parse(x[i]) : 0;
            int yi = i < y.length ? parse(y[i]) : 0;
            if (xi != yi) {
                return Integer.compare(xi, yi);
            }
        }
        return 0;
    }

    private static int parse(String s) {
        try {
            return Integer.parseInt(s.replaceAll("[^0-9].*", ""));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** Output and exit code of a short helper command. */
    public record ProcessResult(int exitCode, String output) {
        /**
         * Runs {@code command} for at most {@code timeoutSeconds}; past that it and everything it started
         * are killed and the result says so (exit code -1). The output is collected on another thread,
         * so a command that hangs without closing its output still times out.
         */
        public static ProcessResult run(List<String> command, int timeoutSeconds) {
            Process p;
            try {
                p = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
            } catch (IOException e) {
                return new ProcessResult(-1, e.getMessage());
            }
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    p.getInputStream().transferTo(out);
                } catch (IOException ignored) {
                    // the process was killed
                }
            });
            try {
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                    return new ProcessResult(-1, "timed out after " + timeoutSeconds + " s: " + String.join(" ", command));
                }
                reader.join(2000); // a grandchild may hold the output open: do not wait for it
                return new ProcessResult(p.exitValue(), out.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                return new ProcessResult(-1, "interrupted");
            }
        }

        /** Whether it was killed at its timeout. */
        public boolean timedOut() {
            return exitCode == -1 && output.startsWith("timed out after ");
        }

        public String firstLine() {
            return output.strip().lines().findFirst().orElse("no output");
        }

        public String lastLine() {
            List<String> lines = output.strip().lines().toList();
            return lines.isEmpty() ? "no output" : lines.get(lines.size() - 1);
        }
    }
}
