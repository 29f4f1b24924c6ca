package dev.thaw.resources.concurrent;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;

/**
 * Any {@link ExecutorService} made to go quiet for a checkpoint: {@code beforeCheckpoint} waits (up
 * to the timeout, otherwise the checkpoint is refused) for the tasks running to finish and holds back
 * the ones not yet started; {@code afterRestore} lets them run. For a scheduler use
 * {@link QuiescingScheduler}, which also keeps periodic tasks from bursting after a restore.
 *
 * <pre>{@code
 * ExecutorService workers = QuiescingExecutor.wrap(Executors.newFixedThreadPool(4));
 * }</pre>
 */
public final class QuiescingExecutor extends AbstractExecutorService implements Resource {

    private final ExecutorService delegate;
    private final Duration quiesceTimeout;
    private final TaskGate gate = new TaskGate();

    private QuiescingExecutor(ExecutorService delegate, Duration quiesceTimeout) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.quiesceTimeout = Objects.requireNonNull(quiesceTimeout, "quiesceTimeout");
        if (quiesceTimeout.isNegative()) {
            throw new IllegalArgumentException("quiesceTimeout must not be negative, got " + quiesceTimeout);
        }
    }

    /** Wraps {@code delegate} and registers the wrapper with org.crac. */
    public static QuiescingExecutor wrap(ExecutorService delegate) {
        return wrap(delegate, QuiescingScheduler.DEFAULT_QUIESCE_TIMEOUT);
    }

    public static QuiescingExecutor wrap(ExecutorService delegate, Duration quiesceTimeout) {
        QuiescingExecutor executor = new QuiescingExecutor(delegate, quiesceTimeout);
        Core.getGlobalContext().register(executor);
        return executor;
    }

    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        delegate.execute(() -> {
            gate.enter();
            try {
                task.run();
            } finally {
                gate.exit();
            }
        });
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) throws Exception {
        gate.close(quiesceTimeout, "executor " + delegate);
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        gate.open();
    }

    @Override
    public void shutdown() {
        delegate.shutdown();
    }

    @Override
    public List<Runnable> shutdownNow() {
        return delegate.shutdownNow();
    }

    @Override
    public boolean isShutdown() {
        return delegate.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return delegate.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return delegate.awaitTermination(timeout, unit);
    }
}
