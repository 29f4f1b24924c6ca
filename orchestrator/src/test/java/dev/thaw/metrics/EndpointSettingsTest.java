package dev.thaw.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.config.SettingException;
import dev.thaw.config.SettingSources;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EndpointSettingsTest {
    private static EndpointSettings settings(Map<String, String> flags, int workers) {
        return EndpointSettings.from(new SettingSources(flags, Map.of(), null), workers);
    }

    @Test
    void by_default_the_endpoint_listens_on_loopback_9191_and_one_ready_worker_is_ready() {
        EndpointSettings s = settings(Map.of(), 2);
        assertEquals(Optional.of(new InetSocketAddress("127.0.0.1", 9191)), s.address());
        assertEquals(1, s.minReadyWorkers());
    }

    @Test
    void off_disables_it_and_ipv6_takes_brackets() {
        assertEquals(Optional.empty(), settings(Map.of("http-address", "off"), 2).address());
        InetSocketAddress v6 = settings(Map.of("http-address", "[::1]:9292"), 2).address().orElseThrow();
        assertTrue(v6.getAddress().isLoopbackAddress() && v6.getPort() == 9292, v6.toString());
    }

    @Test
    void a_bad_address_names_the_setting_and_what_is_accepted() {
        SettingException noHost = assertThrows(SettingException.class, () -> settings(Map.of("http-address", "9191"), 2));
        assertEquals("http-address = '9191' from flag --http-address is invalid: expected HOST:PORT (e.g. 127.0.0.1:9191,"
                + " 0.0.0.0:9191) or off", noHost.getMessage());
        SettingException badPort = assertThrows(SettingException.class, () -> settings(Map.of("http-address", "127.0.0.1:70000"), 2));
        assertTrue(badPort.getMessage().endsWith("is invalid: expected 0..65535"), badPort.getMessage());
    }

    @Test
    void more_ready_workers_required_than_workers_run_is_refused_with_the_fix() {
        SettingException e = assertThrows(SettingException.class, () -> settings(Map.of("min-ready-workers", "3"), 2));
        assertEquals("min-ready-workers (3) is more than workers (2): /readyz would never answer 200;"
                + " lower --min-ready-workers or raise --workers", e.getMessage());
    }
}
