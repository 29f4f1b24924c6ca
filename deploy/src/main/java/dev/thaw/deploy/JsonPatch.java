package dev.thaw.deploy;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * The two RFC 6902 operations the overlays of deploy/k8s use, {@code add} and {@code replace}, applied
 * in place as kustomize applies a JSON patch. Any other operation, or a path that does not exist, is an
 * error: a patch that kustomize would apply differently must not pass the manifest tests silently.
 */
final class JsonPatch {
    private JsonPatch() {
    }

    static void apply(JsonNode document, JsonNode operation) throws IOException {
        String op = operation.path("op").asText();
        String path = operation.path("path").asText();
        JsonNode value = operation.get("value");
        if (!op.equals("add") && !op.equals("replace") || value == null) {
            throw new IOException("JSON patch operation " + operation + ": only add and replace, with a value, are read here");
        }
        JsonPointer pointer = JsonPointer.compile(path);
        JsonNode parent = document.at(pointer.head());
        String last = pointer.last().getMatchingProperty();
        if (parent instanceof ObjectNode object) {
            if (op.equals("replace") && !object.has(last)) {
                throw new IOException("JSON patch: replace " + path + ", which does not exist");
            }
            object.set(last, value.deepCopy());
        } else if (parent instanceof ArrayNode array) {
            if (last.equals("-") && op.equals("add")) {
                array.add(value.deepCopy());
                return;
            }
            int index = pointer.last().getMatchingIndex();
            if (index < 0 || index >= array.size() + (op.equals("add") ? 1 : 0)) {
                throw new IOException("JSON patch: " + op + " " + path + ": no such index");
            }
            if (op.equals("add")) {
                array.insert(index, value.deepCopy());
            } else {
                array.set(index, value.deepCopy());
            }
        } else {
            throw new IOException("JSON patch: " + op + " " + path + ": " + pointer.head() + " is not an object or array");
        }
    }
}
