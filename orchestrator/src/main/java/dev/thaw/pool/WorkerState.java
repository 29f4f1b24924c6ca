package dev.thaw.pool;

import java.util.EnumSet;
import java.util.Set;

/**
 * A worker's life, as Jetty's LifeCycle names a component's: restored from the image, serving, then
 * draining after TERM until it exits. A serving worker may be REFORKING for a while: checkpointed
 * into the next image, then serving again. Every change goes through {@link Worker}'s named
 * transitions, which refuse any change not listed here.
 *
 * <pre>
 *   RESTORING -> READY -> DRAINING
 *                READY <-> REFORKING -> DRAINING
 *   RESTORING -> DRAINING
 * </pre>
 */
public enum WorkerState {
    RESTORING, READY, REFORKING, DRAINING;

    boolean canBecome(WorkerState next) {
        return next(this).contains(next);
    }

    private static Set<WorkerState> next(WorkerState s) {
        return switch (s) {
            case RESTORING -> EnumSet.of(READY, DRAINING);
            case READY -> EnumSet.of(REFORKING, DRAINING);
            case REFORKING -> EnumSet.of(READY, DRAINING);
            case DRAINING -> EnumSet.noneOf(WorkerState.class);
        };
    }
}
