package dev.thaw.bench;

import dev.thaw.ThawException;
import dev.thaw.image.ImageManifest;
import dev.thaw.leader.Progress;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Makes the bench's images with {@code thaw checkpoint}, the command a user runs, every image warmed
 * the same way. thaw's own lines are passed on as progress; the leader's output and the warm-up
 * counter go only to the log in the work directory.
 */
final class ThawCheckpoint implements EconomyBench.ImageMaker {
    private static final int TAIL_LINES = 15;

    private final BenchSettings settings;
    private final Progress progress;

    ThawCheckpoint(BenchSettings settings, Progress progress) {
        this.settings = settings;
        this.progress = progress;
    }

    @Override
    public ImageManifest checkpoint(Path dir, List<String> command, List<String> thawOptions) throws IOException, InterruptedException {
        progress.say("bench: thaw checkpoint (" + settings.warmupRequests() + " warm-up requests)"
                + (command.equals(settings.command()) ? "" : " of " + String.join(" ", command.subList(1, command.size() - 1))));
        Path log = settings.workDir().resolve("checkpoint-" + dir.getFileName() + ".log");
        Process thaw = new ProcessBuilder(commandLine(dir, command, thawOptions)).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        Deque<String> tail = new ArrayDeque<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(thaw.getInputStream(), StandardCharsets.UTF_8));
             PrintWriter file = new PrintWriter(Files.newBufferedWriter(log))) {
            for (String line; (line = out.readLine()) != null; ) {
                file.println(line);
                remember(tail, line);
                if (line.startsWith("thaw: ") && !line.startsWith("thaw: warm-up ")) {
                    progress.say("bench: checkpoint: " + line.substring("thaw: ".length()));
                }
            }
        } finally {
            thaw.destroy(); // interrupted: the leader is thaw's child, and thaw stops it on TERM
        }
        int exit = thaw.waitFor();
        if (exit != 0) {
            throw new ThawException("thaw checkpoint exited with " + exit + " (" + log + "); its last lines:\n  " + String.join("\n  ", tail));
        }
        return ImageManifest.read(dir);
    }

    /** thaw checkpoint --image DIR --force --warmup-url ... -- COMMAND: the probe first, then the load's URLs. */
    List<String> commandLine(Path dir, List<String> command) {
        return commandLine(dir, command, List.of());
    }

    List<String> commandLine(Path dir, List<String> command, List<String> thawOptions) {
        List<String> line = new ArrayList<>(settings.thawCommand());
        line.addAll(List.of("checkpoint", "--image", dir.toString(), "--force",
                "--warmup-requests", Integer.toString(settings.warmupRequests()),
                "--warmup-jit-wait", Integer.toString(settings.warmupJitWaitSeconds()),
                "--leader-ready-timeout", Integer.toString(settings.readyTimeoutSeconds())));
        line.addAll(settings.appUserOptions());
        if (!settings.appCheckpoints()) { // Spring's onRefresh: the app asks for its checkpoint before it serves, without a warm-up
            settings.warmup().forEach(u -> line.addAll(List.of("--warmup-url", u.toString())));
        }
        line.addAll(thawOptions);
        line.add("--");
        // -Xlog:gc in the leader: its heap shrink is in the log, and every restored worker logs its collections.
        List<String> logged = new ArrayList<>(command);
        logged.add(1, FirstSecondCost.GC_LOG_FLAG);
        line.addAll(settings.withReusePort(logged));
        return line;
    }

    private static void remember(Deque<String> tail, String line) {
        tail.addLast(line);
        if (tail.size() > TAIL_LINES) {
            tail.removeFirst();
        }
    }
}
