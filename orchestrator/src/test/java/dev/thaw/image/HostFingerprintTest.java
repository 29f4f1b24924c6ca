package dev.thaw.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.ThawException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An image runs only where the CPU has every feature of the CPU it was made on, and the kernel is the same as the one it
 * was made on or newer.
 */
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

    @Test
    void a_kernel_release_is_read_as_its_major_and_minor_numbers() {
        assertEquals(Optional.of(new HostFingerprint.KernelVersion(6, 18)), HostFingerprint.KernelVersion.parse("6.18.44-fc-v657"));
        assertEquals(Optional.of(new HostFingerprint.KernelVersion(5, 15)), HostFingerprint.KernelVersion.parse("5.15.0-91-generic"));
        assertEquals(Optional.of(new HostFingerprint.KernelVersion(6, 1)), HostFingerprint.KernelVersion.parse("6.1.0-18-amd64\n"));
        assertEquals(Optional.of(new HostFingerprint.KernelVersion(6, 9)), HostFingerprint.KernelVersion.parse("6.9"));
        assertEquals(Optional.of(new HostFingerprint.KernelVersion(4, 19)), HostFingerprint.KernelVersion.parse("4.19.0+"));
        assertEquals(Optional.of(new HostFingerprint.KernelVersion(6, 19)), HostFingerprint.KernelVersion.parse("6.19-rc3"));
        for (String garbage : new String[] {"unknown", "", "6", "6.x.1", "linux-6.18", "99999.1"}) {
            assertEquals(Optional.empty(), HostFingerprint.KernelVersion.parse(garbage), garbage);
        }
        assertEquals(Optional.empty(), HostFingerprint.KernelVersion.parse(null));
    }

    @Test
    void kernels_compare_numerically_not_as_text() {
        HostFingerprint.KernelVersion v6_9 = new HostFingerprint.KernelVersion(6, 9);
        HostFingerprint.KernelVersion v6_18 = new HostFingerprint.KernelVersion(6, 18);
        assertTrue(v6_18.compareTo(v6_9) > 0);
        assertTrue(new HostFingerprint.KernelVersion(5, 19).compareTo(v6_9) < 0);
        assertEquals(0, v6_18.compareTo(HostFingerprint.KernelVersion.parse("6.18.2").orElseThrow()));
    }

    @Test
    void an_image_from_a_newer_kernel_is_refused_naming_both_and_the_fix() {
        HostFingerprint here = new HostFingerprint("6.9.12-generic", List.of("sse2"));
        ThawException e = assertThrows(ThawException.class,
                () -> ImageDirectory.verifyKernel(madeOn(new HostFingerprint("6.18.44-fc-v657", List.of("sse2"))), here));
        assertEquals(ThawException.EXIT_BAD_IMAGE, e.exitCode());
        assertTrue(e.getMessage().startsWith("the image was made on Linux 6.18 (6.18.44-fc-v657) but this host runs 6.9.12-generic: "),
                e.getMessage());
        assertTrue(e.getMessage().contains("restore it on a host with Linux 6.18 or newer, or make the image on this kind of host"),
                e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }

    @Test
    void an_image_from_the_same_or_an_older_kernel_runs_whatever_the_patch_level() {
        HostFingerprint here = new HostFingerprint("6.18.0", List.of("sse2"));
        for (String made : new String[] {"6.18.44-fc-v657", "6.9.1", "5.15.0-91-generic", "4.19.0"}) {
            ImageDirectory.verifyKernel(madeOn(new HostFingerprint(made, List.of("sse2"))), here);
        }
    }

    @Test
    void a_kernel_record_that_is_not_a_version_is_not_compared() {
        // Neither side can be proven newer: treated as an image from a thaw that recorded no host (the CPU is still compared).
        ImageDirectory.verifyKernel(madeOn(new HostFingerprint("unknown", List.of())), new HostFingerprint("5.4.0", List.of()));
        ImageDirectory.verifyKernel(madeOn(new HostFingerprint("99.0.0", List.of())), new HostFingerprint("unknown", List.of()));
        ImageDirectory.verifyKernel(madeOn(null), new HostFingerprint("5.4.0", List.of()));
    }

    @Test
    void this_host_reads_its_own_kernel_as_a_version() {
        assertTrue(HostFingerprint.KernelVersion.parse(HostFingerprint.current().kernel()).isPresent(), HostFingerprint.current().kernel());
    }
}
