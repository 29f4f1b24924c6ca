package dev.thaw.lifecycle.guardrail;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * How the guardrail judges the leader. The orchestrator passes these as system properties on the
 * leader's command line ({@link #toSystemProperties()}), so they also apply when the app calls
 * {@code org.crac.Core.checkpointRestore()} itself.
 *
 * @param refuse false = report only ({@code --guardrail warn}): an emergency switch, not a way of life
 * @param strictThreads threads the app started are refused too, not only reported
 * @param allow what may stay open, each entry with its reason
 */
public record GuardrailSettings(boolean refuse, boolean strictThreads, List<AllowRule> allow) {
    public static final String PREFIX = "thaw.guardrail.";
    public static final String MODE = PREFIX + "mode";
    public static final String STRICT_THREADS = PREFIX + "strict-threads";
    public static final String ALLOW = PREFIX + "allow.";

    public GuardrailSettings {
        allow = List.copyOf(allow);
    }

    public static GuardrailSettings defaults() {
        return new GuardrailSettings(true, false, List.of());
    }

    public static GuardrailSettings fromSystemProperties() {
        return from(System.getProperties());
    }

    static GuardrailSettings from(Properties p) {
        List<AllowRule> rules = new ArrayList<>();
        for (int i = 0; p.getProperty(ALLOW + i) != null; i++) {
            rules.add(AllowRule.parse(p.getProperty(ALLOW + i)));
        }
        String mode = p.getProperty(MODE, "refuse");
        if (!mode.equals("refuse") && !mode.equals("warn")) {
            throw new IllegalArgumentException(MODE + "=" + mode + ": expected refuse or warn");
        }
        return new GuardrailSettings(mode.equals("refuse"), Boolean.parseBoolean(p.getProperty(STRICT_THREADS, "false")), rules);
    }

    /** {@code -Dthaw.guardrail.*} options for the leader's command line. */
    public List<String> toSystemProperties() {
        List<String> out = new ArrayList<>();
        out.add("-D" + MODE + "=" + (refuse ? "refuse" : "warn"));
        if (strictThreads) {
            out.add("-D" + STRICT_THREADS + "=true");
        }
        for (int i = 0; i < allow.size(); i++) {
            out.add("-D" + ALLOW + i + "=" + allow.get(i));
        }
        return out;
    }
}
