package dev.thaw.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.thaw.testkit.Http;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An image made once and restored elsewhere (issue 20's first step): 'thaw pack' writes it as one archive named by its
 * manifest's SHA-256, 'thaw fetch' takes it from a store directory or an http URL, verifies it for this host and installs
 * it, and 'thaw run' restores workers from it that never ran the leader. A changed or truncated archive, and one made on a
 * host this one cannot stand in for (a CPU with more features, a newer kernel), are refused by the real CLI with one line,
 * exit 5, and leave the installed image as it was. (Another JDK build: PodmanPodTest, in a container image whose JDK differs.)
 */
@ExtendWith(SampleAppImageExtension.class)
class ImageTravelTest {
    private static final Duration BOUND = Duration.ofMinutes(3);
    private Path work;
    private Path store;

    @BeforeEach
    void makeWorkDir() throws Exception {
        Environment.requireCriu();
        work = Files.createTempDirectory("thaw-it-travel-"); // 0700
        store = Files.createDirectory(work.resolve("store"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    @AfterEach
    void deleteWorkDir() throws Exception {
        TempFiles.delete(work);
    }

    private ThawProcess.Result thaw(String... args) throws Exception {
        return ThawProcess.run(work, Map.of(), BOUND, args);
    }

    private Path packed(SampleAppImage shared) throws Exception {
        ThawProcess.Result pack = thaw("pack", "--image", shared.dir().toString(), "--to", store.toString());
        assertEquals(0, pack.exitCode(), pack.output());
        try (Stream<Path> s = Files.list(store)) {
            return s.filter(p -> p.getFileName().toString().matches("thaw-image-[0-9a-f]{64}\\.tar")).findFirst().orElseThrow();
        }
    }

    @Test
    void an_image_fetched_from_a_store_restores_workers_that_never_ran_the_leader(SampleAppImage shared) throws Exception {
        packed(shared);
        Path fetched = work.resolve("fetched");
        ThawProcess.Result fetch = thaw("fetch", "--from", store.toString(), "--image", fetched.toString());
        assertEquals(0, fetch.exitCode(), fetch.output());
        assertTrue(fetch.output().contains("verified for this host"), fetch.output());
        assertArrayEquals(Files.readAllBytes(shared.dir().resolve("manifest.json")), Files.readAllBytes(fetched.resolve("manifest.json")));

        try (Pool pool = Pool.start(work, fetched, work.resolve("control.sock"), "--workers", "1")) {
            pool.awaitReady(1, Set.of(), BOUND);
            Http.Response r = Http.get(shared.port(), "/items/7");
            assertEquals(200, r.status(), r.body());
        }
    }

    @Test
    void an_image_fetched_by_url_is_taken_by_its_digest_only(SampleAppImage shared) throws Exception {
        Path archive = packed(shared);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 10);
        server.createContext("/", exchange -> {
            Path file = store.resolve(exchange.getRequestURI().getPath().substring(1).replace("latest.tar", archive.getFileName().toString()));
            if (!Files.isRegularFile(file)) {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
                return;
            }
            exchange.sendResponseHeaders(200, Files.size(file));
            try (OutputStream out = exchange.getResponseBody()) {
                Files.copy(file, out);
            }
        });
        server.start();
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
            ThawProcess.Result byDigest = thaw("fetch", "--from", base + archive.getFileName(), "--image", work.resolve("by-url").toString());
            assertEquals(0, byDigest.exitCode(), byDigest.output());
            assertTrue(Files.isRegularFile(work.resolve("by-url/manifest.json")));

            ThawProcess.Result unpinned = thaw("fetch", "--from", base + "latest.tar", "--image", work.resolve("unpinned").toString());
            assertEquals(2, unpinned.exitCode(), unpinned.output());
            assertTrue(unpinned.output().contains("names no image digest"), unpinned.output());
            assertTrue(Files.notExists(work.resolve("unpinned")));
        } finally {
            server.stop(0);
        }
    }

    /**
     * An image that 'thaw fetch' must refuse: it exits 5 with one 'thaw: error:' line naming the problem and the fix,
     * the image installed before stays byte for byte as it was, and no staging directory is left next to it.
     */
    private void assertRefusedAndUntouched(ThawProcess.Result refused, String problem, String fix, Path installed, byte[] before)
            throws Exception {
        assertEquals(5, refused.exitCode(), refused.output());
        assertEquals(1, refused.lines().stream().filter(l -> l.startsWith("thaw: error: ")).count(), refused.output());
        String error = refused.errorLine();
        assertTrue(error.toLowerCase(java.util.Locale.ROOT).contains(problem.toLowerCase(java.util.Locale.ROOT)), error);
        assertTrue(error.contains(fix), error);
        assertArrayEquals(before, Files.readAllBytes(installed.resolve("manifest.json")), "the installed image is untouched");
        ThawProcess.Result inspect = thaw("inspect", installed.toString(), "--verify");
        assertEquals(0, inspect.exitCode(), "the installed image still verifies:\n" + inspect.output());
        try (Stream<Path> s = Files.list(installed.getParent())) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith("." + installed.getFileName() + ".staging-")),
                    "no staging left behind");
        }
    }

    /** A good image fetched into {@code work/fetched}, which a refused fetch must leave as it is; returns its manifest's bytes. */
    private byte[] installGoodImage(Path archive, Path fetched) throws Exception {
        ThawProcess.Result fetch = thaw("fetch", "--from", archive.toString(), "--image", fetched.toString());
        assertEquals(0, fetch.exitCode(), fetch.output());
        return Files.readAllBytes(fetched.resolve("manifest.json"));
    }

    @Test
    void a_changed_archive_is_refused_and_the_installed_image_stays_as_it_was(SampleAppImage shared) throws Exception {
        Path archive = packed(shared);
        Path fetched = work.resolve("fetched");
        byte[] before = installGoodImage(archive, fetched);

        try (RandomAccessFile f = new RandomAccessFile(archive.toFile(), "rw")) {
            long middle = f.length() / 2; // inside the heap's pages
            f.seek(middle);
            int b = f.read();
            f.seek(middle);
            f.write(b ^ 0xff);
        }
        ThawProcess.Result refused = thaw("fetch", "--from", archive.toString(), "--image", fetched.toString(), "--force");
        assertRefusedAndUntouched(refused, "does not match its SHA-256", "make it again with 'thaw pack'", fetched, before);
    }

    @Test
    void a_truncated_archive_is_refused_and_the_installed_image_stays_as_it_was(SampleAppImage shared) throws Exception {
        Path archive = packed(shared);
        Path fetched = work.resolve("fetched");
        byte[] before = installGoodImage(archive, fetched);

        try (RandomAccessFile f = new RandomAccessFile(archive.toFile(), "rw")) {
            f.setLength(f.length() / 2); // as a copy cut short: its name and manifest are still right
        }
        ThawProcess.Result refused = thaw("fetch", "--from", archive.toString(), "--image", fetched.toString(), "--force");
        assertRefusedAndUntouched(refused, "truncated", "'thaw pack'", fetched, before);
    }

    @Test
    void archives_made_on_a_cpu_with_more_features_or_a_newer_kernel_are_refused_before_anything_is_installed(SampleAppImage shared)
            throws Exception {
        Path fetched = work.resolve("fetched");
        byte[] before = installGoodImage(packed(shared), fetched);

        Path otherCpu = madeOnAnotherHost(shared, "other-cpu", host -> ((com.fasterxml.jackson.databind.node.ArrayNode) host.get("cpuFlags"))
                .insert(0, "thaw_test_only_flag"));
        ThawProcess.Result cpu = thaw("fetch", "--from", otherCpu.toString(), "--image", fetched.toString(), "--force");
        assertRefusedAndUntouched(cpu, "the image was made on a CPU with features this one lacks (thaw_test_only_flag)",
                "make the image on this kind of host", fetched, before);

        Path newerKernel = madeOnAnotherHost(shared, "newer-kernel", host -> host.put("kernel", "99.1.0-thaw-test"));
        ThawProcess.Result kernel = thaw("fetch", "--from", newerKernel.toString(), "--image", fetched.toString(), "--force");
        assertRefusedAndUntouched(kernel, "the image was made on Linux 99.1 (99.1.0-thaw-test) but this host runs "
                + dev.thaw.image.HostFingerprint.current().kernel(), "restore it on a host with Linux 99.1 or newer", fetched, before);

        // From a store holding only those two: each is passed over with its reason, then the one line and exit 5 that the
        // pods' init container falls back on (deploy/k8s/prebuilt).
        Path hosts = Files.createDirectory(work.resolve("other-hosts"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.move(otherCpu, hosts.resolve(otherCpu.getFileName()));
        Files.move(newerKernel, hosts.resolve(newerKernel.getFileName()));
        ThawProcess.Result store = thaw("fetch", "--from", hosts.toString(), "--image", fetched.toString(), "--force");
        assertRefusedAndUntouched(store, "holds no image this host can run (2 passed over", "make one on a host of this kind", fetched, before);
        List<String> passedOver = store.lines().stream().filter(l -> l.startsWith("thaw: passed over thaw-image-")).toList();
        assertEquals(2, passedOver.size(), store.output());
        assertTrue(passedOver.stream().anyMatch(l -> l.contains("thaw_test_only_flag")), store.output());
        assertTrue(passedOver.stream().anyMatch(l -> l.contains("Linux 99.1")), store.output());
    }

    /**
     * The shared image as if made on another host: its manifest's host record changed by {@code change} and sealed again,
     * then packed, as the thaw on that host would have written and packed it (what is tested is the host check, not the
     * seal: a changed record without a new seal is refused as tampering). Returns the archive, outside the store.
     */
    private Path madeOnAnotherHost(SampleAppImage shared, String name, java.util.function.Consumer<com.fasterxml.jackson.databind.node.ObjectNode> change)
            throws Exception {
        Path image = shared.copyTo(work.resolve(name));
        Path manifest = image.resolve("manifest.json");
        com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        var tree = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(Files.readString(manifest));
        change.accept((com.fasterxml.jackson.databind.node.ObjectNode) tree.get("host"));
        Files.writeString(manifest, mapper.writerWithDefaultPrettyPrinter().writeValueAsString(dev.thaw.image.ManifestSeal.sign(tree)));
        Path out = Files.createDirectory(work.resolve(name + "-packed"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        return dev.thaw.image.ImageArchive.pack(image, dev.thaw.image.ImageManifest.read(image), out);
    }
}
