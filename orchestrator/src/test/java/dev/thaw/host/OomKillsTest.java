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

/** The kernel's count of OOM kills in a process's memory cgroup: where it is read on cgroup v2, v1 and hybrid hosts, and a real one. */
class OomKillsTest {
    @TempDir
    Path root;

    private Path proc(long pid, String cgroupFile) throws IOException {
        Path dir = Files.createDirectories(root.resolve("proc").resolve(Long.toString(pid)));
        Files.writeString(dir.resolve("cgroup"), cgroupFile);
        return root.resolve("proc");
    }

    private void write(String file, String content) throws IOException {
        Path p = root.resolve("cgroup").resolve(file);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    @Test
    void cgroup_v2_counts_in_memory_events() throws IOException {
        Path proc = proc(42, "0::/kubepods/pod1/app\n");
        write("kubepods/pod1/app/memory.events", "low 0\nhigh 0\nmax 3\noom 2\noom_kill 2\noom_group_kill 0\n");
        OomKills k = OomKills.of(proc, root.resolve("cgroup"), 42).orElseThrow();
        assertEquals(2, k.count());
        write("kubepods/pod1/app/memory.events", "low 0\nhigh 0\nmax 4\noom 3\noom_kill 3\noom_group_kill 0\n");
        assertEquals(3, k.again().orElseThrow().count(), "read again from the same file");
    }

    @Test
    void cgroup_v1_counts_in_memory_oom_control_and_a_hybrid_hosts_empty_unified_line_is_passed_over() throws IOException {
        Path proc = proc(7, "9:name=systemd:/\n4:memory:/process_api/abc\n1:cpu,cpuacct:/\n0::/\n");
        write("memory/process_api/abc/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 5\n");
        OomKills k = OomKills.of(proc, root.resolve("cgroup"), 7).orElseThrow();
        assertEquals(5, k.count());
        assertEquals(root.resolve("cgroup/memory/process_api/abc/memory.oom_control"), k.counter());
    }

    @Test
    void nothing_readable_is_no_evidence() throws IOException {
        assertEquals(Optional.empty(), OomKills.of(root.resolve("proc"), root.resolve("cgroup"), 9), "no such process");
        Path proc = proc(8, "0::/\n");
        assertEquals(Optional.empty(), OomKills.of(proc, root.resolve("cgroup"), 8), "no memory controller there");
        write("memory.events", "low 0\n");
        assertEquals(Optional.empty(), OomKills.of(proc, root.resolve("cgroup"), 8), "no oom_kill line");
    }

    /**
     * A process that eats memory in a memory cgroup of 32 MiB dies by SIGKILL, and the count read before rises by one.
     * Needs root and a cgroup v1 memory hierarchy it can write (this machine's, CI's).
     */
    @Test
    void a_real_oom_kill_raises_the_count_of_the_victims_cgroup() throws Exception {
        Path cgroup = newMemoryCgroupV1();
        Process eater = null;
        try {
            Files.writeString(cgroup.resolve("memory.limit_in_bytes"), Long.toString(32L << 20));
            if (Files.exists(cgroup.resolve("memory.memsw.limit_in_bytes"))) {
                Files.writeString(cgroup.resolve("memory.memsw.limit_in_bytes"), Long.toString(32L << 20)); // no escape into swap
            }
            // It waits on stdin until it is in the cgroup, then 'tail' keeps one ever longer line of zeros.
            eater = new ProcessBuilder("sh", "-c", "read go; exec tail /dev/zero").redirectErrorStream(true).start();
            Files.writeString(cgroup.resolve("cgroup.procs"), Long.toString(eater.pid()));
            OomKills before = OomKills.of(eater.pid()).orElseThrow();
            assertEquals(cgroup.resolve("memory.oom_control"), before.counter());
            eater.getOutputStream().write('\n');
            eater.getOutputStream().flush();
            assertTrue(eater.waitFor(60, TimeUnit.SECONDS), "the eater was not killed within 60 s");
            assertEquals(128 + 9, eater.exitValue(), "killed by SIGKILL");
            assertEquals(before.count() + 1, before.again().orElseThrow().count());
        } finally {
            if (eater != null) {
                eater.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            Files.deleteIfExists(cgroup);
        }
    }

    /** A fresh cgroup below this JVM's own memory cgroup (v1), or the reason there is none. */
    private static Path newMemoryCgroupV1() throws IOException {
        String reason;
        if (HostProcess.selfUid() != 0) {
            reason = "not root";
        } else {
            Optional<String> own = Files.readAllLines(Path.of("/proc/self/cgroup")).stream()
                    .map(l -> l.split(":", 3)).filter(f -> f.length == 3 && List.of(f[1].split(",")).contains("memory"))
                    .map(f -> f[2]).findFirst();
            Path parent = own.map(p -> Path.of("/sys/fs/cgroup/memory" + p)).orElse(null);
            if (parent != null && Files.isWritable(parent)) {
                return Files.createDirectory(parent.resolve("thaw-oom-test-" + ProcessHandle.current().pid()));
            }
            reason = "no cgroup v1 memory hierarchy to write (" + own.orElse("none") + ")";
        }
        MachineRequirement.unmet(reason);
        return null;
    }
}
