package dev.thaw.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.ThawException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An image runs only where the CPU has every feature of the CPU it was made on. */
class HostFingerprintTest {
    @TempDir
    Path proc;

    private static ImageManifest madeOn(HostFingerprint host) {
        return new ImageManifest(ImageManifest.FORMAT, "test", Instant.EPOCH, 1, null, List.of("java"), "/", List.of(), "4.2.1",
                null, 1, 1, List.of(), 0, 0, List.of(), null, null, null, host);
    }

    @Test
    void reads_the_kernel_release_and_the_cpu_flags_sorted() throws Exception {
        Files.createDirectories(proc.resolve("sys/kernel"));
        Files.writeString(proc.resolve("sys/kernel/osrelease"), "6.18.0\n");
        Files.writeString(proc.resolve("cpuinfo"), "processor\t: 0\nflags\t\t: sse2 avx2 fpu\nprocessor\t: 1\nflags\t\t: sse2 avx2 fpu\n");
        HostFingerprint f = HostFingerprint.of(proc);
        assertEquals("6.18.0", f.kernel());
        assertEquals(List.of("avx2", "fpu", "sse2"), f.cpuFlags());
    }

    @Test
    void an_image_from_a_cpu_with_a_feature_this_one_lacks_is_refused_naming_it() {
        HostFingerprint here = new HostFingerprint("6.18.0", List.of("avx2", "sse2"));
        ThawException e = assertThrows(ThawException.class,
                () -> ImageDirectory.verifyCpu(madeOn(new HostFingerprint("6.1.0", List.of("avx2", "avx512f", "sse2"))), here));
        assertEquals(ThawException.EXIT_BAD_IMAGE, e.exitCode());
        assertTrue(e.getMessage().contains("features this one lacks (avx512f)"), e.getMessage());
        assertTrue(e.getMessage().contains("SIGILL"), e.getMessage());
    }

    @Test
    void an_image_from_a_cpu_with_fewer_features_or_from_an_older_thaw_runs() {
        HostFingerprint here = new HostFingerprint("6.18.0", List.of("avx2", "avx512f", "sse2"));
        ImageDirectory.verifyCpu(madeOn(new HostFingerprint("6.1.0", List.of("sse2"))), here);
        ImageDirectory.verifyCpu(madeOn(null), here);
        assertEquals(Set.of(), new HostFingerprint("x", List.of("sse2")).flagsMissingOn(here));
    }

    @Test
    void this_host_can_run_its_own_images() {
        HostFingerprint here = HostFingerprint.current();
        assertTrue(here.flagsMissingOn(here).isEmpty());
        assertTrue(!here.kernel().isEmpty());
    }
}
