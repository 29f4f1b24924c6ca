package dev.thaw.deploy;

import static dev.thaw.deploy.PodSimFailure.check;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.VolumeMount;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * pod-sim's stand-in for the container runtime: starts a container of the pod the way a runtime
 * does (own PID and mount namespaces, its root set up from the volumes and readOnlyRootFilesystem,
 * the securityContext's capabilities, the manifest's environment and working directory), and checks
 * afterwards that the container really got that.
 */
final class ContainerRuntime implements AutoCloseable {
    private static final Duration EXEC_TIMEOUT = Duration.ofSeconds(30);

    private final PodSimOptions options;
    private final ConfigMap configMap;
    private final Map<String, Path> volumes;
    private final PrintStream out;
    private final List<ContainerProcess> started = new ArrayList<>();

    ContainerRuntime(PodSimOptions options, ConfigMap configMap, Map<String, Path> volumes, PrintStream out) {
        this.options = options;
        this.configMap = configMap;
        this.volumes = volumes;
        this.out = out;
    }

    ContainerProcess start(Container c) throws Exception {
        ContainerFs fs = new ContainerFs(c, volumes, options.imagePaths());
        Map<String, String> base = new LinkedHashMap<>();
        base.put("PATH", options.path());
        base.put("HOME", "/root");
        base.put("LANG", "C.UTF-8");
        Map<String, String> env = fs.environment(base, configMap);
        List<String> command = fs.commandLine(env);
        Set<String> caps = ContainerCapabilities.of(c.getSecurityContext());
        say("container " + c.getName() + ": " + String.join(" ", PodManifests.commandLine(c)));
        say("  runs here as: " + String.join(" ", command) + "  (cwd " + fs.workingDir() + ")");
        say("  with capabilities " + caps + " only (securityContext)");
        ContainerProcess p = ContainerProcess.start(c.getName(), command, env, fs.workingDir(), containerRoot(c),
                ContainerCapabilities.setpriv(caps), out);
        started.add(p);
        return p;
    }

    /**
     * The container's root as a runtime would set it up, in the container's own mount namespace: each
     * volume mounted at its mount path where this machine has that directory (/tmp; the others are
     * reached through {@link ContainerFs}'s rewritten paths), and with readOnlyRootFilesystem the root
     * remounted read-only, the pod's volumes staying writable. So a write outside the volumes fails
     * here as it would in the pod.
     */
    private String containerRoot(Container c) {
        StringBuilder sh = new StringBuilder();
        Path volumesRoot = options.work().resolve("volumes");
        sh.append("mount --bind ").append(quote(volumesRoot)).append(' ').append(quote(volumesRoot)).append("; ");
        for (VolumeMount m : c.getVolumeMounts()) {
            if (Files.isDirectory(Path.of(m.getMountPath())) && !volumesRoot.startsWith(m.getMountPath())) {
                sh.append("mount --bind ").append(quote(volumes.get(m.getName()))).append(' ').append(quote(Path.of(m.getMountPath()))).append("; ");
            }
        }
        if (readOnlyRoot(c)) {
            sh.append("mount -o remount,bind,ro /; ");
        }
        return sh.toString();
    }

    /** PID 1 of {@code c} (through scripts/thaw, tini) holds exactly the securityContext's capabilities. */
    String verifyPid1(ContainerProcess p, Container c) throws Exception {
        long pid1 = p.pid1();
        Set<String> expected = ContainerCapabilities.of(c.getSecurityContext());
        Set<String> held = Set.of();
        String comm = "";
        for (int i = 0; i < 100 && !(held.equals(expected) && comm.equals("tini")); i++) { // sh -> setpriv -> thaw -> tini
            Thread.sleep(50);
            comm = Files.readString(Path.of("/proc", Long.toString(pid1), "comm")).strip();
            held = Files.readAllLines(Path.of("/proc", Long.toString(pid1), "status")).stream().filter(l -> l.startsWith("CapEff:"))
                    .map(l -> ContainerCapabilities.fromMask(l.substring(7))).findFirst().orElse(Set.of());
        }
        check(held.equals(expected), "PID 1 of container " + c.getName() + " holds " + held + ", not the securityContext's " + expected);
        check(comm.equals("tini"), "PID 1 of container " + c.getName() + " is " + comm + ", not tini: kill -HUP 1 would not reach thaw the same way");
        return "container " + c.getName() + ": PID 1 is " + comm + ", holding " + held;
    }

    /** readOnlyRootFilesystem is in force in {@code c}, and its /tmp is its tmp volume. */
    String verifyRootFilesystem(ContainerProcess p, Container c) throws Exception {
        if (readOnlyRoot(c)) {
            Path probe = Path.of("/.thaw-pod-sim-write-check");
            ContainerProcess.Exec r = p.exec(EXEC_TIMEOUT, "touch", probe.toString());
            boolean written = Files.deleteIfExists(probe);
            check(r.exitCode() != 0 && !written, "container " + c.getName() + " could write " + probe + ": its root is not read-only");
        }
        Optional<VolumeMount> tmp = c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals("/tmp")).findFirst();
        if (tmp.isPresent()) {
            ContainerProcess.Exec r = p.exec(EXEC_TIMEOUT, "touch", "/tmp/.thaw-pod-sim-tmp-check");
            check(r.exitCode() == 0 && Files.deleteIfExists(volumes.get(tmp.get().getName()).resolve(".thaw-pod-sim-tmp-check")),
                    "the /tmp of container " + c.getName() + " is not its " + tmp.get().getName() + " volume: " + r.output().strip());
        }
        return "container " + c.getName() + ": root file system " + (readOnlyRoot(c) ? "read-only" : "writable")
                + (tmp.isPresent() ? ", /tmp on volume " + tmp.get().getName() : "");
    }

    private static boolean readOnlyRoot(Container c) {
        SecurityContext sc = c.getSecurityContext();
        return sc != null && Boolean.TRUE.equals(sc.getReadOnlyRootFilesystem());
    }

    private static String quote(Path p) {
        return "'" + p.toString().replace("'", "'\\''") + "'";
    }

    private void say(String line) {
        out.println("pod-sim: " + line);
    }

    /** Kills every container started: each is PID 1 of its namespace, which takes every process in it along. */
    @Override
    public void close() {
        started.forEach(ContainerProcess::close);
    }
}
