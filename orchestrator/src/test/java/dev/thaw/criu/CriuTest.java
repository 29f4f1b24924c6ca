package dev.thaw.criu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class CriuTest {
    @Test
    void versions_compare_numerically_not_as_text() {
        assertTrue(Criu.compareVersions("4.10", "4.2") > 0);
        assertTrue(Criu.compareVersions("4.2.1", "4.2") > 0);
        assertTrue(Criu.compareVersions("4.2", "4.2.0") == 0);
        assertTrue(Criu.compareVersions("3.17.1", "4.2") < 0);
        assertTrue(Criu.compareVersions("4.1.1", "4.2") < 0);
    }

    @Test
    void a_command_that_hangs_is_killed_at_its_timeout_with_what_it_started() throws Exception {
        long started = System.nanoTime();
        // A hung criu dump looks like this: it printed something, keeps its output open and never exits.
        Criu.ProcessResult r = Criu.ProcessResult.run(List.of("sh", "-c", "echo dumping; sleep 60 & echo $! > /dev/null; wait"), 1);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertEquals(-1, r.exitCode());
        assertTrue(r.output().startsWith("timed out after 1 s"), r.output());
        assertTrue(millis < 5000, "returned after " + millis + " ms");
    }

    @Test
    void a_command_that_finishes_gives_its_exit_code_and_output() {
        Criu.ProcessResult r = Criu.ProcessResult.run(List.of("sh", "-c", "echo one; echo two >&2; exit 3"), 10);
        assertEquals(3, r.exitCode());
        assertEquals("one\ntwo", r.output().strip());
    }

    @Test
    void in_a_container_a_read_only_ns_last_pid_alone_does_not_fail_the_check_but_any_other_error_does() {
        String container = "Warn  (criu/kerndat.c:1218): $XDG_RUNTIME_DIR not set.\n"
                + "Error (criu/cr-check.c:160): sys/kernel/ns_last_pid sysctl is inaccessible: Read-only file system\n"
                + "Warn  (criu/cr-check.c:1704): Does not look good.\n";
        assertTrue(Criu.onlyNsLastPidReadOnly(container));
        assertTrue(!Criu.onlyNsLastPidReadOnly(container + "Error (criu/cr-check.c:470): Unaligned vmsplice doesn't work\n"));
        assertTrue(!Criu.onlyNsLastPidReadOnly("Warn  (criu/cr-check.c:1704): Does not look good.\n"));
    }
}
