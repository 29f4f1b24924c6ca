package dev.thaw.config;

import java.util.function.Function;

/**
 * One setting of {@code thaw run}, declared once: its name in the config file, its flag, its
 * environment variable, its default, what it means and what it costs. The CLI options, the config
 * file reader and docs/settings.md are all generated from these declarations.
 *
 * @param name key in the config file, e.g. {@code workers}; the flag is {@code --workers} and the
 *     environment variable {@code THAW_WORKERS}
 * @param defaultValue as text, parsed like any other value; empty means "not set"
 * @param parse turns text into the value, throwing {@link IllegalArgumentException} with a message
 *     that says what is accepted
 */
public record Setting<T>(String name, String paramLabel, String defaultValue, String description, String tradeOff,
                         Function<String, T> parse) {

    public String flag() {
        return "--" + name;
    }

    public String envVar() {
        return "THAW_" + name.toUpperCase().replace('-', '_');
    }

    public T parseValue(String text, String source) {
        try {
            return parse.apply(text.strip());
        } catch (IllegalArgumentException e) {
            throw new SettingException(name + " = '" + text + "' from " + source + " is invalid: " + e.getMessage());
        }
    }
}
