package dev.thaw.lifecycle.control;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Every control message survives the wire, and a line that is not one fails with what is wrong. */
class ControlMessageTest {
    private static ControlMessage overTheWire(ControlMessage m) {
        return ControlMessage.decode(Message.decode(m.encode().encode()));
    }

    @Test
    void every_message_decodes_to_what_was_encoded() {
        List<ControlMessage> all = List.of(ControlMessage.Hello.worker(3), ControlMessage.Hello.leader(), ControlMessage.Hello.cli(),
                new ControlMessage.Checkpoint(),
                new ControlMessage.ReadyToDump(42, new ControlMessage.MemoryAfterGc(1, 2, 3, 4), "guardrail: passed\n  - 0 sockets"),
                new ControlMessage.ReadyToDump(42, new ControlMessage.MemoryAfterGc(1, 2, 3, 4), null),
                new ControlMessage.ReadyToDump(42, new ControlMessage.MemoryAfterGc(1, 2, 3, 4), "guardrail: passed", 2000L),
                new ControlMessage.ReadyToDump(42, new ControlMessage.MemoryAfterGc(1, 2, 3, 4), null, 0L),
                new ControlMessage.CheckpointFailed("a=b\nc", true), new ControlMessage.CheckpointFailed("x", false),
                new ControlMessage.Abort("thaw check: no dump"), new ControlMessage.Ready(2, 17), new ControlMessage.RestoreFailed(2, "db down"),
                new ControlMessage.ReopenLogs(), new ControlMessage.Status(), new ControlMessage.Scale(4), new ControlMessage.Reload(),
                new ControlMessage.Reply(true, "scaling to 4 workers", null), new ControlMessage.Reply(false, "", "{\"a\":1}"));
        for (ControlMessage m : all) {
            assertEquals(m, overTheWire(m), m.toString());
        }
    }

    @Test
    void a_heartbeat_keeps_its_latency_histogram() {
        var sent = new ControlMessage.Heartbeat(1, 7, 2, 3, new ControlMessage.Latency(new long[] {5, 50}, new long[] {4, 6}, 7, 1500),
                100, 200, 25, 3);
        var got = (ControlMessage.Heartbeat) overTheWire(sent);
        assertEquals(7, got.requests());
        assertEquals(2, got.inFlight());
        assertArrayEquals(new long[] {5, 50}, got.latency().boundsMillis());
        assertArrayEquals(new long[] {4, 6}, got.latency().cumulative());
        assertEquals(25, got.gcPauseMillis());
    }

    @Test
    void a_missing_field_or_a_number_that_is_not_one_is_a_protocol_error_naming_it() {
        ProtocolException missing = assertThrows(ProtocolException.class,
                () -> ControlMessage.decode(Message.of(MessageType.READY, "worker", "1")));
        assertTrue(missing.getMessage().contains("READY without after-restore-ms"), missing.getMessage());
        ProtocolException notANumber = assertThrows(ProtocolException.class,
                () -> ControlMessage.decode(Message.of(MessageType.SCALE, "workers", "many")));
        assertTrue(notANumber.getMessage().contains("workers=many is not a number"), notANumber.getMessage());
        ProtocolException tooBig = assertThrows(ProtocolException.class,
                () -> ControlMessage.decode(Message.of(MessageType.SCALE, "workers", "99999999999")));
        assertTrue(tooBig.getMessage().contains("out of range"), tooBig.getMessage());
        assertThrows(ProtocolException.class, () -> ControlMessage.decode(Message.of(MessageType.HELLO, "role", "root", "pid", "1")));
    }

    @Test
    void a_worker_cannot_report_a_negative_count() {
        Message m = new ControlMessage.Heartbeat(0, 1, 0, 0, new ControlMessage.Latency(new long[0], new long[0], 0, 0), 0, 0, 0, 0)
                .encode().with("requests", "-5");
        ProtocolException e = assertThrows(ProtocolException.class, () -> ControlMessage.decode(m));
        assertTrue(e.getMessage().contains("requests=-5 is out of range"), e.getMessage());
    }

    @Test
    void a_latency_histogram_that_does_not_ascend_is_refused() {
        Message m = new ControlMessage.Heartbeat(0, 1, 0, 0, new ControlMessage.Latency(new long[] {5, 50}, new long[] {1, 2}, 2, 10),
                0, 0, 0, 0).encode().with("latency-bounds-ms", "50,5");
        ProtocolException e = assertThrows(ProtocolException.class, () -> ControlMessage.decode(m));
        assertTrue(e.getMessage().contains("ascend"), e.getMessage());
    }

    @Test
    void identity_is_not_a_socket_message() {
        assertThrows(ProtocolException.class, () -> ControlMessage.decode(Message.of(MessageType.IDENTITY, "worker", "1")));
    }
}
