package dev.thaw.pool;

import dev.thaw.image.ImageManifest;
import dev.thaw.lifecycle.WorkerIdentity;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * The images a pool restores from, and the launcher of its workers: the one port through which the
 * supervisor reaches CRIU. {@link ImageSource} is the real one (a pinned image directory); the
 * supervisor's unit tests use a fake.
 */
public interface ImageStore {
    /** The image workers are restored from now. */
    ImageManifest manifest();

    /**
     * The serving image's manifest read again from the image restores come from, its seal checked and
     * compared with what was verified when it was pinned: what USR2 replays (its command line, working
     * directory and user, as root). Throws {@link dev.thaw.ThawException} when it was changed since.
     */
    ImageManifest recipe();

    /** The image directory that checkpoints and reforks write to. */
    Path directory();

    /** Starts restoring one worker from the current image; it reports over the control socket. */
    WorkerHandle restore(WorkerIdentity identity, Consumer<String> output) throws IOException;

    /** Whether the directory holds another image than the one served (a new checkpoint was written): reads its manifest only. */
    boolean changed();

    /**
     * Pins the image now in the directory and verifies it (seal, the SHA-256 of every file, JDK, jars, CPU),
     * for {@link #switchTo}. Hashing takes 0.3-0.5 s for 400 MiB and longer on a slow disk, during which the
     * supervisor's loop would handle no signal, reap no worker and kill none past its deadline: so the work
     * runs on a thread of its own and this returns at once. The future fails when the image is unusable.
     */
    CompletableFuture<NewImage> verifyNew();

    /** Serves {@code verified} from now on (restores come from it); quick, on the supervisor's thread. */
    ImageManifest switchTo(NewImage verified);

    /** Lets go of a verified image the pool will not serve (it stops meanwhile). */
    void discard(NewImage verified);

    /** An image pinned and verified by {@link #verifyNew()}, not served yet. */
    interface NewImage {
        ImageManifest manifest();
    }

    /** Goes back to an image switched away from that {@code image}'s workers still serve; false if it is gone. */
    boolean rollBackTo(Path image);

    /** Lets go of images switched away from that no live worker was restored from. */
    void releaseRetired(Collection<Path> inUse);

    /**
     * Dumps a live worker into the directory as the next generation (a refork), blocking; the pool
     * then verifies it ({@link #verifyNew()}) and serves it ({@link #switchTo}). Runs off the supervisor's thread.
     */
    ImageManifest dumpRefork(WorkerHandle mold, ImageManifest serving, String madeFrom, ImageManifest.MemoryAtDump memory)
            throws IOException;
}
