package dev.thaw.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.testkit.MachineRequirement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A worker gets its supervisor's nice value and oom_score_adj, whatever the image's leader had. */
class SupervisorPriorityTest {
    @TempDir
    Path dir;

    @Test
    void the_nice_value_is_read_after_a_command_name_with_spaces_and_parentheses() throws IOException {
        Path stat = dir.resolve("stat");
        Files.writeString(stat, "4242 (a (b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 5 3 0 0 20 7 12 0 1234 5000000 300\n");
        assertEquals(7, SupervisorPriority.niceOf(stat));
    }

    @Test
    void a_process_started_at_nice_10_with_oom_score_adj_500_gets_this_processs_values() throws Exception {
        int ownNice = SupervisorPriority.niceOf(Path.of("/proc/self/stat"));
        String ownOom = Files.readString(Path.of("/proc/self/oom_score_adj")).trim();
        if (ownNice > 9 || ownOom.equals("500")) {
            MachineRequirement.unmet("this process runs at nice " + ownNice + " and oom_score_adj " + ownOom
                    + ": no room for a child at 10 more and 500");
        }
        Process leaderLike = new ProcessBuilder("nice", "-n", "10", "sh", "-c",
                "echo 500 > /proc/self/oom_score_adj && exec sleep 30").start();
        try {
            long pid = leaderLike.pid();
            Path stat = Path.of("/proc", Long.toString(pid), "stat");
            awaitOomScoreAdj(pid, "500");
            assertEquals(ownNice + 10, SupervisorPriority.niceOf(stat));

            Optional<String> said = SupervisorPriority.giveTo(pid);

            assertTrue(said.isPresent() && said.get().contains("oom_score_adj 500 from the image's leader, set to thaw's " + ownOom),
                    said.toString());
            assertEquals(ownOom, Files.readString(Path.of("/proc", Long.toString(pid), "oom_score_adj")).trim());
            if (!Privileges.mayRenice()) {
                assertTrue(said.get().contains("kept the image's nice " + (ownNice + 10) + " on 1 thread(s)")
                        && said.get().contains("CAP_SYS_NICE"), said.toString());
                return;
            }
            assertTrue(said.get().contains("nice " + (ownNice + 10) + " from the image's leader, set to thaw's " + ownNice), said.toString());
            assertEquals(ownNice, SupervisorPriority.niceOf(stat));
            assertEquals(Optional.empty(), SupervisorPriority.giveTo(pid), "nothing left to change");
        } finally {
            leaderLike.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void a_process_already_at_this_processs_values_is_left_alone() throws Exception {
        Process same = new ProcessBuilder("sleep", "30").start();
        try {
            assertEquals(Optional.empty(), SupervisorPriority.giveTo(same.pid()));
        } finally {
            same.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void a_process_that_is_gone_is_no_error() {
        assertEquals(Optional.empty(), SupervisorPriority.giveTo(Integer.MAX_VALUE));
    }

    private static void awaitOomScoreAdj(long pid, String value) throws Exception {
        Path file = Path.of("/proc", Long.toString(pid), "oom_score_adj");
        for (int i = 0; i < 200; i++) {
            if (List.of(value).contains(Files.readString(file).trim())) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the child's oom_score_adj never became " + value);
    }
}
