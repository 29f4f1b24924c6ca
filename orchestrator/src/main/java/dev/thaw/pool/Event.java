package dev.thaw.pool;

import dev.thaw.control.ControlEvent;

/** Everything the supervisor loop reacts to. Signal handlers and process callbacks only post these. */
sealed interface Event {
    record Control(ControlEvent event) implements Event {
    }

    record WorkerExited(WorkerHandle process) implements Event {
    }

    record SignalReceived(String name) implements Event {
    }

    /** The USR2 checkpoint ended; 0 means a new image is in the image directory. */
    record NextImageDone(int exitCode) implements Event {
    }

    /** A refork's dump ended: the new image's manifest (committed to the image directory), or null and why not. */
    record ReforkDumped(Refork refork, dev.thaw.image.ImageManifest manifest, String error) implements Event {
    }
}
