package dev.thaw.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.testkit.MachineRequirement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A worker's hard limits are raised to its supervisor's, never lowered. */
class SupervisorLimitsTest {
    @Test
    void a_nofile_soft_limit_at_the_hard_one_follows_it_up_and_every_other_soft_limit_stays() {
        int nofile = SupervisorLimits.NOFILE;
        assertEquals(new SupervisorLimits.Limit(65536, 65536), new SupervisorLimits.Limit(4096, 4096).raisedTo(65536, nofile));
        assertEquals(new SupervisorLimits.Limit(1024, 65536), new SupervisorLimits.Limit(1024, 4096).raisedTo(65536, nofile));
        assertEquals(new SupervisorLimits.Limit(0, -1), new SupervisorLimits.Limit(0, 0).raisedTo(-1, SupervisorLimits.CORE),
                "no core dumps stays no core dumps");
    }

    @Test
    void unlimited_is_above_every_number() {
        SupervisorLimits.Limit unlimited = new SupervisorLimits.Limit(-1, -1);
        assertTrue(new SupervisorLimits.Limit(4096, 4096).hardBelow(unlimited));
        assertFalse(unlimited.hardBelow(new SupervisorLimits.Limit(4096, Long.MAX_VALUE)));
        assertEquals("unlimited/unlimited", unlimited.toString());
    }

    @Test
    void a_process_started_with_4096_files_gets_this_processs_hard_limit_or_a_line_naming_the_missing_capability() throws Exception {
        long ownHard = openFiles(Path.of("/proc/self/limits"))[1];
        if (ownHard <= 4096) {
            MachineRequirement.unmet("this process's own hard limit of open files (" + ownHard + ") leaves nothing to raise");
        }
        Process small = new ProcessBuilder("sh", "-c", "ulimit -Sn 1024 && ulimit -Hn 4096 && exec sleep 30").start();
        Process even = new ProcessBuilder("sh", "-c", "ulimit -Sn 4096 && ulimit -Hn 4096 && exec sleep 30").start();
        try {
            Path smallLimits = Path.of("/proc", Long.toString(small.pid()), "limits");
            Path evenLimits = Path.of("/proc", Long.toString(even.pid()), "limits");
            awaitHard(smallLimits, 4096);
            awaitHard(evenLimits, 4096);

            Optional<String> said = SupervisorLimits.giveTo(small.pid());
            SupervisorLimits.giveTo(even.pid());

            if (!Privileges.mayRaiseLimits()) {
                assertTrue(said.isPresent() && said.get().contains("kept the image's lower limits nofile 1024/4096 -> 1024/" + ownHard)
                        && said.get().contains("CAP_SYS_RESOURCE"), said.toString());
                assertEquals(4096, openFiles(smallLimits)[1]);
                return;
            }
            assertTrue(said.isPresent() && said.get().contains("nofile 1024/4096 -> 1024/" + ownHard), said.toString());
            assertEquals(1024, openFiles(smallLimits)[0], "a soft limit below the hard one stays");
            assertEquals(ownHard, openFiles(smallLimits)[1]);
            assertEquals(ownHard, openFiles(evenLimits)[0], "a soft limit at the hard one follows it");
            assertEquals(Optional.empty(), SupervisorLimits.giveTo(small.pid()), "nothing left to raise");
        } finally {
            small.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            even.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** Soft and hard "Max open files" of a /proc/PID/limits file. */
    private static long[] openFiles(Path limits) throws IOException {
        String line = Files.readAllLines(limits).stream().filter(l -> l.startsWith("Max open files")).findFirst().orElseThrow();
        String[] f = line.substring("Max open files".length()).trim().split("\\s+");
        return new long[] {Long.parseLong(f[0]), Long.parseLong(f[1])};
    }

    private static void awaitHard(Path limits, long hard) throws Exception {
        for (int i = 0; i < 200; i++) {
            if (Files.exists(limits) && openFiles(limits)[1] == hard) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError(limits + " never had a hard limit of " + hard);
    }
}
