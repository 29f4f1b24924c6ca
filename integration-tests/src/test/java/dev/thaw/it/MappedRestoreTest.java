package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.testkit.FreePort;
import dev.thaw.it.apps.MemoryChurnApp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Restore by mapping (--restore-mode map, thaw's CRIU patch): a worker whose memory is a private
 * mapping of the image must behave exactly like one whose memory was copied, through heap and native
 * churn, with a sibling writing the same pages, and with the image's files deleted under it. A CRIU
 * without the patch makes thaw copy, and say so.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MappedRestoreTest {
    private static final Duration BOUND = Duration.ofMinutes(3);
    private static final int CHURN_SECONDS = 60;

    private Path work;
    private Path image;
    private Pool pool;

    @BeforeAll
    void checkpointTheChurnApp() throws Exception {
        Environment.requireMappingCriu();
        work = Files.createTempDirectory("thaw-map-");
        image = work.resolve("image");
        int port = FreePort.pick();
        ThawProcess.Result r = ThawProcess.run(work, Map.of(), BOUND, "checkpoint", "--image", image.toString(),
                "--warmup-url", "http://127.0.0.1:" + port + "/ready", "--warmup-requests", "1", "--",
                Environment.JAVA.toString(), "-Xmx384m", "-cp", Offenders.classPath(MemoryChurnApp.class),
                MemoryChurnApp.class.getName(), Integer.toString(port), Integer.toString(CHURN_SECONDS));
        assertEquals(0, r.exitCode(), r.output());
    }

    @AfterEach
    void stopPool() {
        if (pool != null) {
            pool.close();
            pool = null;
        }
    }

    @AfterAll
    void removeImage() throws Exception {
        TempFiles.delete(work);
    }

    @Test
    void mapped_workers_churn_heap_and_native_memory_see_only_their_own_writes_and_outlive_their_image_files() throws Exception {
        Path copy = work.resolve("deleted-under-the-workers");
        TempFiles.copyDirectory(image, copy);
        pool = Pool.start(work, copy, work.resolve("map.sock"), "--workers", "2", "--restore-mode", "map");
        pool.thaw().awaitLine("restore mode map: ", Duration.ofSeconds(30));
        pool.thaw().awaitLine("all 2 workers ready", BOUND);
        Set<Long> pids = pool.awaitReady(2, Set.of(), Duration.ofSeconds(10));
        for (long pid : pids) {
            assertTrue(mapsImagePages(pid), "worker pid " + pid + " does not map the image's pages\n" + pool.thaw().output());
        }
        // Every name of the image's files goes: the directory the user gave and thaw's pin of it.
        deleteImageAndPins(copy);
        for (int w = 0; w < 2; w++) {
            pool.thaw().awaitLine("^worker=" + w + " \\| churn worker=" + w + " done", Duration.ofSeconds(CHURN_SECONDS + 90));
        }
        String out = pool.thaw().output();
        out.lines().filter(l -> l.contains("churn worker=")).forEach(System.out::println); // rounds and MiB allocated
        assertFalse(out.contains("FAILED"), out);
        for (int w = 0; w < 2; w++) {
            for (String check : List.of("pristine-at-restore", "own-writes-only", "pristine-after-churn")) {
                assertEquals(1, pool.thaw().count("^worker=" + w + " \\| churn worker=" + w + " " + check + " ok"), check + "\n" + out);
            }
        }
        assertEquals(pids, pool.readyPids(), "no worker died or was replaced\n" + out);
        assertEquals(0, pool.thaw().count("exited"), out);
    }

    @Test
    void a_criu_without_the_patch_restores_by_copying_and_says_so_once() throws Exception {
        Path criu = stockCriu();
        pool = Pool.startUnder(List.of(), Map.of("THAW_CRIU", criu.toString()), work, image, work.resolve("copy.sock"),
                "--workers", "1");
        pool.thaw().awaitLine("all 1 workers ready", BOUND);
        assertEquals(1, pool.thaw().count("^thaw: restore mode copy: .* cannot map the image \\(no mmap-page-image patch"),
                pool.thaw().output());
        long pid = pool.awaitReady(1, Set.of(), Duration.ofSeconds(10)).iterator().next();
        assertFalse(mapsImagePages(pid), "a copied worker maps no image file");
        pool.close();
        pool = null;

        ThawProcess.Result refused = ThawProcess.run(work, Map.of("THAW_CRIU", criu.toString()), BOUND, "run", "--image",
                image.toString(), "--socket", work.resolve("refused.sock").toString(), "--restore-mode", "map");
        assertEquals(4, refused.exitCode(), refused.output());
        assertTrue(refused.errorLine().matches("thaw: error: --restore-mode map needs CRIU with thaw's mmap-page-image patch, and .*"
                + ": run scripts/setup to build it, or use --restore-mode copy"), refused.errorLine());
    }

    /** The real CRIU, except that it answers like an unpatched one when asked for the feature. */
    private Path stockCriu() throws Exception {
        Path wrapper = work.resolve("criu-without-patch");
        String real = dev.thaw.criu.Criu.locate().binary().toString();
        Files.writeString(wrapper, "#!/bin/sh\n"
                + "for a in \"$@\"; do [ \"$a\" = mmap-page-image ] && { echo 'unknown feature' >&2; exit 1; }; done\n"
                + "exec " + real + " \"$@\"\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwx------"));
        return wrapper;
    }

    private static boolean mapsImagePages(long pid) throws Exception {
        return Files.readAllLines(Path.of("/proc", Long.toString(pid), "maps")).stream().anyMatch(l -> l.contains("/pages-"));
    }

    private static void deleteImageAndPins(Path image) throws Exception {
        try (Stream<Path> siblings = Files.list(image.getParent())) {
            for (Path p : siblings.filter(p -> p.getFileName().toString().startsWith("." + image.getFileName() + ".pin-")).toList()) {
                TempFiles.delete(p);
            }
        }
        TempFiles.delete(image);
    }
}
