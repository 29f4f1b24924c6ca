package dev.thaw.cli;

import dev.thaw.config.GuardrailSettingsSpec;
import dev.thaw.config.SettingSources;
import dev.thaw.lifecycle.agent.ThawAgent;
import dev.thaw.lifecycle.guardrail.GuardrailSettings;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;

/**
 * What the guardrail's settings ({@link GuardrailSettingsSpec}) of {@code thaw checkpoint} and
 * {@code thaw check} become on the leader's command line.
 */
final class GuardrailOptions {
    private GuardrailOptions() {
    }

    static List<String> leaderProperties(CommandSpec command) {
        return leaderProperties(SettingOptions.sources(command));
    }

    /** The leader's -D options: the guardrail's settings, and detective mode. */
    static List<String> leaderProperties(SettingSources sources) {
        GuardrailSettings settings = new GuardrailSettings(sources.value(GuardrailSettingsSpec.GUARDRAIL).equals("refuse"),
                sources.value(GuardrailSettingsSpec.STRICT_THREADS), sources.value(GuardrailSettingsSpec.ALLOW));
        List<String> properties = new ArrayList<>(settings.toSystemProperties());
        if (sources.value(GuardrailSettingsSpec.DETECTIVE)) {
            properties.add("-D" + ThawAgent.DETECTIVE_PROPERTY + "=true");
        }
        return properties;
    }
}
