package dev.thaw.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KsmScanGovernorTest {
    private static final long S = 1_000_000_000L;

    @TempDir
    Path root;
    FakeHost host;
    HostSetting pagesToScan;

    @BeforeEach
    void setUp() throws IOException {
        host = new FakeHost(root);
        pagesToScan = host.files.ksm("pages_to_scan");
    }

    private void counters(long sharing, long fullScans) {
        host.write(host.files.ksm("pages_sharing"), Long.toString(sharing));
        host.write(host.files.ksm("full_scans"), Long.toString(fullScans));
    }

    @Test
    void should_raise_ksm_then_slow_it_once_merging_settles_and_speed_it_up_when_merging_grows() throws IOException {
        HostSettings pool = host.pool("100@1");
        assertEquals(java.util.List.of(), KsmTuning.raise(pool, host.files));
        assertEquals("1", host.read(host.files.ksm("run")));
        assertEquals("5000", host.read(pagesToScan));
        assertEquals("10", host.read(host.files.ksm("sleep_millisecs")));

        KsmScanGovernor governor = new KsmScanGovernor(pool, host.files, host.log::add);
        counters(0, 0);
        governor.step(0);
        counters(80_000, 3);
        governor.step(5 * S);
        assertEquals("5000", host.read(pagesToScan), "still merging");
        counters(80_000, 9);
        governor.step(40 * S);
        assertEquals("100", host.read(pagesToScan), "settled: back to the kernel's default rate");
        assertTrue(host.log.stream().anyMatch(l -> l.startsWith("page merging settled (312 MiB saved")), host.log.toString());
        host.write(pagesToScan, "300"); // an operator's choice while settled
        counters(80_000, 10);
        governor.step(45 * S);
        assertEquals("300", host.read(pagesToScan), "still settled: the operator's rate stands");
        counters(120_000, 11);
        governor.step(50 * S);
        assertEquals("5000", host.read(pagesToScan), "a new worker's pages are merging");
        assertEquals(1, host.log.stream().filter(l -> l.startsWith("page merging settled")).count(), host.log.toString());

        pool.close();
        assertEquals("0", host.read(host.files.ksm("run")));
        assertEquals("100", host.read(pagesToScan));
        assertEquals("20", host.read(host.files.ksm("sleep_millisecs")));
    }

    @Test
    void should_never_slow_ksm_below_the_hosts_own_rate() throws IOException {
        host.write(pagesToScan, "1000");
        HostSettings pool = host.pool("100@1");
        KsmTuning.raise(pool, host.files);
        KsmScanGovernor governor = new KsmScanGovernor(pool, host.files, host.log::add);
        counters(5000, 0);
        governor.step(0);
        counters(5000, 5);
        governor.step(40 * S);
        assertEquals("1000", host.read(pagesToScan));
    }

    @Test
    void should_leave_a_rate_thaw_did_not_raise() throws IOException {
        host.write(pagesToScan, "8000");
        HostSettings pool = host.pool("100@1");
        KsmTuning.raise(pool, host.files);
        KsmScanGovernor governor = new KsmScanGovernor(pool, host.files, host.log::add);
        counters(5000, 0);
        governor.step(0);
        counters(5000, 5);
        governor.step(40 * S);
        assertEquals("8000", host.read(pagesToScan));
    }
}
