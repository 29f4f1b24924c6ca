package dev.thaw.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class MetricsDocTest {
    private static final String ALERTS = "\n## Alerts\n";

    /**
     * docs/metrics.md is generated up to its hand-written section "Alerts" (the rules in deploy/prometheus);
     * run with -Dthaw.regenerate-docs=true to rewrite the generated part after changing a metric.
     */
    @Test
    void docs_metrics_md_lists_every_metric_the_registry_exposes() throws Exception {
        Path doc = Path.of("..", "docs", "metrics.md");
        String expected = MetricsDoc.markdown();
        String text = Files.readString(doc);
        int alerts = text.indexOf(ALERTS);
        String generated = alerts < 0 ? text : text.substring(0, alerts);
        if (Boolean.getBoolean("thaw.regenerate-docs")) {
            Files.writeString(doc, expected + (alerts < 0 ? "" : text.substring(alerts)));
            generated = expected;
        }
        assertEquals(expected, generated,
                "docs/metrics.md is out of date: run 'mvn -f orchestrator/pom.xml test -Dtest=MetricsDocTest -Dthaw.regenerate-docs=true'");
    }

    @Test
    void every_metric_follows_prometheus_naming_conventions() {
        for (MetricsDoc.Family f : MetricsDoc.families()) {
            String n = f.exposedName();
            assertTrue(n.matches("thaw_[a-z][a-z0-9_]*"), n);
            assertEquals("counter".equals(f.type()), n.endsWith("_total"), n + " is a " + f.type());
            assertTrue(!n.contains("millis") && !n.contains("_kb") && !n.contains("_mb") && !n.contains("_ms"), n + ": base units only");
            assertTrue(!f.help().isBlank(), n + " has no help text");
        }
    }

    /** The dashboard queries only metrics that exist, so a renamed metric cannot leave an empty panel behind. */
    @Test
    void the_grafana_dashboard_queries_only_exposed_metrics_and_shows_each_kind() throws Exception {
        JsonNode dashboard = new ObjectMapper().readTree(Path.of("..", "deploy", "grafana", "thaw.json").toFile());
        Set<String> exposed = new TreeSet<>();
        for (MetricsDoc.Family f : MetricsDoc.families()) {
            exposed.add(f.exposedName());
            if ("histogram".equals(f.type())) {
                exposed.addAll(Set.of(f.exposedName() + "_bucket", f.exposedName() + "_sum", f.exposedName() + "_count"));
            }
        }
        Set<String> queried = new TreeSet<>();
        Pattern metric = Pattern.compile("\\bthaw_[a-z0-9_]+");
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                Matcher m = metric.matcher(target.path("expr").asText());
                while (m.find()) {
                    queried.add(m.group());
                }
            }
        }
        Set<String> unknown = queried.stream().filter(q -> !exposed.contains(q)).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(Set.of(), unknown, "the dashboard queries metrics that do not exist");
        for (String needed : Set.of("thaw_workers", "thaw_restore_duration_seconds_bucket", "thaw_worker_replacements_total",
                "thaw_worker_pss_bytes", "thaw_ksm_sharing_bytes", "thaw_worker_requests_total",
                "thaw_worker_request_duration_seconds_bucket", "thaw_worker_heap_used_bytes", "thaw_worker_gc_pause_seconds_total",
                "thaw_image_size_bytes")) {
            assertTrue(queried.contains(needed), "no panel shows " + needed);
        }
    }
}
