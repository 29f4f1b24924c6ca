package dev.thaw.leader;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.ThawException;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SharedPortTest {
    private static final List<URI> URLS = List.of(URI.create("http://127.0.0.1:8080/health"));
    private static final Optional<Boolean> LISTENS = Optional.of(true);

    @Test
    void a_leader_that_served_under_half_of_the_answered_warmup_is_refused_with_the_port_and_the_fix() {
        ThawException e = assertThrows(ThawException.class, () -> SharedPort.requireLeaderAnswered(URLS, 201, 40L, LISTENS));

        assertEquals(ThawException.EXIT_USAGE, e.exitCode());
        assertTrue(e.getMessage().startsWith("another process answered 161 of the 201 warm-up requests on port 127.0.0.1:8080"
                + " (the leader served 40)"), e.getMessage());
        assertFix(e);
    }

    @Test
    void a_leader_not_listening_on_the_port_after_the_warmup_is_refused_even_without_a_count() {
        ThawException e = assertThrows(ThawException.class, () -> SharedPort.requireLeaderAnswered(URLS, 201, null, Optional.of(false)));

        assertEquals(ThawException.EXIT_USAGE, e.exitCode());
        assertTrue(e.getMessage().startsWith("another process answered the 201 warm-up requests on port 127.0.0.1:8080:"
                + " the leader did not even listen there yet"), e.getMessage());
        assertFix(e);
    }

    private static void assertFix(ThawException e) {
        assertTrue(e.getMessage().contains("stop that process"), e.getMessage());
        assertTrue(e.getMessage().contains("pick another port"), e.getMessage());
        assertTrue(e.getMessage().contains("the previous one, if any, is untouched"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }

    @Test
    void a_leader_that_served_half_or_more_passes() {
        assertDoesNotThrow(() -> SharedPort.requireLeaderAnswered(URLS, 201, 101L, LISTENS));
        assertDoesNotThrow(() -> SharedPort.requireLeaderAnswered(URLS, 200, 100L, LISTENS));
        // the leader also counts what it answered with other codes, and requests from elsewhere: more than was answered 200
        assertDoesNotThrow(() -> SharedPort.requireLeaderAnswered(URLS, 201, 250L, LISTENS));
    }

    @Test
    void what_cannot_be_told_is_not_held_against_the_leader() {
        assertDoesNotThrow(() -> SharedPort.requireLeaderAnswered(URLS, 2001, null, LISTENS));
        assertDoesNotThrow(() -> SharedPort.requireLeaderAnswered(URLS, 2001, null, Optional.empty()));
        assertDoesNotThrow(() -> SharedPort.requireLeaderAnswered(URLS, SharedPort.MIN_ANSWERED - 1, 0L, Optional.of(false)));
    }

    @Test
    void every_port_of_the_warmup_is_named_once() {
        List<URI> urls = List.of(URI.create("http://127.0.0.1:8080/a"), URI.create("http://127.0.0.1:8080/b"),
                URI.create("http://127.0.0.1:8081/c"), URI.create("https://localhost/d"));
        ThawException e = assertThrows(ThawException.class, () -> SharedPort.requireLeaderAnswered(urls, 100, 0L, LISTENS));

        assertTrue(e.getMessage().contains("on ports 127.0.0.1:8080, 127.0.0.1:8081, localhost:443 "), e.getMessage());
        assertEquals(Set.of(8080, 8081, 443), SharedPort.portsOf(urls));
    }
}
