package dev.thaw.cli;

import dev.thaw.config.CommandSettings;
import dev.thaw.config.Setting;
import dev.thaw.config.SettingSources;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The picocli options of every command's settings, generated from their declarations
 * ({@link CommandSettings}), and the way back: what was given on the command line, the environment and
 * the {@code --config} file, as {@link SettingSources}. Options hold text; a setting parses and
 * validates its own value, so a bad one is reported the same way from a flag, a variable or the file.
 * Public for {@code thaw bench}, whose settings are declared in its own module (dev.thaw.bench.BenchSettingsSpec).
 */
public final class SettingOptions {
    public static final String CONFIG = "--config";

    private SettingOptions() {
    }

    /** Adds {@code --config} (unless the command declares its own) and one option per setting of every command. */
    static void addToEvery(CommandLine thaw) {
        for (String command : CommandSettings.commands()) {
            addTo(thaw.getSubcommands().get(command).getCommandSpec(), CommandSettings.of(command));
        }
    }

    public static void addTo(CommandSpec command, List<Setting<?>> settings) {
        if (command.findOption(CONFIG) == null) {
            command.addOption(OptionSpec.builder(CONFIG).paramLabel("FILE").type(Path.class)
                    .description("Settings file (Java properties: 'name = value', docs/settings.md); flags and THAW_* win over it.")
                    .build());
        }
        for (Setting<?> s : settings) {
            command.addOption(option(s));
        }
    }

    private static OptionSpec option(Setting<?> s) {
        String[] names = s.flags().toArray(String[]::new);
        OptionSpec.Builder option = OptionSpec.builder(names).paramLabel(s.paramLabel())
                .description(s.description() + " (default: " + s.shownDefault() + "; env " + s.envVar() + ")");
        if (s.isRepeatable()) {
            option.type(List.class).auxiliaryTypes(String.class);
        } else if (s.isSwitch()) {
            // '--detective' alone means true; '--ksm false' still turns one off.
            option.type(String.class).arity("0..1").fallbackValue("true");
        } else {
            option.type(String.class);
        }
        return option.build();
    }

    /** The command's settings from its flags, thaw's environment and its --config file. */
    static SettingSources sources(CommandSpec command) {
        return sources(command, System.getenv());
    }

    static SettingSources sources(CommandSpec command, Map<String, String> env) {
        OptionSpec config = command.findOption(CONFIG);
        return new SettingSources(given(command, CommandSettings.of(command.name())), env, config == null ? null : config.getValue());
    }

    /**
     * A command declared outside {@link CommandSettings} ({@code thaw bench}): its {@code settings} from its flags, {@code env}
     * and its --config file, which may also hold the settings of every other command.
     */
    public static SettingSources sources(CommandSpec command, List<Setting<?>> settings, Map<String, String> env) {
        OptionSpec config = command.findOption(CONFIG);
        return new SettingSources(given(command, settings), env, config == null ? null : config.getValue(), settings);
    }

    /** The settings given as flags, by setting name; a repeated flag's values joined as in the environment. */
    private static Map<String, String> given(CommandSpec command, List<Setting<?>> settings) {
        Map<String, String> flags = new HashMap<>();
        for (Setting<?> s : settings) {
            Object value = command.findOption(s.flag()).getValue();
            if (value instanceof List<?> list) {
                if (!list.isEmpty()) {
                    flags.put(s.name(), String.join(s.separator(), list.stream().map(String::valueOf).toList()));
                }
            } else if (value != null) {
                flags.put(s.name(), value.toString());
            }
        }
        return flags;
    }
}
