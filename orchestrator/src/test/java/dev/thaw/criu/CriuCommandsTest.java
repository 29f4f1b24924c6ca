package dev.thaw.criu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.image.ImageManifest;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The command lines thaw gives CRIU, which the end-to-end tests run for real. */
class CriuCommandsTest {
    private final CriuCommands unprivileged = new CriuCommands(Path.of("/opt/criu"), List.of("--unprivileged"));
    private final Path image = Path.of("/images/app");
    private final Path work = Path.of("/run/thaw/w");

    private static boolean has(List<String> cmd, String... sequence) {
        return Collections.indexOfSubList(cmd, List.of(sequence)) >= 0;
    }

    @Test
    void a_worker_restores_in_its_own_session_and_pid_namespace_and_dies_with_thaw() {
        List<String> cmd = unprivileged.restoreWorker(image, work, "restore.log", List.of("--mmap-page-image"),
                new ImageManifest.PipeInodes(11, 12, 13));
        assertEquals(List.of("setsid", "setpriv", "--pdeathsig", "KILL", "--", "unshare", "--pid", "--mount", "--fork",
                "--mount-proc", "--kill-child=SIGKILL", "/opt/criu", "restore"), cmd.subList(0, 13));
        assertTrue(has(cmd, "-D", "/images/app/criu", "-W", "/run/thaw/w", "-o", "restore.log", "-v2"), cmd.toString());
        assertTrue(has(cmd, "--inherit-fd", "fd[0]:pipe:[11]"), cmd.toString());
        assertTrue(has(cmd, "--inherit-fd", "fd[1]:pipe:[12]"), cmd.toString());
        assertTrue(has(cmd, "--inherit-fd", "fd[2]:pipe:[13]"), cmd.toString());
        assertTrue(cmd.contains("--mmap-page-image") && cmd.contains("--unprivileged"), cmd.toString());
    }

    @Test
    void a_refork_dumps_the_jvm_by_its_namespace_pid_from_inside_the_namespace_leaves_it_running_and_dies_with_thaw() {
        List<String> cmd = unprivileged.dumpLiveWorker(4711, 42, image, work, "refork.log");
        assertEquals(List.of("setpriv", "--pdeathsig", "KILL", "--", "nsenter", "-t", "4711", "--pid", "--mount", "--",
                "setpriv", "--pdeathsig", "KILL", "--", "/opt/criu", "dump", "--leave-running", "-t", "42"), cmd.subList(0, 19));
        assertTrue(has(cmd, "-D", "/images/app/criu", "-W", "/run/thaw/w", "-o", "refork.log", "-v2", "--unprivileged"), cmd.toString());
    }

    @Test
    void the_leader_is_dumped_by_its_host_pid_by_a_criu_that_dies_with_thaw_and_privileges_are_only_added_when_needed() {
        CriuCommands root = new CriuCommands(Path.of("/opt/criu"), List.of());
        assertEquals(List.of("setpriv", "--pdeathsig", "KILL", "--", "/opt/criu", "dump", "-t", "99", "-D", "/images/app/criu", "-W", "/run/thaw/w", "-o", "dump.log", "-v2"),
                root.dumpLeader(99, image, work, "dump.log"));
        assertEquals(List.of("/opt/criu", "check", "--feature", "mmap-page-image", "--unprivileged"),
                unprivileged.checkFeature("mmap-page-image"));
    }
}
