package dev.thaw.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The alerting rules of deploy/prometheus/thaw-alerts.yml, read as Prometheus reads the file's groups. */
public final class AlertRules {
    private AlertRules() {
    }

    /** One alerting rule: its name, its PromQL expression and how long it must hold before it fires. */
    public record Rule(String alert, String expr, Duration pendingFor) {
    }

    public static List<Rule> read(Path file) throws IOException {
        JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(file.toFile());
        List<Rule> rules = new ArrayList<>();
        for (JsonNode group : root.path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                if (rule.has("alert")) {
                    rules.add(new Rule(rule.path("alert").asText(), rule.path("expr").asText().strip(), duration(rule.path("for").asText("0s"))));
                }
            }
        }
        return rules;
    }

    /** A Prometheus duration of one unit (what these rules use): 90s, 2m, 1h. */
    static Duration duration(String text) {
        long n = Long.parseLong(text.substring(0, text.length() - 1));
        return switch (text.charAt(text.length() - 1)) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            default -> throw new IllegalArgumentException("unsupported duration " + text);
        };
    }
}
