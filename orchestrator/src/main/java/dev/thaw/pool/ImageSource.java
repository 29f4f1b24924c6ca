package dev.thaw.pool;

import dev.thaw.criu.Criu;
import dev.thaw.criu.GhostLeftovers;
import dev.thaw.criu.ReforkDump;
import dev.thaw.criu.RestoreMode;
import dev.thaw.criu.Restorer;
import dev.thaw.image.ImageDirectory;
import dev.thaw.image.ImageManifest;
import dev.thaw.image.PinnedImage;
import dev.thaw.lifecycle.WorkerIdentity;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The image a pool restores from. The run pins the image it serves ({@link PinnedImage}), so a new
 * checkpoint written to the same directory changes nothing until the pool switches to it (HUP,
 * reload, USR2, a refork); the new image is pinned and verified off the supervisor's thread. Images it
 * switched away from are let go once no restore still reads them.
 */
public final class ImageSource implements ImageStore, AutoCloseable {
    private final ImageDirectory directory;
    private final Criu criu;
    private final Path runDir;
    private PinnedImage current;
    private Restorer restorer;
    private final RestoreMode mode;
    private final Duration dumpTimeout;
    private final List<PinnedImage> retired = new ArrayList<>();
    /** How long a restore may last (--ready-timeout): a ghost file older than that is no running restore's. */
    private final Duration restoreBound;
    private final Consumer<String> log;

    private ImageSource(ImageDirectory directory, Criu criu, Path runDir, RestoreMode mode, Duration dumpTimeout, Duration restoreBound,
                        Consumer<String> log, PinnedImage first) {
        this.dumpTimeout = dumpTimeout;
        this.restoreBound = restoreBound;
        this.log = log;
        this.directory = directory;
        this.criu = criu;
        this.runDir = runDir;
        this.mode = mode;
        use(first);
    }

    /**
     * Pins and verifies the image in {@code directory}; fails with a clear error when it is unusable. Removes what
     * killed runs left: their pins, staging directories, and the ghost files of their killed restores
     * ({@link GhostLeftovers}, also swept when the pool stops).
     *
     * @param dumpTimeout how long a refork's criu dump may take (--dump-timeout)
     * @param restoreBound how long a restore may take (--ready-timeout)
     * @param log where a sweep says what it removed
     */
    public static ImageSource open(ImageDirectory directory, Criu criu, Path runDir, RestoreMode mode, Duration dumpTimeout,
                                   Duration restoreBound, Consumer<String> log) throws IOException {
        PinnedImage.removeStale(directory);
        directory.removeLeftovers();
        ImageSource source = new ImageSource(directory, criu, runDir, mode, dumpTimeout, restoreBound, log, PinnedImage.pin(directory));
        source.sweepGhosts(source.current);
        return source;
    }

    @Override
    public ImageManifest manifest() {
        return current.manifest();
    }

    @Override
    public ImageManifest recipe() {
        return current.reread();
    }

    @Override
    public Path directory() {
        return directory.target();
    }

    @Override
    public WorkerHandle restore(WorkerIdentity identity, Consumer<String> output) throws IOException {
        return new RestoredWorker(restorer.restore(identity, output), restorer.image(), log);
    }

    @Override
    public ImageManifest dumpRefork(WorkerHandle mold, ImageManifest serving, String madeFrom, ImageManifest.MemoryAtDump memory)
            throws IOException {
        if (!(mold instanceof RestoredWorker restored)) {
            throw new IllegalArgumentException(mold.describe() + " was not restored by this image source");
        }
        return new ReforkDump(criu, directory, runDir, dumpTimeout).dump(restored.process(), serving, madeFrom, memory);
    }

    @Override
    public boolean changed() {
        try {
            // Which image is there, not whether it is sound: verifyNew pins and verifies it, and says why it is unusable.
            return !ImageManifest.identify(directory.target()).is(current.manifest());
        } catch (RuntimeException unreadable) {
            return false; // missing or being replaced: keep serving what is pinned
        }
    }

    @Override
    public CompletableFuture<NewImage> verifyNew() {
        CompletableFuture<NewImage> verified = new CompletableFuture<>();
        // Its own thread, not the supervisor's (see ImageStore.verifyNew): pin() hashes every file of the image.
        // It touches nothing the supervisor's thread changes: the directory's path, and a pin of its own.
        Thread.ofPlatform().name("thaw-verify-image").daemon().start(() -> {
            try {
                verified.complete(new Verified(PinnedImage.pin(directory)));
            } catch (IOException | RuntimeException | Error e) { // the future always completes, or the switch never ends
                verified.completeExceptionally(e);
            }
        });
        return verified;
    }

    @Override
    public ImageManifest switchTo(NewImage image) {
        PinnedImage next = ((Verified) image).pin();
        retired.add(current);
        use(next);
        return next.manifest();
    }

    @Override
    public void discard(NewImage image) {
        removed(((Verified) image).pin());
    }

    private record Verified(PinnedImage pin) implements NewImage {
        @Override
        public ImageManifest manifest() {
            return pin.manifest();
        }
    }

    /**
     * Goes back to a retired image that workers still serve (a new image whose workers cannot boot):
     * restores come from it again. False when that image was let go of already.
     */
    @Override
    public boolean rollBackTo(Path image) {
        for (PinnedImage pin : retired) {
            if (pin.dir().equals(image)) {
                retired.remove(pin);
                retired.add(current);
                use(pin);
                return true;
            }
        }
        return false;
    }

    /**
     * Lets go of retired images that none of {@code inUse} uses: the images of live workers stay, for
     * restores still reading them, for a roll back, and because mapped workers map their files.
     */
    @Override
    public void releaseRetired(Collection<Path> inUse) {
        retired.removeIf(pin -> {
            // An image that cannot be removed now stays on the list, and removal is tried again later.
            return !inUse.contains(pin.dir()) && removed(pin);
        });
    }

    /** The pool stops: its restores are over, and so is any that was killed mid-way. */
    @Override
    public void close() {
        sweepGhosts(current);
        retired.forEach(this::sweepGhosts);
        retired.forEach(ImageSource::removed);
        retired.clear();
        removed(current);
    }

    /** Ghost files that killed restores of {@code pin}'s image left behind, and that no restore running now owns. */
    private void sweepGhosts(PinnedImage pin) {
        try {
            GhostLeftovers.describe(GhostLeftovers.sweep(pin.dir().resolve(ImageManifest.CRIU_DIR), restoreBound))
                    .ifPresent(line -> log.accept("thaw: " + line));
        } catch (IOException | RuntimeException e) {
            log.accept("thaw: cannot sweep the ghost files of killed restores (" + e.getMessage() + "); the next start tries again");
        }
    }

    private void use(PinnedImage pin) {
        current = pin;
        restorer = new Restorer(criu, pin.dir(), pin.manifest(), runDir, mode);
    }

    private static boolean removed(PinnedImage pin) {
        try {
            pin.close();
            return true;
        } catch (IOException | RuntimeException e) {
            System.err.println("thaw: cannot remove the retired image " + pin.dir() + " (" + e.getMessage() + "); trying again later");
            return false;
        }
    }
}
