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
 * it, and 'thaw run' restores workers from it that never ran the leader. A changed archive is refused and leaves the
 * installed image as it was.
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

    @Test
    void a_changed_archive_is_refused_and_the_installed_image_stays_as_it_was(SampleAppImage shared) throws Exception {
        Path archive = packed(shared);
        Path fetched = work.resolve("fetched");
        assertEquals(0, thaw("fetch", "--from", archive.toString(), "--image", fetched.toString()).exitCode());
        byte[] before = Files.readAllBytes(fetched.resolve("manifest.json"));

        try (RandomAccessFile f = new RandomAccessFile(archive.toFile(), "rw")) {
            long middle = f.length() / 2; // inside the heap's pages
            f.seek(middle);
            int b = f.read();
            f.seek(middle);
            f.write(b ^ 0xff);
        }
        ThawProcess.Result refused = thaw("fetch", "--from", archive.toString(), "--image", fetched.toString(), "--force");
        assertEquals(5, refused.exitCode(), refused.output());
        String error = refused.output().lines().filter(l -> l.startsWith("thaw: error:")).findFirst().orElse(refused.output());
        assertTrue(error.contains("does not match its SHA-256"), error);
        assertArrayEquals(before, Files.readAllBytes(fetched.resolve("manifest.json")), "the installed image is untouched");
        try (Stream<Path> s = Files.list(work)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".fetched.staging-")), "no staging left behind");
        }
    }
}
