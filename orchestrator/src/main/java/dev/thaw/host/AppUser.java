package dev.thaw.host;

import dev.thaw.ThawException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The user and group the app runs as (--user, --group): thaw and CRIU keep their privileges, the
 * app never has them. The leader starts under {@code setpriv} with these credentials, no
 * supplementary groups, empty capability sets (bounding and inheritable too) and no_new_privs, and
 * CRIU gives every restored worker the same. Recorded in the image, so that 'thaw run' lets that
 * user, and no other, reach its control socket.
 */
public record AppUser(String name, int uid, int gid) {
    /** Resolves {@code user} (a name or a number) and {@code group} (empty: the user's primary group) on this host. */
    public static AppUser resolve(String user, String group) {
        int uid = parseId(lookup("passwd", user, 2), "user", user);
        String name = lookup("passwd", user, 0);
        int gid = group.isEmpty() ? parseId(lookup("passwd", user, 3), "user", user) : parseId(lookup("group", group, 2), "group", group);
        if (uid == 0) {
            throw new ThawException(ThawException.EXIT_USAGE, "--user " + user + " is root: the app never needs root; give an"
                    + " unprivileged user (e.g. --user nobody), or leave --user out to keep thaw's own user");
        }
        return new AppUser(name, uid, gid);
    }

    /** The options of {@code setpriv} that drop to this user for good. */
    public List<String> setprivOptions() {
        return List.of("--reuid", Integer.toString(uid), "--regid", Integer.toString(gid), "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs");
    }

    /** {@code command} run as this user, as the leader is: setpriv execs it, so it keeps the PID setpriv was started with. */
    public List<String> run(List<String> command) {
        List<String> wrapped = new java.util.ArrayList<>(List.of("setpriv"));
        wrapped.addAll(setprivOptions());
        wrapped.add("--");
        wrapped.addAll(command);
        return List.copyOf(wrapped);
    }

    public String describe() {
        return name + " (uid " + uid + ", gid " + gid + ")";
    }

    /** A field of {@code getent DATABASE KEY}; names and numbers both work. */
    private static String lookup(String database, String key, int field) {
        if (key.isBlank() || key.contains(":")) {
            throw new ThawException(ThawException.EXIT_USAGE, "'" + key + "' is not a " + ("passwd".equals(database) ? "user" : "group")
                    + " name or number");
        }
        try {
            Process p = new ProcessBuilder("getent", database, key).redirectErrorStream(true).start();
            String line = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0 || line.isEmpty()) {
                throw new ThawException(ThawException.EXIT_USAGE, "no " + ("passwd".equals(database) ? "user" : "group") + " '" + key
                        + "' on this host: create it (useradd --system " + key + "), or give one that exists");
            }
            String[] fields = line.lines().findFirst().orElseThrow().split(":");
            return fields[field];
        } catch (IOException e) {
            throw new ThawException(ThawException.EXIT_ENVIRONMENT, "cannot look up '" + key + "' (" + e.getMessage() + "): is getent installed?");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ThawException("interrupted while looking up '" + key + "'");
        }
    }

    private static int parseId(String id, String what, String given) {
        try {
            return Integer.parseInt(id);
        } catch (NumberFormatException e) {
            throw new ThawException(ThawException.EXIT_USAGE, "the " + what + " '" + given + "' has no numeric id (" + id + ")");
        }
    }
}
