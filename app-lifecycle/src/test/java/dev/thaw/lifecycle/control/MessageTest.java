package dev.thaw.lifecycle.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MessageTest {

    @Test
    void encode_decode_round_trip_keeps_values_with_spaces_equals_newlines_and_unicode() {
        Message original = Message.of(MessageType.CHECKPOINT_FAILED,
                "error", "beforeCheckpoint failed\n  - java.lang.IllegalStateException: a=b c",
                "unicode", "grüße, 日本, 🚀",
                "specials", "100% + ? & # / \\ \t \r",
                "empty", "");

        String line = original.encode();
        Message decoded = Message.decode(line);

        assertEquals(original, decoded);
        assertEquals(original.fields().keySet().stream().toList(), decoded.fields().keySet().stream().toList(),
                "field order");
    }

    @Test
    void encoded_message_is_one_line_of_space_separated_key_value_words() {
        String line = Message.of(MessageType.HELLO, "role", "leader", "note", "a b=c\nd").encode();

        assertFalse(line.contains("\n"), line);
        assertFalse(line.contains("\r"), line);
        String[] words = line.split(" ");
        assertEquals(3, words.length, line);
        assertEquals("HELLO", words[0]);
        assertEquals("role=leader", words[1]);
        assertTrue(words[2].startsWith("note="), line);
        assertEquals(1, words[2].chars().filter(c -> c == '=').count(), line);
    }

    @Test
    void decode_reads_a_hand_written_line() {
        Message m = Message.decode("HELLO role=worker worker=2 error=a+b%3Dc%0Ad");

        assertEquals(MessageType.HELLO, m.type());
        assertEquals(Map.of("role", "worker", "worker", "2", "error", "a b=c\nd"), m.fields());
    }

    @Test
    void decode_tolerates_surrounding_whitespace_and_repeated_spaces() {
        Message m = Message.decode("  READY   worker=1  \r");

        assertEquals(Message.of(MessageType.READY, "worker", "1"), m);
    }

    @Test
    void message_without_fields_round_trips() {
        assertEquals("CHECKPOINT", Message.of(MessageType.CHECKPOINT).encode());
        assertEquals(Message.of(MessageType.CHECKPOINT), Message.decode("CHECKPOINT"));
    }

    @Test
    void unknown_message_type_is_rejected_with_ProtocolException() {
        ProtocolException e = assertThrows(ProtocolException.class, () -> Message.decode("REBOOT now=1"));

        assertTrue(e.getMessage().contains("unknown message type: REBOOT"), e.getMessage());
        assertThrows(ProtocolException.class, () -> Message.decode("hello role=leader"));
        assertThrows(ProtocolException.class, () -> Message.decode(""));
    }

    @Test
    void field_without_equals_sign_is_rejected_with_ProtocolException() {
        ProtocolException e = assertThrows(ProtocolException.class, () -> Message.decode("HELLO role"));

        assertTrue(e.getMessage().contains("malformed field in HELLO: role"), e.getMessage());
    }

    @Test
    void field_with_an_empty_key_is_rejected_with_ProtocolException() {
        assertThrows(ProtocolException.class, () -> Message.decode("HELLO =leader"));
    }

    @Test
    void bad_percent_escape_is_rejected_with_ProtocolException() {
        assertThrows(ProtocolException.class, () -> Message.decode("HELLO role=%zz"));
    }

    @Test
    void encoding_a_key_that_cannot_be_parsed_back_is_refused() {
        assertThrows(IllegalArgumentException.class, () -> Message.of(MessageType.HELLO, "a=b", "x").encode());
        assertThrows(IllegalArgumentException.class, () -> Message.of(MessageType.HELLO, "a b", "x").encode());
        assertThrows(IllegalArgumentException.class, () -> Message.of(MessageType.HELLO, "", "x").encode());
    }

    @Test
    void of_requires_keys_and_values_in_pairs() {
        assertThrows(IllegalArgumentException.class, () -> Message.of(MessageType.HELLO, "role"));
    }

    @Test
    void require_names_the_message_type_and_missing_key() {
        ProtocolException e = assertThrows(ProtocolException.class, () -> Message.of(MessageType.READY).require("worker"));

        assertEquals("READY without worker", e.getMessage());
    }

    @Test
    void with_prefix_returns_matching_fields_without_the_prefix() {
        Message m = Message.of(MessageType.IDENTITY, "env.A", "1", "prop.b", "2", "environment", "3");

        assertEquals(Map.of("A", "1"), m.withPrefix("env."));
        assertEquals(Map.of("b", "2"), m.withPrefix("prop."));
        assertEquals(Optional.empty(), m.get("env.B"));
    }

    @Test
    void fields_cannot_be_changed_after_construction() {
        Message m = Message.of(MessageType.READY, "worker", "1");

        assertThrows(UnsupportedOperationException.class, () -> m.fields().put("worker", "2"));
        assertEquals(Optional.of("2"), m.with("worker", "2").get("worker"));
        assertEquals(Optional.of("1"), m.get("worker"));
    }
}
