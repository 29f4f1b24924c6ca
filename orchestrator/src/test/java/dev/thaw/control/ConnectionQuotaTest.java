package dev.thaw.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ConnectionQuotaTest {
    private final List<String> log = new ArrayList<>();
    private final AtomicLong now = new AtomicLong();
    /** Peers with a PID of 1000 and more live in a worker's namespace ("ns-<pid / 1000>"); below, in thaw's. */
    private final ConnectionQuota quota = new ConnectionQuota(10, 3,
            p -> p.pid() >= 1000 ? Optional.of("ns-" + p.pid() / 1000) : Optional.empty(), log::add, now::get);

    private static PeerCredentials peer(long pid, int uid) {
        return new PeerCredentials(pid, uid, uid);
    }

    @Test
    void a_worker_namespace_holds_at_most_its_cap_and_its_flood_is_logged_once() {
        List<Runnable> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            held.add(quota.admit(peer(1000 + i, 65534)).orElseThrow());
        }
        for (int i = 0; i < 500; i++) {
            assertTrue(quota.admit(peer(1100 + i, 65534)).isEmpty(), "a fourth connection from the same worker is refused");
        }
        assertEquals(List.of("thaw: control socket: PID namespace ns-1 (uid 65534) holds 3 connections, the most it may: refused one"
                + " from pid 1100; its new ones are refused until it closes some (said at most once a minute)"), log);
        assertTrue(quota.admit(peer(2000, 65534)).isPresent(), "another worker of the same user still connects");
        held.removeFirst().run();
        assertTrue(quota.admit(peer(1001, 65534)).isPresent(), "a place given back is taken again");
    }

    @Test
    void a_user_holds_at_most_its_cap_wherever_its_processes_are_and_refusals_are_counted_between_lines() {
        for (int i = 0; i < 10; i++) {
            assertTrue(quota.admit(peer(10 + i, 1000)).isPresent());
        }
        for (int i = 0; i < 7; i++) {
            assertTrue(quota.admit(peer(50, 1000)).isEmpty());
        }
        assertEquals(1, log.size(), log.toString());
        now.addAndGet(ConnectionQuota.LOG_EVERY_NANOS);
        assertTrue(quota.admit(peer(51, 1000)).isEmpty());
        assertEquals(2, log.size(), log.toString());
        assertTrue(log.get(1).contains("uid 1000 holds 10 connections") && log.get(1).contains("and 6 more since the last line"),
                log.get(1));
        assertTrue(quota.admit(peer(1, 0)).isPresent(), "root's CLI has a quota of its own");
        assertEquals(10, quota.openBy(1000));
    }
}
