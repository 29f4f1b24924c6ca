package dev.thaw.config;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * One setting of a thaw command, declared once: its name in the config file, its flag, its
 * environment variable, its default, what it means and what it costs. The CLI options of every
 * command, the config file reader and docs/settings.md are all generated from these declarations
 * ({@link CommandSettings} says which command takes which).
 *
 * @param name key in the config file, e.g. {@code workers}; the flag is {@code --workers} and the
 *     environment variable {@code THAW_WORKERS}
 * @param defaultValue as text, parsed like any other value; empty means "not set"
 * @param parse turns text into the value, throwing {@link IllegalArgumentException} with a message
 *     that says what is accepted
 * @param separator for a setting given once per value ({@code --allow A --allow B}): what joins the
 *     values in one environment variable or config line; empty for a setting that takes one value
 * @param oldFlags flags that still set it, from before it had its name; scripts keep working
 */
public record Setting<T>(String name, String paramLabel, String defaultValue, String description, String tradeOff,
                         Function<String, T> parse, String separator, List<String> oldFlags) {

    public Setting {
        oldFlags = List.copyOf(oldFlags);
    }

    public Setting(String name, String paramLabel, String defaultValue, String description, String tradeOff,
                   Function<String, T> parse) {
        this(name, paramLabel, defaultValue, description, tradeOff, parse, "", List.of());
    }

    /** The same setting, given once per value on the command line; {@code separator} joins values elsewhere. */
    public Setting<T> repeatable(String separator) {
        return new Setting<>(name, paramLabel, defaultValue, description, tradeOff, parse, separator, oldFlags);
    }

    /** The same setting, also set by {@code flag} (a name it had before). */
    public Setting<T> alsoSetBy(String flag) {
        List<String> flags = new ArrayList<>(oldFlags);
        flags.add(flag);
        return new Setting<>(name, paramLabel, defaultValue, description, tradeOff, parse, separator, flags);
    }

    public String flag() {
        return "--" + name;
    }

    /** Every flag that sets it, its own first. */
    public List<String> flags() {
        List<String> flags = new ArrayList<>(List.of(flag()));
        flags.addAll(oldFlags);
        return flags;
    }

    public String envVar() {
        return "THAW_" + name.toUpperCase().replace('-', '_');
    }

    public boolean isRepeatable() {
        return !separator.isEmpty();
    }

    /** A switch: its flag alone means true (also one with a third value, e.g. auto|true|false). */
    public boolean isSwitch() {
        return paramLabel.endsWith("true|false");
    }

    /** The default as the help and the docs show it. */
    public String shownDefault() {
        return defaultValue.isEmpty() ? "none" : defaultValue;
    }

    public T parseValue(String text, String source) {
        try {
            return parse.apply(text.strip());
        } catch (IllegalArgumentException e) {
            throw new SettingException(name + " = '" + text + "' from " + source + " is invalid: " + e.getMessage());
        }
    }
}
