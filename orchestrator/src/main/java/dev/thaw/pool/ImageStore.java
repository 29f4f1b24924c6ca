package dev.thaw.pool;

import dev.thaw.image.ImageManifest;
import dev.thaw.lifecycle.WorkerIdentity;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
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

    /** Whether the directory holds another image than the one served (a new checkpoint was written). */
    boolean changed();

    /** Serves the image now in the directory from now on; throws if it is unusable. */
    ImageManifest switchToNew() throws IOException;

    /** Goes back to an image switched away from that {@code image}'s workers still serve; false if it is gone. */
    boolean rollBackTo(Path image);

    /** Lets go of images switched away from that no live worker was restored from. */
    void releaseRetired(Collection<Path> inUse);

    /**
     * Dumps a live worker into the directory as the next generation (a refork), blocking; the pool
     * then serves it with {@link #switchToNew()}. Runs off the supervisor's thread.
     */
    ImageManifest dumpRefork(WorkerHandle mold, ImageManifest serving, String madeFrom, ImageManifest.MemoryAtDump memory)
            throws IOException;
}
