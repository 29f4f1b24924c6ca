package dev.thaw.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Every PromQL expression of the Grafana dashboard (deploy/grafana/thaw.json), with Grafana's variables
 * replaced by concrete values, so that Prometheus itself can evaluate what each panel would show.
 */
public final class DashboardQueries {
    private DashboardQueries() {
    }

    /** One target of one panel: the panel's title, the target's refId and the expression as written. */
    public record Query(String panel, String refId, String expr) {
        /** The expression with each {@code $name} (and {@code ${name}}) of {@code values} replaced, longest name first. */
        public String with(Map<String, String> values) {
            String e = expr;
            List<String> names = values.keySet().stream().sorted((a, b) -> b.length() - a.length()).toList();
            for (String name : names) {
                e = e.replace("${" + name + "}", values.get(name)).replace("$" + name, values.get(name));
            }
            if (e.contains("$")) {
                throw new IllegalArgumentException("a Grafana variable is left in " + e + " (panel " + panel + ")");
            }
            return e;
        }
    }

    public static List<Query> read(Path dashboard) throws IOException {
        JsonNode root = new ObjectMapper().readTree(dashboard.toFile());
        List<Query> queries = new ArrayList<>();
        collect(root.path("panels"), queries);
        return queries;
    }

    /** Panels of rows (collapsed rows keep theirs in "panels") included. */
    private static void collect(JsonNode panels, List<Query> queries) {
        for (JsonNode panel : panels) {
            for (JsonNode target : panel.path("targets")) {
                if (target.hasNonNull("expr") && !target.path("expr").asText().isBlank()) {
                    queries.add(new Query(panel.path("title").asText(), target.path("refId").asText(), target.path("expr").asText()));
                }
            }
            collect(panel.path("panels"), queries);
        }
    }

    /** The names of the dashboard's template variables (job, instance, datasource...). */
    public static List<String> variables(Path dashboard) throws IOException {
        List<String> names = new ArrayList<>();
        for (JsonNode v : new ObjectMapper().readTree(dashboard.toFile()).path("templating").path("list")) {
            names.add(v.path("name").asText());
        }
        return names;
    }
}
