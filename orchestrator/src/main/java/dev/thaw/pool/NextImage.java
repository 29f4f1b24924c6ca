package dev.thaw.pool;

import dev.thaw.host.OutputPump;
import dev.thaw.image.ImageManifest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * USR2: a new leader started from the command line recorded in the serving image, warmed and
 * checkpointed into the same image directory by a child 'thaw checkpoint --force', which replaces
 * the image only once the new one is complete. The pool keeps serving from its pinned image
 * meanwhile, and switches only when the child succeeds.
 *
 * <p>The leader runs with --private-network (see {@link dev.thaw.leader.PrivateNetwork}): it binds
 * the app's port while the workers serve on it, and its warm-up must reach the leader, not a
 * worker. The cost: a leader that must reach other hosts while it warms up cannot be made this way;
 * make such images with 'thaw checkpoint --force' elsewhere and switch with HUP.
 */
final class NextImage implements NextImageLauncher.Running {
    private final Process process;
    private volatile String lastError = "";

    private NextImage(Process process) {
        this.process = process;
    }

    /**
     * Starts the child; {@code thaw} is this orchestrator's own command line up to the subcommand.
     * Its output goes to {@code output}, prefixed. Throws when the image records no way to remake it.
     */
    /** The production launcher: {@code thaw checkpoint --force} run by this orchestrator's own command line. */
    static NextImageLauncher launcher(List<String> thaw) {
        return (serving, image, output) -> start(thaw, image, serving, output);
    }

    static NextImage start(List<String> thaw, Path image, ImageManifest serving, Consumer<String> output) throws IOException {
        if (serving.checkpointArguments().isEmpty()) {
            throw new IllegalStateException("the image does not record how it was made (made by an older thaw or by thaw bench)");
        }
        // setpriv --pdeathsig TERM: should thaw run be killed outright (SIGKILL), the child still gets TERM,
        // and its own shutdown hook stops its leader and removes its staging directory; nothing outlives thaw.
        List<String> command = new ArrayList<>(List.of("setpriv", "--pdeathsig", "TERM", "--"));
        command.addAll(thaw);
        command.addAll(List.of("checkpoint", "--image", image.toString(), "--force", "--private-network",
                "--generation", Long.toString(serving.generation() + 1)));
        command.addAll(serving.checkpointArguments());
        Process p = new ProcessBuilder(command).directory(Path.of(serving.workingDirectory()).toFile())
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE).start();
        p.getOutputStream().close();
        NextImage next = new NextImage(p);
        OutputPump.start(p.getInputStream(), "next image | ", line -> {
            if (line.contains("error:")) {
                next.lastError = line.substring(line.indexOf("error:") + "error:".length()).strip();
            }
            output.accept(line);
        });
        return next;
    }

    @Override
    public long pid() {
        return process.pid();
    }

    @Override
    public CompletableFuture<Integer> exitCode() {
        return process.onExit().thenApply(Process::exitValue);
    }

    @Override
    public String lastError() {
        return lastError;
    }

    @Override
    public void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
