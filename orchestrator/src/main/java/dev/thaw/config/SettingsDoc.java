package dev.thaw.config;

/** Renders docs/settings.md from the declarations, so the docs cannot drift from the code. */
public final class SettingsDoc {
    private SettingsDoc() {
    }

    public static String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# Settings of `thaw run`\n\n")
          .append("<!-- Generated from orchestrator/src/main/java/dev/thaw/config/RunSettingsSpec.java by SettingsDocTest;")
          .append(" edit the declarations, not this file. -->\n\n")
          .append("Each setting can be given, highest precedence first, as a flag (`--workers 4`), an environment\n")
          .append("variable (`THAW_WORKERS=4`), or a line in the config file named by `--config` (`workers = 4`,\n")
          .append("Java properties syntax). Durations are seconds, or take a unit: `500ms`, `30s`, `2m`.\n")
          .append("An unknown key in the config file is an error. Besides these, `thaw run` takes `--image DIR` (required),\n")
          .append("`--config FILE` and `--env NAME=VALUE` (repeatable; per-worker environment, see docs/guardrails.md).\n\n");
        section(md, RunSettingsSpec.ALL);
        md.append("# Guardrail settings of `thaw checkpoint` and `thaw check`\n\n")
          .append("Read the same way (flag, `THAW_*` variable, `--config` file, default). What the guardrail checks and\n")
          .append("how to read its report: docs/guardrails.md.\n\n");
        section(md, GuardrailSettingsSpec.ALL);
        return md.toString();
    }

    private static void section(StringBuilder md, java.util.List<Setting<?>> settings) {
        for (Setting<?> s : settings) {
            md.append("## ").append(s.name()).append("\n\n")
              .append("`").append(s.flag()).append(' ').append(s.paramLabel()).append("` · `")
              .append(s.envVar()).append("` · default `").append(s.defaultValue().isEmpty() ? "(none)" : s.defaultValue()).append("`\n\n")
              .append(s.description()).append("\n\n")
              .append("*Trade-off:* ").append(s.tradeOff()).append("\n\n");
        }
    }
}
