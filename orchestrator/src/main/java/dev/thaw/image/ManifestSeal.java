package dev.thaw.image;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.thaw.ThawException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The seal of a manifest: SHA-256 over its canonical content, stored in the manifest as
 * {@code "seal": {"algorithm": "SHA-256", "digest": "..."}}. The manifest lists every file of the image
 * with its SHA-256, so the seal covers the whole image: a file or a field (the recorded command line,
 * the working directory, the user) changed after the checkpoint no longer matches it.
 *
 * <p>What it does not stop, on purpose: someone who can write the image can also recompute the seal.
 * The image's permissions ({@link ImagePrivacy}: owned by thaw's user, 0700, no parent others can write)
 * are what keep anyone but root and thaw's user from writing it; a key on this host would be readable
 * by exactly those, so it would add nothing here (docs/security.md says where one would).
 *
 * <p>Canonical content: the manifest's JSON without its {@code seal} member, object members sorted by
 * name at every level, no whitespace, UTF-8. It is computed from the JSON as written, not from the
 * fields this thaw knows, so a field added by a newer thaw is covered too.
 */
public final class ManifestSeal {
    public static final String FIELD = "seal";
    public static final String ALGORITHM = "SHA-256";
    private static final ObjectMapper COMPACT = JsonMapper.builder().build();

    private ManifestSeal() {
    }

    /** Adds the seal of {@code manifest} (replacing any seal it has). */
    public static ObjectNode sign(ObjectNode manifest) {
        manifest.remove(FIELD);
        ObjectNode seal = JsonNodeFactory.instance.objectNode();
        seal.put("algorithm", ALGORITHM);
        seal.put("digest", digestOf(manifest));
        manifest.set(FIELD, seal);
        return manifest;
    }

    /**
     * Checks and removes the seal of {@code manifest}, read from {@code file}.
     *
     * @throws ThawException (bad image) naming the file and the fix when it has no seal or does not match it
     */
    public static void check(ObjectNode manifest, Path file) {
        JsonNode seal = manifest.remove(FIELD);
        if (seal == null || !seal.isObject()) {
            throw ThawException.badImage(file + " has no seal (its SHA-256): it was not written by this thaw, or was"
                    + " edited; make the image again with 'thaw checkpoint --force'");
        }
        String algorithm = seal.path("algorithm").asText();
        if (!ALGORITHM.equals(algorithm)) {
            throw ThawException.badImage(file + " is sealed with '" + algorithm + "', which this thaw does not know:"
                    + " make the image again with this thaw's 'thaw checkpoint --force'");
        }
        byte[] recorded;
        try {
            recorded = HexFormat.of().parseHex(seal.path("digest").asText());
        } catch (IllegalArgumentException e) {
            recorded = new byte[0];
        }
        if (!MessageDigest.isEqual(recorded, HexFormat.of().parseHex(digestOf(manifest)))) {
            throw ThawException.badImage(file + " was changed after the checkpoint (it no longer matches its seal):"
                    + " nothing in it is used; make the image again with 'thaw checkpoint --force'");
        }
    }

    /** Lowercase hex SHA-256 of the canonical content of {@code manifest} (without its seal). */
    static String digestOf(ObjectNode manifest) {
        JsonNode content = canonical(manifest);
        ((ObjectNode) content).remove(FIELD);
        try {
            return HexFormat.of().formatHex(Sha256.of(COMPACT.writeValueAsString(content).getBytes(StandardCharsets.UTF_8)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree always serializes", e);
        }
    }

    /** A copy with every object's members sorted by name. */
    static JsonNode canonical(JsonNode node) {
        if (node.isObject()) {
            ObjectNode sorted = JsonNodeFactory.instance.objectNode();
            List<String> names = new ArrayList<>();
            node.fieldNames().forEachRemaining(names::add);
            names.sort(null);
            for (String name : names) {
                sorted.set(name, canonical(node.get(name)));
            }
            return sorted;
        }
        if (node.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            node.forEach(element -> copy.add(canonical(element)));
            return copy;
        }
        return node;
    }
}
