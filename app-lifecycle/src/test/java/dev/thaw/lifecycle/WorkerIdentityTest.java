package dev.thaw.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.thaw.lifecycle.control.Message;
import dev.thaw.lifecycle.control.MessageType;
import dev.thaw.lifecycle.control.ProtocolException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkerIdentityTest {
    private static final Instant RESTORED_AT = Instant.parse("2025-01-02T03:04:05.678Z");

    @Test
    void identity_round_trips_through_an_encoded_IDENTITY_line_with_env_and_prop_overrides() {
        WorkerIdentity original = new WorkerIdentity(3, 7, RESTORED_AT, Path.of("/run/thaw/control.sock"),
                Duration.ofMillis(250),
                Map.of("DB_URL", "jdbc:postgresql://db/app?user=a b", "GREETING", "grüße\nzwei"),
                Map.of("server.port", "8083", "x", "y=z"));

        String line = original.toMessage().encode();
        WorkerIdentity decoded = WorkerIdentity.fromMessage(Message.decode(line), RESTORED_AT);

        assertEquals(original, decoded);
    }

    @Test
    void toMessage_writes_env_and_prop_fields_with_their_prefixes() {
        WorkerIdentity id = new WorkerIdentity(2, 1, RESTORED_AT, Path.of("/tmp/c.sock"), Duration.ofSeconds(1),
                Map.of("A", "1"), Map.of("b", "2"));

        Message m = id.toMessage();

        assertEquals(MessageType.IDENTITY, m.type());
        assertEquals(Map.of("worker", "2", "generation", "1", "control", "/tmp/c.sock", "heartbeat-ms", "1000",
                "env.A", "1", "prop.b", "2"), m.fields());
    }

    @Test
    void fromMessage_defaults_the_heartbeat_to_one_second_and_ignores_unknown_fields() {
        Message m = Message.decode("IDENTITY worker=0 generation=4 control=%2Ftmp%2Fc.sock future-field=1");

        WorkerIdentity id = WorkerIdentity.fromMessage(m, RESTORED_AT);

        assertEquals(new WorkerIdentity(0, 4, RESTORED_AT, Path.of("/tmp/c.sock"), Duration.ofSeconds(1),
                Map.of(), Map.of()), id);
    }

    @Test
    void fromMessage_rejects_an_identity_without_worker() {
        Message m = Message.decode("IDENTITY generation=1 control=%2Ftmp%2Fc.sock");

        assertThrows(ProtocolException.class, () -> WorkerIdentity.fromMessage(m, RESTORED_AT));
    }

    @Test
    void fromMessage_rejects_other_message_types() {
        assertThrows(IllegalArgumentException.class,
                () -> WorkerIdentity.fromMessage(Message.decode("ABORT reason=x"), RESTORED_AT));
    }

    @Test
    void log_prefix_is_worker_and_generation() {
        WorkerIdentity id = new WorkerIdentity(3, 2, RESTORED_AT, Path.of("/c"), Duration.ofSeconds(1), Map.of(), Map.of());

        assertEquals("worker=3 gen=2", id.logPrefix());
    }
}
