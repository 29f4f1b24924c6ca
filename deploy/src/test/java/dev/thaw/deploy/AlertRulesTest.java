package dev.thaw.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.thaw.metrics.MetricsDoc;
import dev.thaw.testkit.MachineRequirement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * deploy/prometheus/thaw-alerts.yml: Prometheus's promtool accepts the rules and their unit tests
 * (thaw-alerts.test.yml) pass; the rules query only metrics thaw run exposes; every alert is unit-tested
 * firing and is documented in docs/metrics.md. Without promtool the promtool tests are skipped, unless
 * THAW_REQUIRE_CRIU=1 (CI), where that is a failure: scripts/setup installs it.
 */
class AlertRulesTest {
    private static final Path RULES = ManifestTest.REPO.resolve(Promtool.ALERT_RULES);
    private static final Path TESTS = ManifestTest.REPO.resolve(Promtool.ALERT_TESTS);

    private static void requirePromtool() {
        Promtool.missing().ifPresent(MachineRequirement::unmet);
    }

    @Test
    void promtool_check_rules_accepts_every_rule() {
        requirePromtool();
        Promtool.Result r = Promtool.run(null, "check", "rules", RULES.toString());
        assertTrue(r.ok(), r.output());
        int rules = 0;
        try {
            rules = AlertRules.read(RULES).size();
        } catch (Exception e) {
            fail(e);
        }
        assertTrue(r.output().contains("SUCCESS: " + rules + " rules found"), r.output());
    }

    @Test
    void promtool_test_rules_passes_the_unit_tests() {
        requirePromtool();
        Promtool.Result r = Promtool.run(null, "test", "rules", TESTS.toString());
        assertTrue(r.ok(), r.output());
        assertTrue(r.output().contains("SUCCESS"), r.output());
    }

    @Test
    void the_rules_alert_on_crash_loops_readiness_restore_time_and_memory_recycling() throws Exception {
        Set<String> names = AlertRules.read(RULES).stream().map(AlertRules.Rule::alert).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(new TreeSet<>(Set.of("ThawWorkerCrashLoop", "ThawPoolBelowMinReady", "ThawRestoreSlow", "ThawMemoryRecyclingFrequent")),
                names);
    }

    /** A renamed metric must not leave an alert that can never fire. */
    @Test
    void the_rules_query_only_metrics_thaw_run_exposes() throws Exception {
        Set<String> exposed = new TreeSet<>();
        for (MetricsDoc.Family f : MetricsDoc.families()) {
            exposed.add(f.exposedName());
            if ("histogram".equals(f.type())) {
                exposed.addAll(Set.of(f.exposedName() + "_bucket", f.exposedName() + "_sum", f.exposedName() + "_count"));
            }
        }
        Pattern metric = Pattern.compile("\\bthaw_[a-z0-9_]+");
        for (AlertRules.Rule rule : AlertRules.read(RULES)) {
            Matcher m = metric.matcher(rule.expr());
            boolean any = false;
            while (m.find()) {
                any = true;
                assertTrue(exposed.contains(m.group()), rule.alert() + " queries " + m.group() + ", which thaw run does not expose");
            }
            assertTrue(any, rule.alert() + " queries no thaw metric");
        }
    }

    @Test
    void every_alert_is_unit_tested_firing_and_silent() throws Exception {
        JsonNode tests = new ObjectMapper(new YAMLFactory()).readTree(TESTS.toFile());
        Set<String> fired = new TreeSet<>();
        Set<String> silent = new TreeSet<>();
        for (JsonNode test : tests.path("tests")) {
            for (JsonNode check : test.path("alert_rule_test")) {
                (check.path("exp_alerts").isEmpty() ? silent : fired).add(check.path("alertname").asText());
            }
        }
        Set<String> names = AlertRules.read(RULES).stream().map(AlertRules.Rule::alert).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(names, fired, "alerts with a unit test where they fire");
        assertEquals(names, silent, "alerts with a unit test where they stay silent");
    }

    @Test
    void docs_metrics_md_explains_every_alert() throws Exception {
        String doc = Files.readString(ManifestTest.REPO.resolve("docs/metrics.md"));
        int section = doc.indexOf("\n## Alerts");
        assertTrue(section >= 0, "docs/metrics.md has no '## Alerts' section");
        String alerts = doc.substring(section);
        assertTrue(alerts.contains(Promtool.ALERT_RULES), "the section names the rules file");
        for (AlertRules.Rule rule : AlertRules.read(RULES)) {
            assertTrue(alerts.contains("`" + rule.alert() + "`"), rule.alert() + " is not explained in docs/metrics.md");
        }
    }

    @Test
    void durations_are_read_like_prometheus() {
        assertEquals(List.of(java.time.Duration.ofSeconds(90), java.time.Duration.ofMinutes(2), java.time.Duration.ofHours(1)),
                List.of(AlertRules.duration("90s"), AlertRules.duration("2m"), AlertRules.duration("1h")));
    }
}
