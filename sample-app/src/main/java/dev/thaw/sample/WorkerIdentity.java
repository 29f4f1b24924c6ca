package dev.thaw.sample;

/**
 * Which thaw worker this process is. thaw's runtime sets these system properties in each restored
 * worker before calling afterRestore; in the leader, or without thaw, they are absent (null).
 */
record WorkerIdentity(String id, String generation, String restoredAt) {

    static final String ID = "thaw.worker.id";
    static final String GENERATION = "thaw.worker.generation";
    static final String RESTORED_AT = "thaw.worker.restored-at";

    /** Read on every call: the same heap answers as the leader before the checkpoint and as a worker after. */
    static WorkerIdentity current() {
        return new WorkerIdentity(System.getProperty(ID), System.getProperty(GENERATION), System.getProperty(RESTORED_AT));
    }
}
