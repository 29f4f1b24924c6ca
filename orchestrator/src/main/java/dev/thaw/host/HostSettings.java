package dev.thaw.host;

import dev.thaw.host.HostProcess;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One pool's use of machine-wide settings, and the promise to give them back. Every pool on the host
 * shares one records directory ({@link HostFiles#records()}):
 *
 * <pre>
 *   /run/thaw/host-settings/
 *     lock          held while a pool reads or changes the rest (an flock, so a crash releases it)
 *     changes       each setting changed, with the value found before the first change ({@link ChangeRecord})
 *     users/PID@T   one per pool using them: its PID and start time, so a reused PID is not mistaken for it
 * </pre>
 *
 * {@link #set} writes the value found to {@code changes} before it changes anything. {@link #close()}
 * removes this pool from {@code users}; when no live pool is left, every value is given back and the
 * record is removed. A pool killed with SIGKILL cannot do that: the next pool to {@link #claim} finds
 * its user entry dead and gives the values back before it changes them again. A value somebody else
 * changed after thaw set it is left as they set it.
 */
public final class HostSettings implements AutoCloseable {
    /** A file lock is held per JVM, not per thread: threads of one JVM queue here first. */
    private static final Object IN_THIS_JVM = new Object();

    private final HostFiles files;
    private final String owner;
    private final Predicate<String> ownerAlive;
    private final Consumer<String> log;
    private final String boot;
    private boolean closed;

    private HostSettings(HostFiles files, String owner, Predicate<String> ownerAlive, Consumer<String> log) {
        this.files = files;
        this.owner = owner;
        this.ownerAlive = ownerAlive;
        this.log = log;
        this.boot = files.bootId();
    }

    /** This JVM joins the pools using the host's settings; {@code log} gets one line per value given back. */
    public static HostSettings claim(HostFiles files, Consumer<String> log) throws IOException {
        return claim(files, HostProcess.selfTag(), HostProcess::ownerAlive, log);
    }

    /** As {@link #claim(HostFiles, Consumer)}, with the owner's tag and the liveness test given (tests). */
    static HostSettings claim(HostFiles files, String owner, Predicate<String> ownerAlive, Consumer<String> log) throws IOException {
        prepareDirectory(files.records());
        HostSettings settings = new HostSettings(files, owner, ownerAlive, log);
        settings.locked(() -> {
            settings.giveBackIfUnused();
            Files.writeString(settings.users().resolve(owner), settings.boot + "\n");
        });
        return settings;
    }

    /** The setting's value now; empty when this kernel does not have it. */
    public Optional<String> read(HostSetting setting) {
        try {
            return Optional.of(Files.readString(setting.file()).strip());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** The value the host had before any pool changed this setting; empty when no pool changed it. */
    public Optional<String> original(HostSetting setting) throws IOException {
        List<String> found = new ArrayList<>();
        locked(() -> ChangeRecord.read(files.records(), boot).change(setting).ifPresent(c -> found.add(c.original())));
        return found.stream().findFirst();
    }

    /**
     * Sets {@code setting} to {@code value}, recording the value found first (unless a pool already
     * recorded one). Returns false when it already had that value. Throws when the setting cannot be
     * read or written (no such setting on this kernel, not root); nothing is recorded then.
     */
    public boolean set(HostSetting setting, String value) throws IOException {
        boolean[] changed = {false};
        locked(() -> {
            requireOpen();
            String current = Files.readString(setting.file()).strip();
            ChangeRecord record = ChangeRecord.read(files.records(), boot);
            Optional<ChangeRecord.Change> before = record.change(setting);
            if (sameValue(current, value)) {
                if (before.isPresent() && !sameValue(before.get().set(), value)) {
                    record.put(new ChangeRecord.Change(setting, before.get().original(), value));
                    record.save();
                }
                return;
            }
            record.put(new ChangeRecord.Change(setting, before.map(ChangeRecord.Change::original).orElse(current), value));
            record.save();
            try {
                Files.writeString(setting.file(), value);
            } catch (IOException e) {
                before.ifPresentOrElse(record::put, () -> record.remove(setting));
                record.save();
                throw e;
            }
            changed[0] = true;
        });
        return changed[0];
    }

    /** This pool leaves; the last one to leave gives every recorded value back. Only the first call acts. */
    @Override
    public void close() {
        try {
            locked(() -> {
                if (closed) {
                    return;
                }
                closed = true;
                Files.deleteIfExists(users().resolve(owner));
                giveBackIfUnused();
            });
        } catch (IOException e) {
            log.accept("warning: cannot give host settings back (" + e.getMessage() + "): the next 'thaw run' will, or see "
                    + ChangeRecord.fileIn(files.records()) + " for the original values");
        }
    }

    /** Removes the entries of pools that are gone; when none is left, gives every value back. */
    private void giveBackIfUnused() throws IOException {
        List<String> live = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(users())) {
            for (Path entry : entries) {
                String tag = entry.getFileName().toString();
                if (tag.equals(owner) || isLive(entry, tag)) {
                    live.add(tag);
                } else {
                    log.accept("a thaw pool that is gone (pid " + tag.replaceFirst("@.*", "") + ") was using host settings");
                    Files.deleteIfExists(entry);
                }
            }
        }
        if (!live.isEmpty()) {
            return;
        }
        ChangeRecord record = ChangeRecord.read(files.records(), boot);
        if (!record.boot().equals(boot)) {
            log.accept("dropped " + ChangeRecord.fileIn(files.records()) + ": written before the last reboot, which reset those settings");
        } else {
            for (ChangeRecord.Change c : record.changes()) {
                giveBack(c);
            }
        }
        record.delete();
    }

    private boolean isLive(Path entry, String tag) {
        try {
            return Files.readString(entry).strip().equals(boot) && ownerAlive.test(tag);
        } catch (IOException e) {
            return false;
        }
    }

    private void giveBack(ChangeRecord.Change c) {
        HostSetting s = c.setting();
        if (!files.owns(s.file())) {
            log.accept("warning: not writing " + s.file() + " named in " + ChangeRecord.fileIn(files.records())
                    + ": thaw only writes under " + files.sys() + " and " + files.procSys());
            return;
        }
        Optional<String> now = read(s);
        if (now.isEmpty()) {
            log.accept("warning: cannot read " + s.file() + " to give " + s + " back; it was " + c.original() + " before thaw");
        } else if (!sameValue(now.get(), c.set())) {
            log.accept(s + " left at " + now.get() + ": changed by someone else after thaw set " + c.set() + " (it was " + c.original() + ")");
        } else if (!sameValue(now.get(), c.original())) {
            try {
                Files.writeString(s.file(), c.original());
                log.accept(s + " given back: " + c.original() + " (thaw had set " + c.set() + ")");
            } catch (IOException e) {
                log.accept("warning: cannot give " + s + " back to " + c.original() + " (" + e.getMessage() + "): set it by hand");
            }
        }
    }

    /** Values as the kernel prints them and as written may differ in spacing ("4096\t87380" vs "4096 87380"). */
    static boolean sameValue(String a, String b) {
        return String.join(" ", a.strip().split("\\s+")).equals(String.join(" ", b.strip().split("\\s+")));
    }

    private Path users() {
        return files.records().resolve("users");
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("host settings already given back: claim them again to change them");
        }
    }

    private interface LockedStep {
        void run() throws IOException;
    }

    private void locked(LockedStep step) throws IOException {
        synchronized (IN_THIS_JVM) {
            try (FileChannel ch = FileChannel.open(files.records().resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = ch.lock()) {
                step.run();
            }
        }
    }

    /**
     * Root writes the files this directory names: it must be root's alone. A directory others can write
     * is refused rather than trusted.
     */
    private static void prepareDirectory(Path records) throws IOException {
        Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rwx------");
        if (!Files.isDirectory(records)) {
            Files.createDirectories(records.getParent());
            try {
                Files.createDirectory(records, PosixFilePermissions.asFileAttribute(ownerOnly));
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // another pool made it first
            }
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(records);
        if (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
            throw new IOException(records + " is writable by other users: 'chmod 700 " + records + "' (thaw writes the host settings it names)");
        }
        Files.createDirectories(records.resolve("users"));
    }
}
