package dev.thaw.criu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which files a sweep of killed restores' ghost files removes: read from CRIU's images as CRIU 4.2.1 writes
 * them (the bytes below are those of a real dump's entries), only names of this image's deleted files, only
 * files changed before the bound. A real leftover of a killed restore: GhostFilesTest in integration-tests.
 */
class GhostLeftoversTest {
    @TempDir
    Path dir;

    @Test
    void the_images_ghost_files_are_read_from_remap_fpath_and_files() throws IOException {
        Path criu = writeImage(dir.resolve("img"), dir.resolve("app/libnetty_epoll123.so"));
        assertEquals(List.of(new GhostLeftovers.Ghost(dir.resolve("app/libnetty_epoll123.so"), 1)), GhostLeftovers.inImage(criu));
    }

    @Test
    void an_image_without_deleted_files_has_none() throws IOException {
        Files.createDirectories(dir.resolve("plain"));
        assertEquals(List.of(), GhostLeftovers.inImage(dir.resolve("plain")));
    }

    @Test
    void only_this_images_leftover_names_changed_before_the_bound_are_removed() throws IOException {
        Path app = Files.createDirectories(dir.resolve("app"));
        Path criu = writeImage(dir.resolve("img"), app.resolve("lib.so"));
        List<String> leftovers = List.of("lib.so.cr.1.0bb21d7628fffa93.ghost", "lib.so.cr_link.00000000deadbeef", "lib.so.cr.1.ghost",
                "lib.so.cr_link");
        List<String> others = List.of("lib.so", "lib.so.cr.2.0bb21d7628fffa93.ghost", "other.so.cr.1.0bb21d7628fffa93.ghost",
                "lib.so.cr.1.0bb21d76.ghost", "lib.so.cr_link.x");
        for (String name : Stream.concat(leftovers.stream(), others.stream()).toList()) {
            Files.writeString(app.resolve(name), "x");
        }
        List<GhostLeftovers.Ghost> ghosts = GhostLeftovers.inImage(criu);

        assertEquals(List.of(), GhostLeftovers.sweep(ghosts, Instant.now().minusSeconds(60)), "nothing older than the bound");
        List<Path> removed = GhostLeftovers.sweep(ghosts, Instant.now().plusSeconds(1));
        assertEquals(Set.copyOf(leftovers), removed.stream().map(p -> p.getFileName().toString()).collect(Collectors.toSet()));
        try (Stream<Path> left = Files.list(app)) {
            assertEquals(Set.copyOf(others), left.map(p -> p.getFileName().toString()).collect(Collectors.toSet()));
        }
        assertTrue(GhostLeftovers.describe(removed).orElseThrow().startsWith("removed 4 ghost files left by restores killed mid-way"));
    }

    @Test
    void a_leftover_is_stale_once_every_live_restore_started_after_it_or_past_the_restore_bound() {
        Instant now = Instant.parse("2026-12-01T12:00:00Z");
        java.time.Duration bound = java.time.Duration.ofSeconds(60);
        assertEquals(now, GhostLeftovers.staleBefore(bound, List.of(), now), "no restore runs: whatever exists is a leftover");
        assertEquals(now.minusSeconds(12), GhostLeftovers.staleBefore(bound, List.of(now.minusSeconds(10), now.minusSeconds(5)), now),
                "made before the oldest live restore started (2 s of slack): none of them made it");
        assertEquals(now.minusSeconds(62), GhostLeftovers.staleBefore(bound, List.of(now.minusSeconds(3600)), now),
                "a restore alive for an hour (a worker's criu stays as its init) does not keep a leftover past the bound");
    }

    /** remap-fpath.img with one GHOST remap (orig_id 20, remap_id 1) and files.img whose regular file 20 is {@code deleted}. */
    static Path writeImage(Path criuDir, Path deleted) throws IOException {
        Files.createDirectories(criuDir);
        // remap_file_path_entry {orig_id: 20, remap_id: 1, remap_type: GHOST}, exactly as CRIU wrote it (08 14 10 01 18 01)
        Files.write(criuDir.resolve("remap-fpath.img"), image(0x59133954, new byte[] {0x08, 0x14, 0x10, 0x01, 0x18, 0x01}));
        byte[] name = deleted.toString().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream reg = new ByteArrayOutputStream(); // reg_file_entry {id: 20, flags: 0, pos: 0, name}
        reg.write(new byte[] {0x08, 0x14, 0x10, 0x00, 0x18, 0x00, 0x32, (byte) name.length});
        reg.write(name);
        ByteArrayOutputStream other = new ByteArrayOutputStream(); // another file: id 7, /dev/null
        other.write(new byte[] {0x08, 0x01, 0x10, 0x07, 0x1a, 17, 0x08, 0x07, 0x10, 0x00, 0x18, 0x00, 0x32, 9});
        other.write("/dev/null".getBytes(StandardCharsets.US_ASCII));
        ByteArrayOutputStream file = new ByteArrayOutputStream(); // file_entry {type: REG, id: 20, reg}
        file.write(new byte[] {0x08, 0x01, 0x10, 0x14, 0x1a, (byte) reg.size()});
        file.write(reg.toByteArray());
        Files.write(criuDir.resolve("files.img"), image(0x56303138, other.toByteArray(), file.toByteArray()));
        return criuDir;
    }

    private static byte[] image(int magic, byte[]... entries) {
        int size = 8;
        for (byte[] e : entries) {
            size += 4 + e.length;
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN).putInt(0x54564319).putInt(magic);
        for (byte[] e : entries) {
            b.putInt(e.length).put(e);
        }
        return b.array();
    }
}
