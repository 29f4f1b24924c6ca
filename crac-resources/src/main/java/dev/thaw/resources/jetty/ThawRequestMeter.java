package dev.thaw.resources.jetty;

import dev.thaw.lifecycle.Requests;

/**
 * Reports requests to thaw's {@link Requests} meter when thaw's agent is present, so that the
 * orchestrator can recycle a worker after --max-requests and replace one stuck in a request past
 * --timeout. Without the agent (a plain run, a unit test) this does nothing.
 */
final class ThawRequestMeter {
    private static final boolean PRESENT = present();

    private ThawRequestMeter() {
    }

    static long begin() {
        return PRESENT ? Meter.begin() : 0;
    }

    static void end(long token) {
        if (PRESENT) {
            Meter.end(token);
        }
    }

    private static boolean present() {
        try {
            Class.forName("dev.thaw.lifecycle.Requests", false, ThawRequestMeter.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** Separate class, loaded only when thaw is present, so that a missing Requests class is never linked. */
    private static final class Meter {
        static long begin() {
            return Requests.begin();
        }

        static void end(long token) {
            Requests.end(token);
        }
    }
}
