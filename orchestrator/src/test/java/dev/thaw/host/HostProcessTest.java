package dev.thaw.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HostProcessTest {
    @Test
    void a_running_process_is_alive_and_a_reaped_one_is_not() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "30").start();
        HostProcess p = HostProcess.of(sleeper.pid()).orElseThrow();
        assertTrue(p.isAlive());
        assertTrue(p.handle().isPresent());
        sleeper.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        assertFalse(p.isAlive());
        assertTrue(p.handle().isEmpty());
    }

    @Test
    void the_same_pid_with_another_start_time_is_another_process() {
        HostProcess self = HostProcess.of(ProcessHandle.current().pid()).orElseThrow();
        assertTrue(self.isAlive());
        assertFalse(new HostProcess(self.pid(), self.startTicks() + 1).isAlive(), "a reused PID must not pass for the old process");
    }

    @Test
    void knows_its_ancestors_and_only_them() throws Exception {
        Process shell = new ProcessBuilder("sh", "-c", "sleep 30 & wait").start();
        try {
            long grandchild = awaitChild(shell.toHandle());
            HostProcess sleep = HostProcess.of(grandchild).orElseThrow();
            assertTrue(sleep.descendsFrom(shell.pid()));
            assertTrue(sleep.descendsFrom(ProcessHandle.current().pid()));
            assertEquals(shell.pid(), sleep.parentPid());
            assertFalse(HostProcess.of(shell.pid()).orElseThrow().descendsFrom(grandchild));
            assertEquals(grandchild, sleep.pidInNamespace(), "no PID namespace of its own: the same PID inside");
        } finally {
            shell.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            shell.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void a_pid_that_does_not_exist_is_no_process() {
        assertTrue(HostProcess.of(Integer.MAX_VALUE).isEmpty());
        assertTrue(HostProcess.of(-1).isEmpty());
    }

    private static long awaitChild(ProcessHandle parent) throws InterruptedException {
        for (int i = 0; i < 200; i++) {
            var child = parent.children().findFirst();
            if (child.isPresent()) {
                return child.get().pid();
            }
            Thread.sleep(10);
        }
        throw new AssertionError("no child of " + parent.pid());
    }
}
