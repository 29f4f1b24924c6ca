package dev.thaw.leader;

import dev.thaw.image.ImageDirectory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * What a TERM or INT (Ctrl-C) during 'thaw checkpoint' or 'thaw check' must undo. The JVM then runs
 * its shutdown hooks and never returns to the checkpoint's finally blocks, and the leader runs in a
 * session of its own (setsid, for CRIU), so neither the signal nor thaw's exit would reach it: the
 * leader would go on holding the app's port, and a half-written staging directory would stay. While
 * installed, a shutdown hook kills every process this JVM started (the leader, a running criu) and
 * removes the paths it was given.
 */
final class InterruptCleanup implements AutoCloseable {
    private final List<Path> paths = new CopyOnWriteArrayList<>();
    /** The image being written, whose lock a commit holds: staging is removed only once no swap is under way. */
    private volatile ImageDirectory image;
    private final Progress progress;
    private final Thread hook;

    private InterruptCleanup(Progress progress) {
        this.progress = progress;
        this.hook = new Thread(this::cleanUp, "thaw-interrupted");
    }

    static InterruptCleanup install(Progress progress) {
        InterruptCleanup c = new InterruptCleanup(progress);
        Runtime.getRuntime().addShutdownHook(c.hook);
        return c;
    }

    /** The image directory the checkpoint commits into. */
    void guard(ImageDirectory image) {
        this.image = image;
    }

    /** Removes {@code path} if the checkpoint is interrupted. */
    void removeOnInterrupt(Path path) {
        paths.add(path);
    }

    private void cleanUp() {
        List<ProcessHandle> children = ProcessHandle.current().descendants().toList();
        children.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle p : children) {
            p.onExit().completeOnTimeout(p, 5, TimeUnit.SECONDS).join();
        }
        Runnable removeAll = () -> {
            for (Path p : paths) {
                try {
                    ImageDirectory.deleteRecursively(p);
                } catch (IOException | RuntimeException e) {
                    progress.say("interrupted: cannot remove " + p + " (" + e.getMessage() + "): remove it by hand");
                }
            }
        };
        try {
            if (image != null) {
                image.whileLocked(removeAll); // a swap under way completes first; staging then holds nothing of the image
            } else {
                removeAll.run();
            }
        } catch (IOException e) {
            progress.say("interrupted: cannot take the image directory's lock (" + e.getMessage() + "); left " + paths);
        }
        progress.say("interrupted: stopped the leader" + (children.size() > 1 ? " and " + (children.size() - 1) + " more processes" : "")
                + "; the image directory is as it was");
    }

    /** The checkpoint ended on its own: its finally blocks clean up, and the hook must not run at exit. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException exiting) {
            // the JVM is already shutting down: the hook runs, and that is right
        }
    }
}
