package dev.thaw.host;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;

/**
 * The file {@code changes} in the records directory: every setting thaw pools changed on this boot, with
 * the value found before the first change ({@code original}) and the value thaw wrote last ({@code set}).
 * Java properties, because sysctl values may hold tabs and spaces:
 *
 * <pre>
 *   boot = 0c1f...                                  (kernel/random/boot_id when written)
 *   net.ipv4.tcp_migrate_req.file = /proc/sys/net/ipv4/tcp_migrate_req
 *   net.ipv4.tcp_migrate_req.original = 0
 *   net.ipv4.tcp_migrate_req.set = 1
 * </pre>
 *
 * It is rewritten whole (temporary file, fsync, rename), so a crash leaves the old record or the new
 * one, never half of one. Callers hold {@link HostSettings}' lock.
 */
final class ChangeRecord {
    /** One changed setting. {@code set} tells, at give-back time, whether anyone changed it after thaw. */
    record Change(HostSetting setting, String original, String set) {
    }

    private static final String BOOT = "boot";
    private static final String[] SUFFIXES = {".file", ".original", ".set"};

    private final Path file;
    private final String boot;
    private final Map<String, Change> changes;

    private ChangeRecord(Path file, String boot, Map<String, Change> changes) {
        this.file = file;
        this.boot = boot;
        this.changes = changes;
    }

    static Path fileIn(Path records) {
        return records.resolve("changes");
    }

    /** The record in {@code records}, or an empty one for this boot when there is none. */
    static ChangeRecord read(Path records, String currentBoot) throws IOException {
        Path file = fileIn(records);
        if (!Files.exists(file)) {
            return new ChangeRecord(file, currentBoot, new LinkedHashMap<>());
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        Map<String, Change> changes = new LinkedHashMap<>();
        for (String key : new TreeSet<>(p.stringPropertyNames())) {
            if (!key.endsWith(".file")) {
                continue;
            }
            String name = key.substring(0, key.length() - ".file".length());
            String original = p.getProperty(name + ".original");
            String set = p.getProperty(name + ".set");
            if (original == null || set == null) {
                throw new IOException(file + ": " + name + " lacks its original or set value (remove the file if nothing runs)");
            }
            changes.put(name, new Change(new HostSetting(name, Path.of(p.getProperty(key))), original, set));
        }
        return new ChangeRecord(file, p.getProperty(BOOT, ""), changes);
    }

    String boot() {
        return boot;
    }

    boolean isEmpty() {
        return changes.isEmpty();
    }

    Iterable<Change> changes() {
        return changes.values();
    }

    Optional<Change> change(HostSetting setting) {
        return Optional.ofNullable(changes.get(setting.name()));
    }

    void put(Change change) {
        changes.put(change.setting().name(), change);
    }

    void remove(HostSetting setting) {
        changes.remove(setting.name());
    }

    void save() throws IOException {
        Properties p = new Properties();
        p.setProperty(BOOT, boot);
        for (Change c : changes.values()) {
            String name = c.setting().name();
            p.setProperty(name + SUFFIXES[0], c.setting().file().toString());
            p.setProperty(name + SUFFIXES[1], c.original());
            p.setProperty(name + SUFFIXES[2], c.set());
        }
        StringWriter text = new StringWriter();
        p.store(text, "host settings changed by thaw pools: given back when the last pool exits (docs/settings.md, ksm)");
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text.toString(), StandardCharsets.UTF_8);
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    void delete() throws IOException {
        Files.deleteIfExists(file);
    }
}
