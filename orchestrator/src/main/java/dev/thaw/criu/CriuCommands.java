package dev.thaw.criu;

import dev.thaw.image.ImageManifest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Every CRIU command line thaw runs, built here and nowhere else: the leader's dump, a live worker's
 * dump (refork), a worker's restore and the feature checks. Each carries the options this process's
 * privileges need ({@code --unprivileged}) and writes its log at -v2 into a work directory. Dumps run
 * under {@code setpriv --pdeathsig KILL}: a thaw killed with SIGKILL leaves no criu behind, still
 * holding the process it was dumping frozen.
 */
public final class CriuCommands {
    private final Path binary;
    private final List<String> privilegeOptions;

    public CriuCommands(Path binary, List<String> privilegeOptions) {
        this.binary = binary;
        this.privilegeOptions = List.copyOf(privilegeOptions);
    }

    /** The leader's dump: it ends the leader; its image goes to {@code imageDir}/criu. */
    public List<String> dumpLeader(long pid, Path imageDir, Path workDir, String logName) {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--pdeathsig", "KILL", "--", binary.toString(), "dump", "-t", Long.toString(pid)));
        addImageAndLog(cmd, imageDir, workDir, logName);
        return cmd;
    }

    /**
     * A serving worker's dump for a refork: CRIU runs inside the worker's PID and mount namespaces
     * ({@code nsenter} to its namespace's init), names the JVM by its PID there, and leaves it running.
     * nsenter forks criu, and a fork clears the parent-death signal, so both get one.
     */
    public List<String> dumpLiveWorker(long namespaceInit, long pidInNamespace, Path imageDir, Path workDir, String logName) {
        List<String> cmd = new ArrayList<>(List.of("setpriv", "--pdeathsig", "KILL", "--",
                "nsenter", "-t", Long.toString(namespaceInit), "--pid", "--mount", "--",
                "setpriv", "--pdeathsig", "KILL", "--", binary.toString(), "dump", "--leave-running", "-t", Long.toString(pidInNamespace)));
        addImageAndLog(cmd, imageDir, workDir, logName);
        return cmd;
    }

    /**
     * One worker's restore, as PID 1 of a new PID namespace:
     * <ul>
     * <li>{@code setsid}: the worker's helpers leave thaw's session and process group, so a signal to
     *     the group (Ctrl-C in a shell, timeout, systemd's KillMode=control-group, kill -- -PGID) reaches
     *     thaw, which decides, and never kills every worker at once behind its back;</li>
     * <li>{@code setpriv --pdeathsig KILL}: the worker dies with the thread that started it, the
     *     supervisor loop's, which lives as long as the pool;</li>
     * <li>{@code unshare --pid --fork --kill-child}: CRIU gives the JVM its dumped PID, free in a new
     *     namespace, and the namespace ends with criu;</li>
     * <li>{@code --inherit-fd}: the leader's stdin, stdout and stderr pipes become this worker's own.</li>
     * </ul>
     *
     * @param modeOptions how pages come back ({@link RestoreMode#criuOptions()}) and other restore options
     */
    public List<String> restoreWorker(Path imageDir, Path workDir, String logName, List<String> modeOptions,
                                      ImageManifest.PipeInodes leaderPipes) {
        List<String> cmd = new ArrayList<>(List.of("setsid", "setpriv", "--pdeathsig", "KILL", "--",
                "unshare", "--pid", "--mount", "--fork", "--mount-proc", "--kill-child=SIGKILL",
                binary.toString(), "restore"));
        addImageAndLog(cmd, imageDir, workDir, logName);
        cmd.addAll(modeOptions);
        addInheritFd(cmd, 0, leaderPipes.stdin());
        addInheritFd(cmd, 1, leaderPipes.stdout());
        addInheritFd(cmd, 2, leaderPipes.stderr());
        return cmd;
    }

    /** Whether this CRIU has {@code feature} (thaw's patches add some): exit 0 when it does. */
    public List<String> checkFeature(String feature) {
        List<String> cmd = new ArrayList<>(List.of(binary.toString(), "check", "--feature", feature));
        cmd.addAll(privilegeOptions);
        return cmd;
    }

    private void addImageAndLog(List<String> cmd, Path imageDir, Path workDir, String logName) {
        cmd.addAll(List.of("-D", imageDir.resolve(ImageManifest.CRIU_DIR).toString(), "-W", workDir.toString(),
                "-o", logName, "-v2"));
        cmd.addAll(privilegeOptions);
    }

    private static void addInheritFd(List<String> cmd, int fd, long inode) {
        cmd.add("--inherit-fd");
        cmd.add("fd[" + fd + "]:pipe:[" + inode + "]");
    }
}
