package dev.thaw.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's expressions as PrometheusTest evaluates them: every one found, and every Grafana
 * variable in them one that the test gives a value (a new variable must be given one there too).
 */
class DashboardQueriesTest {
    private static final Path DASHBOARD = ManifestTest.REPO.resolve("deploy/grafana/thaw.json");
    static final Map<String, String> VALUES = Map.of("job", "thaw", "instance", "127.0.0.1:9191", "__rate_interval", "2m",
            "__range", "5m");

    @Test
    void every_panel_target_is_read_and_takes_concrete_values_for_its_variables() throws Exception {
        List<DashboardQueries.Query> queries = DashboardQueries.read(DASHBOARD);
        assertTrue(queries.size() >= 20, "targets: " + queries.size());
        for (DashboardQueries.Query q : queries) {
            String expr = q.with(VALUES);
            assertTrue(expr.contains("job=~\"thaw\"") && expr.contains("instance=~\"127.0.0.1:9191\""),
                    q.panel() + ": every query selects by the dashboard's job and instance: " + expr);
        }
        assertEquals(List.of("datasource", "job", "instance"), DashboardQueries.variables(DASHBOARD));
    }

    @Test
    void a_variable_left_without_a_value_is_an_error() {
        DashboardQueries.Query q = new DashboardQueries.Query("p", "A", "rate(x{pod=~\"$pod\"}[$__rate_interval])");
        assertThrows(IllegalArgumentException.class, () -> q.with(VALUES));
        assertEquals("rate(x{pod=~\"a\"}[1m])", q.with(Map.of("pod", "a", "__rate_interval", "1m")));
    }
}
