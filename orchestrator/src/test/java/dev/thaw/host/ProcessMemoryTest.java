package dev.thaw.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProcessMemoryTest {
    @Test
    void reads_rss_and_pss_of_a_live_process() {
        ProcessMemory m = ProcessMemory.of(ProcessHandle.current().pid());
        assertTrue(m.rss() > 1 << 20, m.toString());
        assertTrue(m.pss() > 0 && m.pss() <= m.rss(), m.toString());
        assertEquals(m.rss(), m.shared() + m.privateBytes(), m.toString());
    }

    @Test
    void a_process_that_is_gone_reads_as_none() {
        assertEquals(ProcessMemory.NONE, ProcessMemory.of(Integer.MAX_VALUE));
    }
}
