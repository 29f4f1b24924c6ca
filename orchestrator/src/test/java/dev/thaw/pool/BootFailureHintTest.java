package dev.thaw.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BootFailureHintTest {
    @Test
    void a_port_already_in_use_names_the_reuse_port_option() {
        assertTrue(BootFailureHint.forReason("java.net.BindException: Address already in use").contains("-Dthaw.reuse-port=true"));
        assertTrue(BootFailureHint.forReason("PortInUseException: Port 8080 was already in use.").contains("SO_REUSEPORT"));
    }

    @Test
    void other_failures_get_no_hint() {
        assertEquals("", BootFailureHint.forReason("criu: Can't restore"));
        assertEquals("", BootFailureHint.forReason(null));
    }
}
