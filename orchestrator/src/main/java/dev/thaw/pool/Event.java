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

    /** A refork's dump ended: the new image, committed to the image directory and verified, or null and why not. */
    record ReforkDumped(Refork refork, ImageStore.NewImage image, String error) implements Event {
    }

    /** A new image for HUP or reload was verified off the loop ({@link ImageVerification}): the image, or null and why not. */
    record ImageVerified(ImageVerification verification, ImageStore.NewImage image, String error) implements Event {
    }
}
