package dev.thaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.ThawException;
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

    @Test
    void a_name_the_identity_line_cannot_carry_is_refused_when_parsed_not_at_every_restore() {
        ThawException e = assertThrows(ThawException.class, () -> WorkerEnvironment.of(Map.of(), Map.of("A B", "1")));
        assertEquals(ThawException.EXIT_USAGE, e.exitCode());
        assertEquals("--env 'A B': a name may not be empty or hold a space, '=' or a line break: write --env NAME=VALUE", e.getMessage());
        assertThrows(ThawException.class, () -> WorkerEnvironment.requireNames("-D", Map.of("a b", "1")));
        assertThrows(ThawException.class, () -> WorkerEnvironment.requireNames("-D", Map.of("a\nb", "1")));
    }

    @Test
    void such_a_name_in_thaws_own_environment_is_left_out_instead_of_failing_every_restore() {
        assertEquals(Map.of("OK", "1"), WorkerEnvironment.of(Map.of("A B", "1", "OK", "1"), Map.of()));
    }
}
