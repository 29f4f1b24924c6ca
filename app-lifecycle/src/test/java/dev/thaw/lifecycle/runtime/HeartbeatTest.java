package dev.thaw.lifecycle.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.lifecycle.Requests;
import dev.thaw.lifecycle.control.Message;
import dev.thaw.lifecycle.control.MessageType;
import org.junit.jupiter.api.Test;

class HeartbeatTest {
    @Test
    void the_heartbeat_keeps_its_old_fields_and_adds_latency_heap_and_gc_in_one_line() throws Exception {
        Requests.reset();
        Requests.end(Requests.begin());
        Message sent = WorkerSession.heartbeatMessage(3, Requests.snapshot(), new JvmStats.Sample(1000, 2000, 7, 2));
        Message m = Message.decode(sent.encode());
        assertEquals(MessageType.HEARTBEAT, m.type());
        assertEquals("3", m.require("worker"));
        assertEquals("1", m.require("requests"));
        assertEquals("0", m.require("inflight"));
        assertEquals("0", m.require("oldest-ms"));
        assertEquals("1,5,10,25,50,100,250,500,1000,2500,5000,10000", m.require("latency-bounds-ms"));
        assertEquals(Requests.LATENCY_BOUNDS_MILLIS.length, m.require("latency-cumulative").split(",").length);
        assertEquals("1", m.require("latency-count"));
        assertEquals("1000", m.require("heap-used"));
        assertEquals("2000", m.require("heap-committed"));
        assertEquals("7", m.require("gc-pause-ms"));
        assertEquals("2", m.require("gc-count"));
    }

    @Test
    void gc_figures_count_from_the_restore_not_from_the_leaders_start() {
        JvmStats stats = new JvmStats();
        JvmStats.Sample before = stats.sample();
        System.gc();
        JvmStats.Sample after = stats.sample();
        assertTrue(before.gcCount() <= after.gcCount());
        assertTrue(after.gcCount() >= 1, "System.gc() is a collection: " + after);
        assertTrue(after.heapCommittedBytes() >= after.heapUsedBytes() && after.heapUsedBytes() > 0, after.toString());
    }
}
