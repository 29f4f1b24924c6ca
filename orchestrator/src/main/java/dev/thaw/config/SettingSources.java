package dev.thaw.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Where a setting's value comes from, highest precedence first: the command line, the environment
 * ({@code THAW_*}), the config file ({@code --config}, Java properties syntax), the default. Unknown
 * keys in the config file are an error, so a typo never silently falls back to a default.
 */
public final class SettingSources {
    private final Map<String, String> flags;
    private final Map<String, String> env;
    private final Map<String, String> file;
    private final String fileName;

    /**
     * {@code configFile} may hold the settings of any command ({@link CommandSettings#every()}): one file can
     * serve the checkpoint and the pool; a key that no command knows is an error.
     */
    public SettingSources(Map<String, String> flags, Map<String, String> env, Path configFile) {
        this(flags, env, configFile, List.of());
    }

    /**
     * For a command whose settings are declared outside this package ({@code thaw bench}, in its own module): its
     * config file may hold {@code alsoKnown} besides the settings of every command here.
     */
    public SettingSources(Map<String, String> flags, Map<String, String> env, Path configFile, List<Setting<?>> alsoKnown) {
        this.flags = Map.copyOf(flags);
        this.env = Map.copyOf(env);
        List<Setting<?>> known = new java.util.ArrayList<>(CommandSettings.every());
        known.addAll(alsoKnown);
        this.file = configFile == null ? Map.of() : readConfig(configFile, known);
        this.fileName = configFile == null ? null : configFile.toString();
    }

    public <T> T value(Setting<T> s) {
        if (flags.containsKey(s.name())) {
            return s.parseValue(flags.get(s.name()), "flag " + s.flag());
        }
        if (env.containsKey(s.envVar())) {
            return s.parseValue(env.get(s.envVar()), "environment variable " + s.envVar());
        }
        if (file.containsKey(s.name())) {
            return s.parseValue(file.get(s.name()), "config file " + fileName);
        }
        return s.parseValue(s.defaultValue(), "the default");
    }

    private static Map<String, String> readConfig(Path path, List<Setting<?>> known) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(path)) {
            p.load(r);
        } catch (IOException e) {
            throw new SettingException("cannot read config file " + path + ": " + e.getMessage());
        }
        Map<String, String> values = new HashMap<>();
        for (String key : p.stringPropertyNames()) {
            if (known.stream().noneMatch(s -> s.name().equals(key))) {
                throw new SettingException("unknown setting '" + key + "' in config file " + path
                        + ": see docs/settings.md for the settings thaw knows");
            }
            values.put(key, p.getProperty(key));
        }
        return values;
    }
}
