package dev.thaw.lifecycle.crac;

import dev.thaw.lifecycle.runtime.ThawRuntime;

/**
 * Entry point that org.crac calls reflectively ({@code getGlobalContext}, {@code checkpointRestore})
 * when {@code -Dorg.crac.Core.Compat=dev.thaw.lifecycle.crac} is set; thaw's agent sets it.
 */
public final class Core {
    private Core() {
    }

    public static Context<Resource> getGlobalContext() {
        return ThawRuntime.get().globalContext();
    }

    /**
     * Runs every {@code beforeCheckpoint}, has the orchestrator dump this JVM, and returns in each
     * restored worker after its {@code afterRestore} callbacks ran.
     *
     * @throws CheckpointException in the original JVM when a callback failed or no orchestrator
     *     manages this JVM; the JVM goes on as before
     * @throws RestoreException in a restored worker when an {@code afterRestore} callback failed
     */
    public static void checkpointRestore() throws CheckpointException, RestoreException {
        ThawRuntime.get().checkpointRestore();
    }
}
