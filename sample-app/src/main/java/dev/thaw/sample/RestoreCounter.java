package dev.thaw.sample;

import java.util.concurrent.atomic.AtomicInteger;

import org.crac.Context;
import org.crac.Resource;

/**
 * Counts afterRestore calls and announces each one. Registered last, it runs after every other
 * resource has reopened, so its line means "this worker is serving".
 */
final class RestoreCounter implements Resource {

    private final AtomicInteger afterRestoreCalls = new AtomicInteger();

    int afterRestoreCalls() {
        return afterRestoreCalls.get();
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        // Nothing to close.
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        afterRestoreCalls.incrementAndGet();
        System.out.println("sample: afterRestore worker=" + WorkerIdentity.current().id());
    }
}
