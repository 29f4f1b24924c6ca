package dev.thaw.lifecycle.control;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One line of the control protocol: {@code TYPE key=value key=value...}. Keys are plain words; values
 * are percent-encoded (UTF-8), so a value may hold spaces, '=' or newlines and a message is always
 * one line. Unknown keys are ignored by readers, which lets either side add fields.
 */
public record Message(MessageType type, Map<String, String> fields) {
    /** Protocol version sent in HELLO; bumped on incompatible change. */
    public static final int PROTOCOL_VERSION = 1;
    /** Longest line accepted, so that a confused peer cannot make a reader buffer without end. */
    public static final int MAX_LINE = 64 * 1024;

    public Message {
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    public static Message of(MessageType type, String... keyValues) {
        if (keyValues.length % 2 != 0) {
            throw new IllegalArgumentException("keys and values must come in pairs");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            fields.put(keyValues[i], keyValues[i + 1]);
        }
        return new Message(type, fields);
    }

    public Message with(String key, String value) {
        Map<String, String> copy = new LinkedHashMap<>(fields);
        copy.put(key, value);
        return new Message(type, copy);
    }

    public Optional<String> get(String key) {
        return Optional.ofNullable(fields.get(key));
    }

    public String require(String key) {
        String value = fields.get(key);
        if (value == null) {
            throw new ProtocolException(type + " without " + key);
        }
        return value;
    }

    /** Fields whose key starts with {@code prefix}, with the prefix removed (for env.* and prop.*). */
    public Map<String, String> withPrefix(String prefix) {
        Map<String, String> out = new LinkedHashMap<>();
        fields.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }

    public String encode() {
        StringBuilder line = new StringBuilder(type.name());
        fields.forEach((k, v) -> {
            if (k.isEmpty() || k.chars().anyMatch(c -> c == '=' || c == ' ' || c == '\n')) {
                throw new IllegalArgumentException("bad key: " + k);
            }
            line.append(' ').append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8));
        });
        return line.toString();
    }

    public static Message decode(String line) {
        String[] parts = line.strip().split(" ");
        MessageType type;
        try {
            type = MessageType.valueOf(parts[0]);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException("unknown message type: " + abbreviate(parts[0]));
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (int i = 1; i < parts.length; i++) {
            if (parts[i].isEmpty()) {
                continue;
            }
            int eq = parts[i].indexOf('=');
            if (eq <= 0) {
                throw new ProtocolException("malformed field in " + type + ": " + abbreviate(parts[i]));
            }
            try {
                fields.put(parts[i].substring(0, eq), URLDecoder.decode(parts[i].substring(eq + 1), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new ProtocolException("bad percent-encoding in " + type + ": " + abbreviate(parts[i]));
            }
        }
        return new Message(type, fields);
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    @Override
    public String toString() {
        return encode();
    }
}
