package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.host.HostProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * thaw run gives the host back its machine-wide settings (KSM's ksmd, net.ipv4.tcp_migrate_req): after a
 * TERM, and after a kill -9 of thaw once the next pool has started and stopped. Known values that are
 * neither the kernel's defaults nor thaw's are set before each pool, and the machine's own values are
 * put back at the end.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SampleAppImageExtension.class)
class HostSettingsGivenBackTest {
    private static final Path KSM = Path.of("/sys/kernel/mm/ksm");
    private static final Path MIGRATE_REQ = Path.of("/proc/sys/net/ipv4/tcp_migrate_req");
    private static final Path USERS = Path.of("/run/thaw/host-settings/users");
    /** Known values: ksmd stopped, an odd rate, and the sysctl off. */
    private static final Map<Path, String> KNOWN = knownValues();
    /** What thaw sets while its pool runs (dev.thaw.host.KsmTuning, SystemTuning). */
    private static final Map<Path, String> THAWS = Map.of(KSM.resolve("run"), "1", KSM.resolve("pages_to_scan"), "5000",
            KSM.resolve("sleep_millisecs"), "10", MIGRATE_REQ, "1");

    private final Map<Path, String> machines = new LinkedHashMap<>();
    private Path work;
    private Path image;

    private static Map<Path, String> knownValues() {
        Map<Path, String> known = new LinkedHashMap<>();
        known.put(KSM.resolve("run"), "0");
        known.put(KSM.resolve("pages_to_scan"), "123");
        known.put(KSM.resolve("sleep_millisecs"), "37");
        known.put(MIGRATE_REQ, "0");
        return known;
    }

    @BeforeAll
    void restoreFromTheSharedSampleAppImage(SampleAppImage shared) throws Exception {
        for (Path p : KNOWN.keySet()) {
            machines.put(p, read(p));
        }
        work = Files.createTempDirectory("thaw-host-");
        image = shared.dir(); // only restored from
    }

    @AfterAll
    void putTheMachinesValuesBack() throws Exception {
        for (Map.Entry<Path, String> e : machines.entrySet()) {
            Files.writeString(e.getKey(), e.getValue());
        }
        TempFiles.delete(work);
    }

    /**
     * When ksmd slows down is not asserted here: it follows machine-wide counters, which other pools on a
     * shared test machine move at will. KsmScanGovernorTest covers it on a stand-in /sys.
     */
    @Test
    void a_pool_stopped_with_TERM_gives_the_values_back() throws Exception {
        setKnownValues();
        try (Pool pool = startPool()) {
            assertEquals(THAWS, current(), "thaw tunes the host while its pool runs");
            assertEquals(0, pool.thaw().stop(Duration.ofSeconds(60)), pool.thaw().output());
            assertEquals(KNOWN, current(), pool.thaw().output());
            assertTrue(pool.thaw().count("^thaw: net.ipv4.tcp_migrate_req given back: 0 \\(thaw had set 1\\)") == 1, pool.thaw().output());
        }
    }

    @Test
    void after_a_kill_9_of_thaw_the_next_pool_gives_the_values_back() throws Exception {
        setKnownValues();
        long killed;
        try (Pool pool = startPool()) {
            killed = pool.thaw().process().pid();
            Pool.signal("KILL", killed);
            assertTrue(pool.thaw().process().waitFor(30, TimeUnit.SECONDS));
        }
        assertEquals(THAWS, current(), "a process killed with SIGKILL gives nothing back itself");
        try (Pool next = startPool()) {
            next.thaw().awaitLine("^thaw: a thaw pool that is gone \\(pid " + killed + "\\) was using host settings", Duration.ofSeconds(5));
            assertTrue(next.thaw().count("^thaw: ksm/run given back: 0 \\(thaw had set 1\\)") == 1, next.thaw().output());
            assertEquals(THAWS, current(), "and the next pool tunes the host again");
            assertEquals(0, next.thaw().stop(Duration.ofSeconds(60)), next.thaw().output());
            assertEquals(KNOWN, current(), next.thaw().output());
        }
    }

    private Pool startPool() throws Exception {
        Pool pool = Pool.start(work, image, work.resolve("pool.sock"), "--workers", "1", "--ksm", "true");
        pool.thaw().awaitLine("all 1 workers ready", Duration.ofSeconds(60));
        return pool;
    }

    /**
     * Other pools on this machine share the settings: while one runs, thaw rightly gives nothing back.
     * Waits for them to stop rather than reporting their use as a failure of this test.
     */
    private static void setKnownValues() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        List<String> others = otherPools();
        while (!others.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(1000);
            others = otherPools();
        }
        assertTrue(others.isEmpty(), "other thaw pools use the host's settings for over 3 minutes: " + others);
        for (Map.Entry<Path, String> e : KNOWN.entrySet()) {
            Files.writeString(e.getKey(), e.getValue());
        }
        assertEquals(KNOWN, current());
    }

    private static List<String> otherPools() throws IOException {
        if (!Files.isDirectory(USERS)) {
            return List.of();
        }
        try (Stream<Path> users = Files.list(USERS)) {
            return users.map(p -> p.getFileName().toString()).filter(HostProcess::ownerAlive).toList();
        }
    }

    private static Map<Path, String> current() throws IOException {
        Map<Path, String> now = new LinkedHashMap<>();
        for (Path p : KNOWN.keySet()) {
            now.put(p, read(p));
        }
        return now;
    }

    private static String read(Path p) throws IOException {
        return Files.readString(p).strip();
    }
}
