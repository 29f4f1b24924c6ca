package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.host.Privileges;
import dev.thaw.host.SupervisorPriority;
import dev.thaw.testkit.FreePort;
import dev.thaw.testkit.MachineRequirement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * CRIU gives a restored process the nice value, oom_score_adj and resource limits its leader had. An image
 * made under {@code nice}, with a high oom_score_adj and few files (a CI job, a batch Job) must still give
 * workers that run at thaw run's priority and limits, the way forked workers run at their master's.
 */
class WorkerPriorityTest {
    private static final Duration BOUND = Duration.ofMinutes(3);

    private Path work;
    private Pool pool;

    @AfterEach
    void cleanUp() throws Exception {
        if (pool != null) {
            pool.close();
        }
        TempFiles.delete(work);
    }

    @Test
    void workers_of_an_image_made_at_nice_10_oom_score_adj_500_and_4096_open_files_run_at_thaw_runs_own() throws Exception {
        Environment.requireCriu();
        int ownNice = SupervisorPriority.niceOf(Path.of("/proc/self/stat"));
        String ownOom = Files.readString(Path.of("/proc/self/oom_score_adj")).trim();
        String ownFiles = openFilesHard(Path.of("/proc/self/limits"));
        if (ownNice > 9 || ownOom.equals("500") || !ownFiles.equals("unlimited") && Long.parseLong(ownFiles) <= 4096) {
            MachineRequirement.unmet("the tests run at nice " + ownNice + ", oom_score_adj " + ownOom + " and " + ownFiles
                    + " open files: no room for an image made at 10 more, 500 and 4096");
        }
        work = Files.createTempDirectory("thaw-priority-");
        Path image = work.resolve("image");
        int port = FreePort.pick();
        List<String> lowPriority = List.of("nice", "-n", "10", "sh", "-c",
                "echo 500 > /proc/self/oom_score_adj && ulimit -Sn 4096 && ulimit -Hn 4096 && exec \"$@\"", "sh");
        ThawProcess.Result made = ThawProcess.runUnder(lowPriority, work, BOUND, "checkpoint", "--image", image.toString(),
                "--warmup-url", "http://127.0.0.1:" + port + "/health", "--warmup-requests", "50", "--",
                Environment.JAVA.toString(), "-Xmx128m", "-Dsample.port=" + port, "-Dsample.dataset.mb=2", "-jar",
                Environment.SAMPLE_JAR.toString());
        assertEquals(0, made.exitCode(), made.output());

        pool = Pool.start(work, image, work.resolve("priority.sock"), "--workers", "2");
        pool.thaw().awaitLine("all 2 workers ready", BOUND);
        Set<Long> pids = pool.awaitReady(2, Set.of(), Duration.ofSeconds(10));
        // Lowering a nice value takes CAP_SYS_NICE, raising a hard limit CAP_SYS_RESOURCE: without them thaw says so
        int workerNice = Privileges.mayRenice() ? ownNice : ownNice + 10;
        for (long pid : pids) {
            assertEquals(ownOom, Files.readString(Path.of("/proc", Long.toString(pid), "oom_score_adj")).trim(),
                    "worker pid " + pid + "'s oom_score_adj\n" + pool.thaw().output());
            // thaw may raise a worker's hard limit only with CAP_SYS_RESOURCE (root without it here): else it says so
            assertEquals(Privileges.mayRaiseLimits() ? openFilesHard(Path.of("/proc/self/limits")) : "4096",
                    openFilesHard(Path.of("/proc", Long.toString(pid), "limits")),
                    "worker pid " + pid + "'s hard limit of open files\n" + pool.thaw().output());
            for (Path task : tasks(pid)) {
                try {
                    assertEquals(workerNice, SupervisorPriority.niceOf(task.resolve("stat")), "nice of " + task + "\n" + pool.thaw().output());
                } catch (NoSuchFileException e) {
                    // the thread ended since the listing
                }
            }
        }
        assertTrue(pool.thaw().output().contains(Privileges.mayRaiseLimits() ? "raised to thaw's: nofile 4096/4096 -> "
                : "kept the image's lower limits nofile 4096/4096 -> "), pool.thaw().output());
        assertTrue(pool.thaw().output().contains(Privileges.mayRenice() ? "nice " + (ownNice + 10) + " from the image's leader, set to thaw's "
                + ownNice : "kept the image's nice " + (ownNice + 10)), pool.thaw().output());
    }

    private static String openFilesHard(Path limits) throws IOException {
        String line = Files.readAllLines(limits).stream().filter(l -> l.startsWith("Max open files")).findFirst().orElseThrow();
        return line.substring("Max open files".length()).trim().split("\\s+")[1];
    }

    private static List<Path> tasks(long pid) throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            return tasks.toList();
        }
    }
}
