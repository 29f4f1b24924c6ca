package dev.thaw.cli;

import dev.thaw.config.GuardrailSettingsSpec;
import dev.thaw.config.Setting;
import dev.thaw.config.SettingSources;
import dev.thaw.lifecycle.agent.ThawAgent;
import dev.thaw.lifecycle.guardrail.GuardrailSettings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The guardrail's options of {@code thaw checkpoint} and {@code thaw check}, generated from
 * {@link GuardrailSettingsSpec}, and what they become on the leader's command line.
 */
final class GuardrailOptions {
    private static final String CONFIG = "--config";

    private GuardrailOptions() {
    }

    static void addTo(CommandSpec command) {
        command.addOption(OptionSpec.builder(CONFIG).paramLabel("FILE").type(Path.class)
                .description("Settings file (Java properties: 'strict-threads = true'); flags and THAW_* win over it.").build());
        for (Setting<?> s : GuardrailSettingsSpec.ALL) {
            String description = s.description() + " (default: " + (s.defaultValue().isEmpty() ? "none" : s.defaultValue())
                    + "; env " + s.envVar() + ")";
            OptionSpec.Builder option = OptionSpec.builder(s.flag()).paramLabel(s.paramLabel()).description(description);
            if (s == GuardrailSettingsSpec.ALLOW) {
                option.type(List.class).auxiliaryTypes(String.class);
            } else if (s.paramLabel().equals("true|false")) {
                option.type(String.class).arity("0..1").fallbackValue("true");
            } else {
                option.type(String.class);
            }
            command.addOption(option.build());
        }
    }

    /** The leader's -D options: the guardrail's settings, and detective mode. */
    static List<String> leaderProperties(CommandSpec command) {
        Path config = command.findOption(CONFIG).getValue();
        SettingSources sources = new SettingSources(givenFlags(command), System.getenv(), config, GuardrailSettingsSpec.ALL);
        GuardrailSettings settings = new GuardrailSettings(sources.value(GuardrailSettingsSpec.GUARDRAIL).equals("refuse"),
                sources.value(GuardrailSettingsSpec.STRICT_THREADS), sources.value(GuardrailSettingsSpec.ALLOW));
        List<String> properties = new ArrayList<>(settings.toSystemProperties());
        if (sources.value(GuardrailSettingsSpec.DETECTIVE)) {
            properties.add("-D" + ThawAgent.DETECTIVE_PROPERTY + "=true");
        }
        return properties;
    }

    private static Map<String, String> givenFlags(CommandSpec command) {
        Map<String, String> flags = new HashMap<>();
        for (Setting<?> s : GuardrailSettingsSpec.ALL) {
            OptionSpec o = command.findOption(s.flag());
            Object value = o == null ? null : o.getValue();
            if (value instanceof List<?> list) {
                if (!list.isEmpty()) {
                    flags.put(s.name(), String.join(GuardrailSettingsSpec.ALLOW_SEPARATOR, list.stream().map(String::valueOf).toList()));
                }
            } else if (value != null) {
                flags.put(s.name(), value.toString());
            }
        }
        return flags;
    }

}
