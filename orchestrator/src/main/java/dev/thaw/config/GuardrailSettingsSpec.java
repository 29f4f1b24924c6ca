package dev.thaw.config;

import dev.thaw.lifecycle.guardrail.AllowRule;
import java.util.ArrayList;
import java.util.List;

/**
 * The settings of the guardrail that runs in the leader right before the dump ({@code thaw checkpoint}
 * and {@code thaw check}), in the order the help and the docs show them. The orchestrator hands them to
 * the leader as {@code -Dthaw.guardrail.*} properties (see {@code GuardrailSettings} in app-lifecycle).
 */
public final class GuardrailSettingsSpec {
    private GuardrailSettingsSpec() {
    }

    /** Allowlist entries are separated by ';' in the environment and the config file; each --allow flag is one. */
    public static final String ALLOW_SEPARATOR = ";";

    public static final Setting<List<AllowRule>> ALLOW = new Setting<>("allow", "KIND:PATTERN=REASON", "",
            "What may stay open at the checkpoint, with the reason: KIND is connection, listen, udp, unix, socket, file or thread;"
                    + " PATTERN a glob over host:port, path or thread name (e.g. 'listen:127.0.0.1:9090=admin port, SO_REUSEPORT')."
                    + " Repeatable; ';' separates entries in THAW_ALLOW and the config file.",
            "Each entry is something that will cross the snapshot into every worker: allow only what you know survives a restore.",
            GuardrailSettingsSpec::parseAllow).repeatable(ALLOW_SEPARATOR);
    public static final Setting<Boolean> STRICT_THREADS = new Setting<>("strict-threads", "true|false", "false",
            "Refuse the checkpoint when threads the app started are still alive, instead of only reporting them.",
            "Threads do cross a snapshot, but one caught mid-work (a scheduler, a poller) wakes in every worker at once.",
            Parsers.bool());
    public static final Setting<String> GUARDRAIL = new Setting<>("guardrail", "refuse|warn", "refuse",
            "refuse: anything not allowlisted fails the checkpoint. warn: report it and dump anyway.",
            "warn is an emergency switch: workers restored with a live connection or a listener fail in ways that are hard to trace.",
            Parsers.oneOf("refuse", "warn"));
    public static final Setting<Boolean> DETECTIVE = new Setting<>("detective", "true|false", "false",
            "Record where the app creates each socket, file, thread and java.util.Random, and show it in the guardrail's report.",
            "Costs a stack walk per file, socket and thread created: for finding offenders, not for every deploy.",
            Parsers.bool());

    public static final List<Setting<?>> ALL = List.of(ALLOW, STRICT_THREADS, GUARDRAIL, DETECTIVE);

    static List<AllowRule> parseAllow(String text) {
        List<AllowRule> rules = new ArrayList<>();
        for (String entry : text.split(ALLOW_SEPARATOR)) {
            if (!entry.isBlank()) {
                rules.add(AllowRule.parse(entry));
            }
        }
        return rules;
    }
}
