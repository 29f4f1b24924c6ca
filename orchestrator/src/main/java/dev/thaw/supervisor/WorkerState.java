package dev.thaw.supervisor;

/**
 * A worker's life: restored from the image, serving, then draining after TERM until it exits. A serving
 * worker may be REFORKING for a while: checkpointed into the next image, then serving again.
 */
public enum WorkerState {
    RESTORING, READY, REFORKING, DRAINING
}
