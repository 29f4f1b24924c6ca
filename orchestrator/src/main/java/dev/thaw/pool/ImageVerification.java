package dev.thaw.pool;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A new image being verified for HUP or 'thaw reload': pinned and every file hashed by the image store
 * on a thread of its own ({@link ImageStore#verifyNew()}), 0.3-0.5 s for 400 MiB, while the loop goes on
 * handling signals, reaping workers and killing the stuck. The result comes back to the loop as an
 * {@link Event.ImageVerified}, and the loop switches and rolls then. One at a time: a HUP meanwhile is
 * remembered ({@link #again}), not lost.
 */
final class ImageVerification {
    /** What asked for it ("received SIGHUP", "thaw reload", "new image made"), for the log. */
    final String why;
    final long startedNanos;
    private final CompletableFuture<ImageStore.NewImage> result;
    /** Another HUP or reload came meanwhile: once this image serves, the directory is looked at again. */
    boolean again;
    /**
     * Started right after the pool switched to an image verified before (a HUP came meanwhile): should this one
     * be unusable, the roll goes onto that one, as the HUP asked.
     */
    boolean afterSwitch;

    private ImageVerification(String why, long startedNanos, CompletableFuture<ImageStore.NewImage> result) {
        this.why = why;
        this.startedNanos = startedNanos;
        this.result = result;
    }

    /** Starts verifying the image now in the directory; {@code events} receives the result, from whichever thread ends it. */
    static ImageVerification start(ImageStore images, String why, long nowNanos, Consumer<Event> events) {
        ImageVerification v = new ImageVerification(why, nowNanos, images.verifyNew());
        v.result.whenComplete((image, error) -> events.accept(new Event.ImageVerified(v, image, error == null ? null : why(error))));
        return v;
    }

    /**
     * The loop ends with this verification under way: waits for it, at most {@code wait}, and lets go of the
     * image it pinned. One that takes longer still lets go of its pin if it ends before thaw does; else the
     * next 'thaw run' removes it, as it does every pin of a run that is gone.
     */
    void abandon(ImageStore images, Duration wait) {
        try {
            images.discard(result.get(wait.toMillis(), TimeUnit.MILLISECONDS));
        } catch (ExecutionException | CancellationException failed) {
            // nothing was pinned
        } catch (TimeoutException slow) {
            result.thenAccept(images::discard);
        } catch (InterruptedException e) {
            result.thenAccept(images::discard);
            Thread.currentThread().interrupt();
        }
    }

    /** What went wrong, without the future's wrapping. */
    static String why(Throwable t) {
        Throwable cause = (t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null ? t.getCause() : t;
        return String.valueOf(cause.getMessage());
    }
}
