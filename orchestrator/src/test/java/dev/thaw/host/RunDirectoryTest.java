package dev.thaw.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.testkit.MachineRequirement;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sweep of run directories: only those of runs surely gone, never a live run's, never through a symlink. */
class RunDirectoryTest {
    private final RunDirectory.Owner self = RunDirectory.Owner.self();
    private Path tmp;

    @BeforeEach
    void makeTmp() throws Exception {
        tmp = Files.createTempDirectory("run-directory-test-");
    }

    @AfterEach
    void deleteTmp() throws Exception {
        new ProcessBuilder("rm", "-rf", tmp.toString()).start().waitFor(30, TimeUnit.SECONDS);
    }

    /** A process that ran and exited: its tag can never be alive again (same PID, same start time). */
    private static String goneProcessTag() throws Exception {
        Process p = new ProcessBuilder("sleep", "30").start();
        HostProcess host = HostProcess.of(p.pid()).orElseThrow();
        p.destroyForcibly();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertFalse(host.isAlive());
        return host.pid() + "@" + host.startTicks();
    }

    private Path runDir(String name, RunDirectory.Owner owner) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve(name));
        Files.createDirectory(dir.resolve("worker-0"));
        Files.writeString(dir.resolve("worker-0/restore.log"), "criu said things");
        if (owner != null) {
            Files.writeString(dir.resolve(RunDirectory.OWNER), owner.line());
        }
        return dir;
    }

    private List<Path> sweep() {
        return RunDirectory.sweepStale(tmp, self, Instant.now());
    }

    @Test
    void the_directory_of_a_run_that_is_gone_is_removed_and_a_live_ones_is_not() throws Exception {
        Path gone = runDir("thaw-run-1", new RunDirectory.Owner(goneProcessTag(), self.pidNamespace(), self.bootId()));
        Path live = runDir("thaw-run-2", self);

        assertEquals(List.of(gone), sweep());
        assertFalse(Files.exists(gone));
        assertTrue(Files.exists(live.resolve("worker-0/restore.log")));
    }

    @Test
    void a_run_of_an_earlier_boot_is_gone_even_if_its_pid_is_alive_now() throws Exception {
        Path earlierBoot = runDir("thaw-run-3", new RunDirectory.Owner(self.processTag(), self.pidNamespace(), "another-boot"));

        assertEquals(List.of(earlierBoot), sweep());
    }

    @Test
    void what_cannot_be_told_is_left_alone() throws Exception {
        String gone = goneProcessTag();
        Path noOwner = runDir("thaw-run-4", null);
        Path otherNamespace = runDir("thaw-run-5", new RunDirectory.Owner(gone, "pid:[1]", self.bootId()));
        Path malformed = runDir("thaw-run-6", null);
        Files.writeString(malformed.resolve(RunDirectory.OWNER), "not@a-tag " + self.pidNamespace() + " " + self.bootId());
        Path unknownBoot = runDir("thaw-run-7", new RunDirectory.Owner(gone, self.pidNamespace(), "?"));

        assertEquals(List.of(), sweep());
        for (Path p : List.of(noOwner, otherNamespace, malformed, unknownBoot)) {
            assertTrue(Files.exists(p.resolve("worker-0/restore.log")), p.toString());
        }
    }

    @Test
    void only_thaw_run_directories_by_name_are_swept() throws Exception {
        RunDirectory.Owner gone = new RunDirectory.Owner(goneProcessTag(), self.pidNamespace(), self.bootId());
        Path checkpoint = runDir("thaw-ckpt-8", gone);
        Path otherName = runDir("thaw-run-x9", gone);

        assertEquals(List.of(), sweep());
        assertTrue(Files.exists(checkpoint) && Files.exists(otherName));
    }

    @Test
    void symlinks_are_never_followed() throws Exception {
        RunDirectory.Owner gone = new RunDirectory.Owner(goneProcessTag(), self.pidNamespace(), self.bootId());
        Path precious = Files.createDirectory(tmp.resolve("precious"));
        Files.writeString(precious.resolve("data"), "keep me");
        Files.writeString(precious.resolve(RunDirectory.OWNER), gone.line());
        Path linkedDir = Files.createSymbolicLink(tmp.resolve("thaw-run-10"), precious);
        Path withLinkInside = runDir("thaw-run-11", gone);
        Files.createSymbolicLink(withLinkInside.resolve("worker-0/escape"), precious);
        Path linkedOwner = runDir("thaw-run-12", null);
        Files.createSymbolicLink(linkedOwner.resolve(RunDirectory.OWNER), precious.resolve(RunDirectory.OWNER));

        assertEquals(List.of(withLinkInside), sweep());
        assertTrue(Files.exists(linkedDir, LinkOption.NOFOLLOW_LINKS), "a symlink named like a run directory is not touched");
        assertEquals("keep me", Files.readString(precious.resolve("data")), "nothing is deleted through a symlink");
        assertTrue(Files.exists(linkedOwner.resolve("worker-0/restore.log")), "an owner file that is a symlink is not believed");
    }

    @Test
    void a_directory_of_another_user_is_left_alone() throws Exception {
        Path foreign = runDir("thaw-run-13", new RunDirectory.Owner(goneProcessTag(), self.pidNamespace(), self.bootId()));
        int nobody = 65534;
        if (HostProcess.selfUid() != 0) {
            MachineRequirement.unmet("not root: only root can give a directory away");
        }
        Files.setAttribute(foreign, "unix:uid", nobody, LinkOption.NOFOLLOW_LINKS);

        assertEquals(List.of(), sweep());
        assertTrue(Files.exists(foreign.resolve("worker-0/restore.log")));
    }

    @Test
    void logs_a_failed_run_kept_stay_for_a_while_then_go() throws Exception {
        Path kept = runDir("thaw-run-14", new RunDirectory.Owner(goneProcessTag(), self.pidNamespace(), self.bootId()));
        Files.writeString(kept.resolve(RunDirectory.KEPT), "now");

        assertEquals(List.of(), RunDirectory.sweepStale(tmp, self, Instant.now()));
        Instant later = Instant.now().plus(RunDirectory.KEPT_FOR).plus(Duration.ofMinutes(1));
        assertEquals(List.of(kept), RunDirectory.sweepStale(tmp, self, later));
    }

    @Test
    void a_created_directory_names_this_process() throws Exception {
        RunDirectory created = RunDirectory.create();
        try {
            Optional<RunDirectory.Owner> owner = RunDirectory.Owner.parse(Files.readString(created.path().resolve(RunDirectory.OWNER)));
            assertEquals(Optional.of(self), owner);
            assertTrue(self.processTag().startsWith(ProcessHandle.current().pid() + "@"), self.toString());
            assertFalse(self.goneFor(self));
        } finally {
            created.remove();
        }
        assertFalse(Files.exists(created.path()));
    }
}
