package dev.thaw.bench;

import dev.thaw.config.CommandSettings;
import dev.thaw.config.Setting;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Renders docs/bench-settings.md from {@link BenchSettingsSpec}, as thaw's SettingsDoc renders docs/settings.md for the
 * other commands. A page of its own, generated and checked by a test of this module: the bench's declarations live in the
 * bench module, which depends on thaw's, so thaw's generator (and its test) cannot see them without thaw.jar depending on
 * the bench.
 */
final class BenchSettingsDoc {
    private BenchSettingsDoc() {
    }

    static String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# Settings of `thaw bench`\n\n")
          .append("<!-- Generated from bench/src/main/java/dev/thaw/bench/BenchSettingsSpec.java by BenchSettingsTest; edit it, not this file. -->\n\n")
          .append("`thaw bench` reads its settings as every other command reads its own ([settings.md](settings.md)). Highest\n")
          .append("precedence first: a flag, an environment variable (`THAW_RUNS=3`), a line in the config file named by `--config`\n")
          .append("(`runs = 3`, Java properties syntax), the default. Its config file may also hold the settings of the other\n")
          .append("commands (one file can serve the checkpoint and the bench); the bench's own keys are known to `thaw bench` alone,\n")
          .append("so a file given to `thaw run --config` must not hold them. A bad value stops the bench before it measures anything,\n")
          .append("with one line naming the setting, where the value came from and what is accepted.\n\n")
          .append("Where a setting means to the bench what it means to `thaw checkpoint` or `thaw run`, it is that command's setting,\n")
          .append("with its default and its variable: `THAW_WARMUP_REQUESTS` sets the warm-up of `thaw checkpoint` and of the bench\n")
          .append("alike. Besides these, `thaw bench` takes the app's java command after `--`, and `--render BENCH_JSON` (measure\n")
          .append("nothing, render an earlier run's report again), with which `--first-second-of NAME=BENCH_JSON` adds another app's\n")
          .append("first second from its own run's bench.json (a section and rows in issue 12's targets; scripts/bench's Spring sample).\n\n");
        for (Setting<?> s : BenchSettingsSpec.ALL) {
            describe(md, s);
        }
        return md.toString();
    }

    private static void describe(StringBuilder md, Setting<?> s) {
        md.append("## ").append(s.name()).append("\n\n")
          .append("`").append(s.flag()).append(' ').append(s.paramLabel()).append("`");
        for (String old : s.oldFlags()) {
            md.append(" (or `").append(old).append("`)");
        }
        List<String> commands = new ArrayList<>(CommandSettings.takingIt(s));
        md.append(" · `").append(s.envVar()).append("` · default `").append(s.shownDefault()).append("` · ")
          .append(commands.isEmpty() ? "`thaw bench` only" : "also `thaw " + String.join("`, `thaw ", commands) + "`: [settings.md](settings.md#"
                  + s.name() + ")")
          .append("\n\n")
          .append(s.description()).append("\n\n")
          .append("*Trade-off:* ").append(s.tradeOff()).append("\n\n");
    }

    /** The shared settings, for the test: each is the other commands' own declaration. */
    static List<Setting<?>> shared() {
        return BenchSettingsSpec.ALL.stream().filter(s -> !CommandSettings.takingIt(s).isEmpty()).collect(Collectors.toList());
    }
}
