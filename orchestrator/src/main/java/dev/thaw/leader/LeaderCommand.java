package dev.thaw.leader;

import dev.thaw.ThawException;
import dev.thaw.host.AppUser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Turns the user's java command into the leader's: thaw's agent and org.crac implementation, the
 * control socket, and {@code -XX:-UsePerfData} (the JVM's shared perf-data file in /tmp would be
 * mapped, shared and written by every restored worker). Started under {@code setsid}, because CRIU
 * dumps only a process tree whose root leads its own session, and under {@code setpriv --pdeathsig
 * KILL}: in its own session no signal to thaw's group reaches it, and thaw's shutdown hook stops it on
 * TERM or INT, but only the kernel can stop it when thaw itself is killed with SIGKILL. (CRIU keeps the
 * setting in the image; a restored worker's parent is its criu, which lives as long as it does.)
 */
public final class LeaderCommand {
    private LeaderCommand() {
    }

    /**
     * The user's java command as it may be logged: the java executable and what it runs ({@code -jar
     * app.jar} or the main class), and how many other options and arguments there are. Those are not
     * printed: -D options and arguments often carry passwords and tokens, and thaw's output ends up in
     * journals and pod logs. The manifest keeps the whole command, readable by root only (thaw inspect).
     */
    public static String describe(List<String> userCommand) {
        if (userCommand.isEmpty()) {
            return "(no command)";
        }
        List<String> shown = new ArrayList<>(List.of(userCommand.get(0)));
        int options = 0;
        int arguments = 0;
        for (int i = 1; i < userCommand.size(); i++) {
            String a = userCommand.get(i);
            if (shown.size() > 1) {
                arguments++;
            } else if (("-jar".equals(a) || "-cp".equals(a) || "-classpath".equals(a) || "--class-path".equals(a))
                    && i + 1 < userCommand.size()) {
                if ("-jar".equals(a)) {
                    shown.addAll(List.of(a, userCommand.get(++i)));
                } else {
                    options++;
                    i++;
                }
            } else if (a.startsWith("-")) {
                options++;
            } else {
                shown.add(a); // the main class
            }
        }
        return String.join(" ", shown) + " (" + options + " JVM options and " + arguments
                + " arguments not shown: they may hold secrets; 'thaw inspect IMAGE' shows them to root)";
    }

    public static List<String> build(List<String> userCommand, Path agentJar, Path controlSocket) {
        return build(userCommand, agentJar, controlSocket, List.of());
    }

    /** {@code thawOptions}: thaw's own {@code -D} options for the leader, placed before the app's so the app's win. */
    public static List<String> build(List<String> userCommand, Path agentJar, Path controlSocket, List<String> thawOptions) {
        return build(userCommand, agentJar, controlSocket, thawOptions, null);
    }

    /** {@code appUser}: the user the app runs as (--user): setpriv drops to it for good; null keeps thaw's. */
    public static List<String> build(List<String> userCommand, Path agentJar, Path controlSocket, List<String> thawOptions,
                                     AppUser appUser) {
        if (userCommand.isEmpty()) {
            throw new ThawException(ThawException.EXIT_USAGE, "no java command given: use 'thaw checkpoint --image DIR -- java -jar app.jar'");
        }
        String java = userCommand.get(0);
        if (!Path.of(java).getFileName().toString().equals("java")) {
            throw new ThawException(ThawException.EXIT_USAGE, "the command must start with a java executable, got '" + java
                    + "': thaw adds its agent to the java command line (e.g. 'thaw checkpoint ... -- java -jar app.jar')");
        }
        List<String> command = new ArrayList<>();
        command.add("setpriv");
        if (appUser != null) {
            command.addAll(appUser.setprivOptions());
        }
        command.addAll(List.of("--pdeathsig", "KILL", "--", "setsid"));
        command.add(java);
        command.add("-javaagent:" + agentJar);
        command.add("-Dorg.crac.Core.Compat=dev.thaw.lifecycle.crac");
        command.add("-Dthaw.control=" + controlSocket);
        command.add("-XX:-UsePerfData");
        command.addAll(thawOptions);
        command.addAll(userCommand.subList(1, userCommand.size()));
        return command;
    }

    /** The jars the app runs from (-jar, -cp/-classpath/--class-path entries), for the manifest. */
    public static List<Path> appFiles(List<String> userCommand, Path workingDirectory) {
        List<Path> files = new ArrayList<>();
        for (int i = 1; i < userCommand.size() - 1; i++) {
            String arg = userCommand.get(i);
            String next = userCommand.get(i + 1);
            if (arg.equals("-jar")) {
                files.add(workingDirectory.resolve(next));
                break; // everything after the jar belongs to the app
            }
            if (arg.equals("-cp") || arg.equals("-classpath") || arg.equals("--class-path")) {
                for (String entry : next.split(":")) {
                    files.addAll(expand(workingDirectory, entry));
                }
                i++;
            }
        }
        return files.stream().filter(Files::isRegularFile).map(p -> p.toAbsolutePath().normalize()).toList();
    }

    private static List<Path> expand(Path cwd, String entry) {
        if (entry.endsWith("/*") || entry.equals("*")) {
            Path dir = cwd.resolve(entry.substring(0, entry.length() - 1));
            try (Stream<Path> s = Files.list(dir)) {
                return s.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
            } catch (java.io.IOException e) {
                return List.of();
            }
        }
        return List.of(cwd.resolve(entry));
    }
}
