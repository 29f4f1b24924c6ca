package dev.thaw.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thaw.ThawException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ManifestSealTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path FILE = Path.of("/images/app/manifest.json");

    private static ObjectNode manifest() throws Exception {
        return (ObjectNode) JSON.readTree("""
                {"format": 2, "command": ["java", "-jar", "app.jar"], "workingDirectory": "/srv/app",
                 "imageFiles": [{"path": "criu/pages-1.img", "size": 4096, "sha256": "aa"}],
                 "appUser": {"name": "app", "uid": 1000, "gid": 1000}}""");
    }

    /** Written to text and read back, as a manifest goes through its file. */
    private static ObjectNode throughFile(ObjectNode sealed) throws Exception {
        return (ObjectNode) JSON.readTree(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(sealed));
    }

    @Test
    void a_sealed_manifest_passes_its_check_after_a_round_trip_through_its_file() throws Exception {
        ObjectNode read = throughFile(ManifestSeal.sign(manifest()));
        ManifestSeal.check(read, FILE);
        assertEquals(manifest(), read, "the check removes the seal and leaves the content");
    }

    @Test
    void a_changed_command_line_is_refused_naming_the_file_and_the_fix() throws Exception {
        ObjectNode read = throughFile(ManifestSeal.sign(manifest()));
        ((ArrayNode) read.get("command")).set(2, JSON.getNodeFactory().textNode("evil.jar"));
        ThawException e = assertThrows(ThawException.class, () -> ManifestSeal.check(read, FILE));
        assertEquals(ThawException.EXIT_BAD_IMAGE, e.exitCode());
        assertEquals("/images/app/manifest.json was changed after the checkpoint (it no longer matches its seal): nothing in it is"
                + " used; make the image again with 'thaw checkpoint --force'", e.getMessage());
    }

    @Test
    void a_changed_file_digest_a_nested_field_or_an_added_field_breaks_the_seal() throws Exception {
        ObjectNode digest = throughFile(ManifestSeal.sign(manifest()));
        ((ObjectNode) digest.get("imageFiles").get(0)).put("sha256", "bb");
        assertThrows(ThawException.class, () -> ManifestSeal.check(digest, FILE));
        ObjectNode user = throughFile(ManifestSeal.sign(manifest()));
        ((ObjectNode) user.get("appUser")).put("uid", 0);
        assertThrows(ThawException.class, () -> ManifestSeal.check(user, FILE));
        ObjectNode added = throughFile(ManifestSeal.sign(manifest()));
        added.put("javaAgent", "/tmp/evil.jar"); // a field this thaw ignores, but a newer one might read
        assertThrows(ThawException.class, () -> ManifestSeal.check(added, FILE));
    }

    @Test
    void member_order_and_whitespace_do_not_change_the_seal() throws Exception {
        ObjectNode sealed = ManifestSeal.sign(manifest());
        ObjectNode reordered = JSON.createObjectNode();
        reordered.set("seal", sealed.get("seal"));
        reordered.set("appUser", sealed.get("appUser"));
        reordered.set("imageFiles", sealed.get("imageFiles"));
        reordered.set("workingDirectory", sealed.get("workingDirectory"));
        reordered.set("command", sealed.get("command"));
        reordered.set("format", sealed.get("format"));
        ManifestSeal.check((ObjectNode) JSON.readTree(JSON.writeValueAsString(reordered)), FILE);
    }

    @Test
    void a_manifest_without_a_seal_or_with_an_unknown_algorithm_is_refused() throws Exception {
        ThawException none = assertThrows(ThawException.class, () -> ManifestSeal.check(manifest(), FILE));
        assertTrue(none.getMessage().contains("has no seal"), none.getMessage());
        ObjectNode other = ManifestSeal.sign(manifest());
        ((ObjectNode) other.get("seal")).put("algorithm", "CRC32C");
        ThawException unknown = assertThrows(ThawException.class, () -> ManifestSeal.check(other, FILE));
        assertTrue(unknown.getMessage().contains("is sealed with 'CRC32C', which this thaw does not know"), unknown.getMessage());
    }
}
