package dev.thaw.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ContainerCapabilitiesTest {
    @Test
    void drop_all_then_add_leaves_exactly_the_added_ones() {
        var sc = new SecurityContextBuilder().withNewCapabilities().withDrop("ALL").withAdd("SYS_ADMIN", "CAP_SYS_PTRACE").endCapabilities().build();
        assertEquals(Set.of("SYS_ADMIN", "SYS_PTRACE"), ContainerCapabilities.of(sc));
    }

    @Test
    void without_drop_all_the_runtimes_default_set_is_the_start() {
        var sc = new SecurityContextBuilder().withNewCapabilities().withDrop("NET_RAW").withAdd("SYS_ADMIN").endCapabilities().build();
        Set<String> caps = ContainerCapabilities.of(sc);
        assertTrue(caps.contains("CHOWN") && caps.contains("SYS_ADMIN") && !caps.contains("NET_RAW"), caps.toString());
    }

    @Test
    void a_proc_status_mask_reads_as_capability_names() {
        assertEquals(Set.of("SETPCAP", "SYS_PTRACE", "SYS_ADMIN"), ContainerCapabilities.fromMask("0000000000280100"));
        assertEquals(Set.of("CHECKPOINT_RESTORE"), ContainerCapabilities.fromMask("0000010000000000"));
    }
}
