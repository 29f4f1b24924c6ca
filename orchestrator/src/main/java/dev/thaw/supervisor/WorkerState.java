package dev.thaw.supervisor;

/** A worker's life: restored from the image, then serving, then asked to stop. */
public enum WorkerState {
    RESTORING, READY, STOPPING
}
