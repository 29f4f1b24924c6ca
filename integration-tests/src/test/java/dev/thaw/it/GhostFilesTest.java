package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.criu.Criu;
import dev.thaw.criu.GhostLeftovers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ghost file a restore killed mid-way leaves behind (criu/README.md, patch 0008's limits), made for real:
 * a process holding a deleted file is dumped by CRIU, and its restore, in a PID namespace as thaw runs one, is
 * killed with SIGKILL to its unshare (as thaw kills a worker) while its ghost file exists (an action script
 * holds it there). The sweep thaw runs when a pool starts and stops removes that leftover, and leaves alone
 * the ghost file of a restore still under way.
 */
class GhostFilesTest {
    private static final Duration BOUND = Duration.ofSeconds(30);
    private Path work;
    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void makeWorkDir() throws Exception {
        Environment.requireCriu();
        work = Files.createTempDirectory("thaw-it-ghost-");
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : started) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        TempFiles.delete(work);
    }

    @Test
    void a_killed_restores_ghost_file_is_swept_and_a_running_restores_is_not() throws Exception {
        Path criu = Criu.locate().binary();
        Path image = dumpHolderOfDeletedFile(criu);

        Process first = heldRestore(criu, image, "first");
        kill(first);
        List<Path> leftover = ghosts();
        assertEquals(1, leftover.size(), "the killed restore left its ghost file: " + leftover);
        assertTrue(leftover.getFirst().getFileName().toString().matches("deleted\\.dat\\.cr\\.1\\.[0-9a-f]{16}\\.ghost"), leftover.toString());

        Thread.sleep(3_500); // older than the bound given below (1 s) and the sweep's 2 s of slack
        Process second = heldRestore(criu, image, "second");
        List<Path> both = ghosts();
        assertEquals(2, both.size(), both.toString());

        // Restores may take 1 s here: the leftover is older; the second restore's ghost is younger, and that restore runs.
        assertEquals(leftover, GhostLeftovers.sweep(image, Duration.ofSeconds(1)), "only the killed restore's ghost is stale");
        List<Path> running = ghosts();
        assertEquals(1, running.size());
        assertTrue(!running.equals(leftover), "the running restore's ghost file is kept");

        kill(second);
        Thread.sleep(3_500);
        assertEquals(running, GhostLeftovers.sweep(image, Duration.ofSeconds(1)), "killed too: its leftover is stale now");
        assertEquals(List.of(), ghosts());
    }

    /** A process with a file open that it deleted, dumped: CRIU keeps the file's contents as a ghost file. */
    private Path dumpHolderOfDeletedFile(Path criu) throws Exception {
        Files.writeString(work.resolve("deleted.dat"), "the contents of a file deleted while open\n");
        Path pidFile = work.resolve("holder.pid");
        Process holder = new ProcessBuilder("setsid", "sh", "-c", "echo $$ > " + pidFile + "; exec 3< " + work.resolve("deleted.dat")
                + "; rm " + work.resolve("deleted.dat") + "; exec sleep 600")
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        started.add(holder);
        for (int i = 0; i < 100 && Files.exists(work.resolve("deleted.dat")); i++) {
            Thread.sleep(50);
        }
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        Path image = Files.createDirectory(work.resolve("img"));
        Process dump = new ProcessBuilder(criu.toString(), "dump", "-t", Long.toString(pid), "-D", image.toString(), "-o", "dump.log")
                .redirectErrorStream(true).start();
        assertTrue(dump.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS), "criu dump did not finish");
        assertEquals(0, dump.exitValue(), Files.readString(image.resolve("dump.log")));
        try (Stream<Path> files = Files.list(image)) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith("ghost-file-")), "the deleted file is a ghost file");
        }
        return image;
    }

    /**
     * A restore as thaw runs one (unshare --pid --fork --kill-child ... criu restore), held by an action script
     * at post-restore, when its ghost file exists and the restore has not removed it yet.
     */
    private Process heldRestore(Path criu, Path image, String name) throws Exception {
        Path held = work.resolve(name + ".held");
        Path script = work.resolve(name + ".sh");
        Files.writeString(script, "#!/bin/sh\n[ \"$CRTOOLS_SCRIPT_ACTION\" = post-restore ] && { touch " + held + "; sleep 120; }\nexit 0\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        Process p = new ProcessBuilder("unshare", "--pid", "--fork", "--kill-child", "--mount-proc", criu.toString(), "restore",
                "-D", image.toString(), "-o", name + "-restore.log", "--action-script", script.toString())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true)
                .redirectOutput(work.resolve(name + ".out").toFile()).start();
        started.add(p);
        for (int i = 0; i < 200 && !Files.exists(held); i++) {
            assertTrue(p.isAlive(), "the restore ended before post-restore: " + Files.readString(work.resolve(name + ".out"))
                    + (Files.exists(image.resolve(name + "-restore.log")) ? Files.readString(image.resolve(name + "-restore.log")) : ""));
            Thread.sleep(50);
        }
        assertTrue(Files.exists(held), "the restore did not reach post-restore in 10 s");
        return p;
    }

    /** SIGKILL to unshare: the kernel kills criu, its namespace's init, and everything in it. */
    private static void kill(Process restore) throws InterruptedException {
        restore.destroyForcibly();
        assertTrue(restore.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS));
        Thread.sleep(200); // criu, killed by --kill-child, and its namespace go a moment after unshare
    }

    private List<Path> ghosts() throws Exception {
        try (Stream<Path> files = Files.list(work)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".ghost")).sorted().toList();
        }
    }
}
