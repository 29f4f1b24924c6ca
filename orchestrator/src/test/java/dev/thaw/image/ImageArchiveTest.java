package dev.thaw.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.ThawException;
import dev.thaw.leader.JdkInfo;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageArchiveTest {
    @TempDir
    Path dir;
    Path store;

    @BeforeEach
    void privateStore() throws IOException {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        store = Files.createDirectory(dir.resolve("store"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }

    /** An image committed at {@code dir/name}, its pages {@code content}, made with {@code jdk}. */
    private ImageDirectory image(String name, String content, JdkInfo jdk, Instant createdAt) throws Exception {
        return image(name, content, jdk, createdAt, null);
    }

    private ImageDirectory image(String name, String content, JdkInfo jdk, Instant createdAt, HostFingerprint host) throws Exception {
        ImageDirectory image = new ImageDirectory(dir.resolve(name));
        Path staging = image.createStaging();
        Files.writeString(staging.resolve("criu/pages-1.img"), content);
        Files.writeString(staging.resolve("criu/inventory.img"), "inventory of " + name);
        List<FileDigest> files = ImageDirectory.digestCriuFiles(staging);
        new ImageManifest(ImageManifest.FORMAT, "test", createdAt, 1, jdk, List.of("java", "-jar", "app.jar"), "/",
                List.of(), "4.2.1", new ImageManifest.PipeInodes(1, 2, 3), 42, ImageDirectory.sizeOf(files), files, 100, 10, List.of(), null,
                null, null, host).write(staging);
        image.commit(staging);
        return image;
    }

    private ImageDirectory image(String name, String content) throws Exception {
        return image(name, content, thisJdk(), Instant.now());
    }

    private static JdkInfo thisJdk() {
        return JdkInfo.of(Path.of(System.getProperty("java.home")));
    }

    private Path pack(ImageDirectory image) throws Exception {
        return ImageArchive.pack(image.target(), image.verify(), store);
    }

    /** As packed on the host that made it, where its JDK was (not this one). */
    private Path packMadeElsewhere(ImageDirectory image) throws Exception {
        return ImageArchive.pack(image.target(), ImageManifest.read(image.target()), store);
    }

    private ImageManifest unpackInto(ImageDirectory target, InputStream in, String expected) throws Exception {
        Path staging = target.createStaging();
        ImageArchive.unpack(in, staging, expected, "the archive", ImageDirectory::requireRunnableHere);
        ImageManifest m = new ImageDirectory(staging).verifyHashedWhenWritten();
        target.commit(staging);
        return m;
    }

    @Test
    void an_image_packed_and_unpacked_elsewhere_is_the_same_image_named_by_its_manifest_digest() throws Exception {
        ImageDirectory made = image("made", "the heap");
        Path archive = pack(made);
        String digest = ImageArchive.manifestDigest(made.target());
        assertEquals("thaw-image-" + digest + ".tar", archive.getFileName().toString());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(archive)), "it holds the heap");

        ImageDirectory fetched = new ImageDirectory(dir.resolve("fetched"));
        try (InputStream in = Files.newInputStream(archive)) {
            assertEquals(made.verify(), unpackInto(fetched, in, digest));
        }
        assertEquals("the heap", Files.readString(fetched.target().resolve("criu/pages-1.img")));
        assertArrayEquals(Files.readAllBytes(made.target().resolve("manifest.json")),
                Files.readAllBytes(fetched.target().resolve("manifest.json")));
        ImagePrivacy.require(fetched.target()); // private like an image thaw made itself
    }

    @Test
    void one_image_always_packs_to_the_same_bytes() throws Exception {
        ImageDirectory made = image("made", "the heap");
        byte[] first = Files.readAllBytes(pack(made));
        byte[] second = Files.readAllBytes(pack(made));
        assertArrayEquals(first, second);
    }

    @Test
    void a_changed_byte_in_a_page_file_is_found_before_the_image_is_installed() throws Exception {
        ImageDirectory made = image("made", "the heap: secret=1");
        byte[] tar = Files.readAllBytes(pack(made));
        String text = new String(tar, StandardCharsets.ISO_8859_1);
        tar[text.indexOf("secret=1") + 7] = '2';
        ImageDirectory target = new ImageDirectory(dir.resolve("fetched"));
        ThawException e = assertThrows(ThawException.class, () -> unpackInto(target, new ByteArrayInputStream(tar), null));
        assertTrue(e.getMessage().contains("criu/pages-1.img does not match its SHA-256"), e.getMessage());
        assertTrue(Files.notExists(target.target()), "nothing installed");
    }

    @Test
    void an_archive_this_host_cannot_run_is_refused_after_its_manifest_before_any_other_file_is_written() throws Exception {
        HostFingerprint here = HostFingerprint.current();
        List<String> moreFlags = new ArrayList<>(here.cpuFlags());
        moreFlags.add("thaw_test_only_flag");
        Path archive = packMadeElsewhere(image("made", "the heap", thisJdk(), Instant.now(), new HostFingerprint(here.kernel(), moreFlags)));
        ImageDirectory target = new ImageDirectory(dir.resolve("fetched"));
        Path staging = target.createStaging();
        ThawException e = assertThrows(ThawException.class, () -> {
            try (InputStream in = Files.newInputStream(archive)) {
                ImageArchive.unpack(in, staging, null, "the archive", ImageDirectory::requireRunnableHere);
            }
        });
        assertTrue(e.getMessage().contains("features this one lacks (thaw_test_only_flag)"), e.getMessage());
        assertEquals(List.of("criu", "manifest.json"), list(staging));
        assertEquals(List.of(), list(staging.resolve("criu")));
    }

    @Test
    void a_file_whose_bytes_differ_from_its_digest_stops_the_unpacking_at_that_file() throws Exception {
        ImageDirectory made = image("made", "the heap: secret=1");
        byte[] tar = Files.readAllBytes(pack(made));
        String text = new String(tar, StandardCharsets.ISO_8859_1);
        tar[text.indexOf("secret=1") + 7] = '2';
        ImageDirectory target = new ImageDirectory(dir.resolve("fetched"));
        Path staging = target.createStaging();
        ThawException e = assertThrows(ThawException.class,
                () -> ImageArchive.unpack(new ByteArrayInputStream(tar), staging, null, "the archive", m -> { }));
        assertTrue(e.getMessage().startsWith("the archive is not an image archive thaw can unpack: criu/pages-1.img does not match its"
                + " SHA-256 in the sealed manifest"), e.getMessage());
        assertTrue(e.getMessage().endsWith("; make it again with 'thaw pack' from a good image"), e.getMessage());
    }

    @Test
    void a_truncated_archive_is_refused() throws Exception {
        byte[] tar = Files.readAllBytes(pack(image("made", "x".repeat(10_000))));
        byte[] cut = Arrays.copyOf(tar, 2048);
        ImageDirectory target = new ImageDirectory(dir.resolve("fetched"));
        Exception e = assertThrows(Exception.class, () -> unpackInto(target, new ByteArrayInputStream(cut), null));
        assertTrue(e instanceof IOException || e.getMessage().contains("truncated") || e.getMessage().contains("lacks"), e.toString());
        assertTrue(Files.notExists(target.target()));
    }

    @Test
    void a_manifest_other_than_the_one_the_name_promises_is_refused_before_any_other_file() throws Exception {
        Path archive = pack(image("made", "the heap"));
        ImageDirectory target = new ImageDirectory(dir.resolve("fetched"));
        Path staging = target.createStaging();
        ThawException e = assertThrows(ThawException.class, () -> {
            try (InputStream in = Files.newInputStream(archive)) {
                ImageArchive.unpack(in, staging, "0".repeat(64), "the archive", m -> { });
            }
        });
        assertTrue(e.getMessage().contains("not the " + "0".repeat(64) + " its name promises"), e.getMessage());
        assertEquals(List.of("criu", "manifest.json"), list(staging));
    }

    @Test
    void entries_outside_the_manifest_links_and_escapes_are_refused() throws Exception {
        ImageDirectory made = image("made", "the heap");
        byte[] manifest = Files.readAllBytes(made.target().resolve("manifest.json"));
        for (TarArchiveEntry evil : List.of(file("../outside", 3), file("criu/planted.img", 3), link("criu/pages-1.img", "/etc/shadow"),
                file("/criu/pages-1.img", 8))) {
            byte[] tar = tar(manifest, evil);
            ImageDirectory target = new ImageDirectory(dir.resolve("fetched"));
            Path staging = target.createStaging();
            ThawException e = assertThrows(ThawException.class, () -> ImageArchive.unpack(new ByteArrayInputStream(tar), staging, null, "the archive",
                    m -> { }),
                    evil.getName());
            assertTrue(e.getMessage().startsWith("the archive is not an image archive thaw can unpack: "), e.getMessage());
            assertTrue(Files.notExists(dir.resolve("outside")));
            ImageDirectory.deleteRecursively(staging);
        }
    }

    @Test
    void a_store_gives_the_newest_image_this_host_can_run_and_says_why_it_passed_over_the_others() throws Exception {
        JdkInfo gone = new JdkInfo("/opt/no-such-jdk", "25.0.1+1", "Nobody", thisJdk().libjvm());
        pack(image("older", "older heap", thisJdk(), Instant.parse("2026-01-01T00:00:00Z")));
        Path newest = pack(image("newer", "newer heap", thisJdk(), Instant.parse("2026-06-01T00:00:00Z")));
        packMadeElsewhere(image("elsewhere", "a heap for another JDK", gone, Instant.parse("2026-12-01T00:00:00Z")));
        List<String> log = new ArrayList<>();
        ArchiveSource.Chosen chosen = new ArchiveSource(store.toString(), null).choose(log::add);
        assertEquals(newest.toString(), chosen.describe());
        assertEquals(1, log.size(), log.toString());
        assertTrue(log.get(0).contains("/opt/no-such-jdk") && log.get(0).contains("which is gone"), log.get(0));
    }

    @Test
    void a_store_with_nothing_this_host_can_run_fails_with_one_line_and_exit_5() throws Exception {
        packMadeElsewhere(image("elsewhere", "heap", new JdkInfo("/opt/no-such-jdk", "25", "Nobody", thisJdk().libjvm()), Instant.now()));
        ThawException e = assertThrows(ThawException.class, () -> new ArchiveSource(store.toString(), null).choose(line -> { }));
        assertEquals(ThawException.EXIT_BAD_IMAGE, e.exitCode());
        assertTrue(e.getMessage().contains("holds no image this host can run (1 passed over"), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"));
    }

    @Test
    void a_store_others_can_write_is_refused() throws Exception {
        pack(image("made", "heap"));
        Files.setPosixFilePermissions(store, PosixFilePermissions.fromString("rwxrwxrwx"));
        ThawException e = assertThrows(ThawException.class, () -> new ArchiveSource(store.toString(), null).choose(line -> { }));
        assertTrue(e.getMessage().contains("is open to other users"), e.getMessage());
    }

    @Test
    void a_url_is_taken_only_by_its_digest() {
        ThawException e = assertThrows(ThawException.class,
                () -> new ArchiveSource("http://127.0.0.1:1/latest.tar", null).choose(line -> { }));
        assertEquals(ThawException.EXIT_USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("names no image digest"), e.getMessage());
        String digest = "a".repeat(64);
        assertEquals(digest, new ArchiveSource("http://127.0.0.1:1/images/thaw-image-" + digest + ".tar", null).choose(line -> { })
                .expectedSha256());
        assertEquals(digest, new ArchiveSource("http://127.0.0.1:1/latest.tar", digest).choose(line -> { }).expectedSha256());
        ThawException contradicted = assertThrows(ThawException.class,
                () -> new ArchiveSource("http://127.0.0.1:1/thaw-image-" + "b".repeat(64) + ".tar", digest).choose(line -> { }));
        assertTrue(contradicted.getMessage().contains("not the --sha256"), contradicted.getMessage());
    }

    private static TarArchiveEntry file(String name, long size) {
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        e.setSize(size);
        return e;
    }

    private static TarArchiveEntry link(String name, String target) {
        TarArchiveEntry e = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
        e.setLinkName(target);
        return e;
    }

    private static byte[] tar(byte[] manifest, TarArchiveEntry evil) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            TarArchiveEntry m = new TarArchiveEntry("manifest.json");
            m.setSize(manifest.length);
            tar.putArchiveEntry(m);
            tar.write(manifest);
            tar.closeArchiveEntry();
            tar.putArchiveEntry(evil);
            if (evil.isFile()) {
                tar.write(new byte[(int) evil.getSize()]);
            }
            tar.closeArchiveEntry();
        }
        return bytes.toByteArray();
    }

    private static List<String> list(Path d) throws IOException {
        try (var s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
