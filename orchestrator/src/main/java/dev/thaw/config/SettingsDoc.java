package dev.thaw.config;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Renders docs/settings.md from the declarations, so the docs cannot drift from the code. Each setting
 * is described once, under the first command that takes it, with every command that takes it.
 */
public final class SettingsDoc {
    private SettingsDoc() {
    }

    /** A part of the page: its title, what the reader needs first, and its settings. */
    record Section(String title, String intro, List<Setting<?>> settings) {
    }

    static final List<Section> SECTIONS = List.of(
            new Section("The leader: `thaw checkpoint` and `thaw check`",
                    "`thaw check` starts and warms the app exactly as `thaw checkpoint` does, with the same settings and\n"
                            + "defaults, so that what it reports is what the checkpoint will find. Besides these, `thaw checkpoint` takes\n"
                            + "`--image DIR` (required) and `--force`; both take the java command after `--`.\n\n",
                    CheckpointSettingsSpec.CHECKPOINT),
            new Section("The guardrail: `thaw checkpoint` and `thaw check`",
                    "What the guardrail checks and how to read its report: docs/guardrails.md.\n\n",
                    GuardrailSettingsSpec.ALL),
            new Section("The pool: `thaw run`",
                    "Besides these, `thaw run` takes `--image DIR` (required), `--env NAME=VALUE` and `-D NAME=VALUE`\n"
                            + "(repeatable; per-worker environment and system properties, see docs/guardrails.md).\n\n",
                    RunSettingsSpec.ALL),
            new Section("A running pool: `thaw status`, `thaw scale`, `thaw reload`",
                    "They find the pool by its control socket, read as `thaw run` reads it: set `THAW_SOCKET` once, or point\n"
                            + "them at the pool's config file, and they need no flag.\n\n",
                    ControlSettingsSpec.ALL));

    public static String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# Settings\n\n")
          .append("<!-- Generated from the declarations in orchestrator/src/main/java/dev/thaw/config/ (*SettingsSpec.java,")
          .append(" CommandSettings.java) by SettingsTest; edit them, not this file. -->\n\n")
          .append("Every setting of every command is read the same way. Highest precedence first: a flag (`--workers 4`),\n")
          .append("an environment variable (`THAW_WORKERS=4`), a line in the config file named by `--config`\n")
          .append("(`workers = 4`, Java properties syntax), the default. Durations are seconds, or take a unit: `500ms`,\n")
          .append("`30s`, `2m`. A switch (`true|false`) given as a flag alone means true (`--detective`).\n\n")
          .append("One config file can hold the settings of several commands, e.g. the leader's warm-up and the pool's\n")
          .append("size: each command reads its own and ignores the others'. A key that no command knows is an error,\n")
          .append("so a typo never silently falls back to a default. A bad value stops the command with one line naming\n")
          .append("the setting, where the value came from and what is accepted.\n\n");
        Set<Setting<?>> described = new HashSet<>();
        for (Section section : SECTIONS) {
            md.append("# ").append(section.title()).append("\n\n").append(section.intro());
            for (Setting<?> s : section.settings()) {
                if (described.add(s)) {
                    describe(md, s);
                } else {
                    md.append("- `").append(s.flag()).append("`: see [").append(s.name()).append("](#").append(s.name()).append(")\n\n");
                }
            }
        }
        return md.toString();
    }

    private static void describe(StringBuilder md, Setting<?> s) {
        md.append("## ").append(s.name()).append("\n\n")
          .append("`").append(s.flag()).append(' ').append(s.paramLabel()).append("`");
        for (String old : s.oldFlags()) {
            md.append(" (or `").append(old).append("`)");
        }
        md.append(" · `").append(s.envVar()).append("` · default `").append(s.shownDefault()).append("` · ")
          .append(CommandSettings.takingIt(s).stream().map(c -> "`thaw " + c + "`").collect(Collectors.joining(", ")))
          .append("\n\n")
          .append(s.description()).append("\n\n")
          .append("*Trade-off:* ").append(s.tradeOff()).append("\n\n");
    }
}
