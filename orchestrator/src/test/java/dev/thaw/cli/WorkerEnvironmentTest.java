package dev.thaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.engine.ThawException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WorkerEnvironmentTest {

    @Test
    void workers_get_thaws_environment_with_the_env_flags_on_top() {
        Map<String, String> env = WorkerEnvironment.of(Map.of("DB_PASSWORD", "rotated", "GREETING", "hi"), Map.of("GREETING", "flag"));

        assertEquals(Map.of("DB_PASSWORD", "rotated", "GREETING", "flag"), env);
    }

    @Test
    void an_environment_too_large_for_the_identity_line_is_a_usage_error_naming_the_fix() {
        ThawException e = assertThrows(ThawException.class,
                () -> WorkerEnvironment.of(Map.of("HUGE", "x".repeat(60 * 1024)), Map.of()));

        assertEquals(ThawException.EXIT_USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("pass what the app needs with --env"), e.getMessage());
    }
}
