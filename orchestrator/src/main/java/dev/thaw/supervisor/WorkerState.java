package dev.thaw.supervisor;

/** A worker's life: restored from the image, serving, then draining after TERM until it exits. */
public enum WorkerState {
    RESTORING, READY, DRAINING
}
