package dev.thaw.config;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Which command takes which settings, in the order its help shows them. A setting two commands share
 * is one object in both lists, so they cannot drift apart. Every command reads the same kind of
 * config file, and one file may hold the settings of several commands (the leader's warm-up next to
 * the pool's size): each command reads its own keys, and a key no command knows is an error.
 */
public final class CommandSettings {
    private CommandSettings() {
    }

    private static final Map<String, List<Setting<?>>> BY_COMMAND = byCommand();

    /** The settings of one command ({@code checkpoint}, {@code run}, ...); none for a command that has none. */
    public static List<Setting<?>> of(String command) {
        return BY_COMMAND.getOrDefault(command, List.of());
    }

    /** The commands that take settings, in the order of thaw's help. */
    public static Set<String> commands() {
        return BY_COMMAND.keySet();
    }

    /** Every setting of every command, each once: the keys a config file may hold. */
    public static List<Setting<?>> every() {
        Set<Setting<?>> every = new LinkedHashSet<>();
        BY_COMMAND.values().forEach(every::addAll);
        return List.copyOf(every);
    }

    /** The commands that take {@code setting}, for the docs. */
    public static List<String> takingIt(Setting<?> setting) {
        return BY_COMMAND.entrySet().stream().filter(e -> e.getValue().contains(setting)).map(Map.Entry::getKey).toList();
    }

    private static Map<String, List<Setting<?>>> byCommand() {
        Map<String, List<Setting<?>>> m = new LinkedHashMap<>();
        m.put("checkpoint", concat(CheckpointSettingsSpec.CHECKPOINT, GuardrailSettingsSpec.ALL));
        m.put("check", concat(CheckpointSettingsSpec.LEADER, GuardrailSettingsSpec.ALL));
        m.put("run", RunSettingsSpec.ALL);
        m.put("status", ControlSettingsSpec.ALL);
        m.put("scale", ControlSettingsSpec.ALL);
        m.put("reload", ControlSettingsSpec.ALL);
        return m;
    }

    private static List<Setting<?>> concat(List<Setting<?>> a, List<Setting<?>> b) {
        return Stream.concat(a.stream(), b.stream()).toList();
    }
}
