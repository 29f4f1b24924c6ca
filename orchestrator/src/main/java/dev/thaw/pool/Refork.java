package dev.thaw.pool;

import dev.thaw.image.ImageManifest;
import java.io.IOException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * One refork under way (--refork-after). A serving worker, the mold, becomes the image of the next
 * generation without stopping to exist:
 *
 * <pre>
 *   CHECKPOINTING  the mold got CHECKPOINT: its beforeCheckpoint drains and closes its port, its heap is
 *                  made small, it answers READY_TO_DUMP, closes its control connection and reads stdin
 *   DUMPING        criu dump --leave-running, then the new image's verification, on a thread of its own;
 *                  the loop keeps going
 *   (done)         an event carries the result; the mold reads an IDENTITY with the new generation (or
 *                  its old one if the dump failed), runs afterRestore in place and serves again
 * </pre>
 *
 * The other workers serve meanwhile, which is why a refork waits for at least two ready workers.
 * {@link Reforker} decides when one starts and what follows it.
 */
final class Refork {
    enum Phase { CHECKPOINTING, DUMPING }

    final Worker mold;
    /** The generation being made. */
    final long generation;
    final long requests;
    Phase phase = Phase.CHECKPOINTING;
    /** What the mold held after its full GC, from its READY_TO_DUMP; null until then. */
    ImageManifest.MemoryAtDump memory;
    boolean readyToDump;

    Refork(Worker mold, long generation, long requests) {
        this.mold = mold;
        this.generation = generation;
        this.requests = requests;
    }

    /** Recorded in the new image's manifest (madeFrom). */
    String madeFrom() {
        return "worker " + mold.slot() + " of generation " + (generation - 1) + " after " + requests + " requests";
    }

    /**
     * Dumps the mold, then verifies the new image, both off the loop thread; {@code done} receives the
     * result as an event, with the image ready to serve: the loop switches to it without hashing it.
     */
    void startDump(ImageStore images, ImageManifest serving, Consumer<Event> done) {
        phase = Phase.DUMPING;
        Thread.ofPlatform().name("thaw-refork-dump").daemon().start(() -> {
            try {
                images.dumpRefork(mold.process, serving, madeFrom(), memory);
            } catch (IOException | RuntimeException | Error e) { // an event always follows, or the refork never ends
                done.accept(new Event.ReforkDumped(this, null, String.valueOf(e.getMessage())));
                return;
            }
            try {
                done.accept(new Event.ReforkDumped(this, images.verifyNew().join(), null));
            } catch (CompletionException | CancellationException e) {
                done.accept(new Event.ReforkDumped(this, null, "the new image is unusable: " + ImageVerification.why(e)));
            }
        });
    }
}
