package dev.thaw.supervisor;

import dev.thaw.control.ControlEvent;
import dev.thaw.engine.WorkerProcess;

/** Everything the supervisor loop reacts to. Signal handlers and process callbacks only post these. */
sealed interface Event {
    record Control(ControlEvent event) implements Event {
    }

    record WorkerExited(WorkerProcess process) implements Event {
    }

    record SignalReceived(String name) implements Event {
    }

    /** The USR2 checkpoint ended; 0 means a new image is in the image directory. */
    record NextImageDone(int exitCode) implements Event {
    }
}
