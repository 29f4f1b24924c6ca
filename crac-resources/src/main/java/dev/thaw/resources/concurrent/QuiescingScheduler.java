package dev.thaw.resources.concurrent;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;

/**
 * A {@link ScheduledThreadPoolExecutor} (so also an ExecutorService) that goes quiet for a checkpoint.
 *
 * <p>{@code beforeCheckpoint} lets the tasks running finish (up to the timeout; otherwise the
 * checkpoint is refused) and holds every other task back: nothing runs, connects or writes while the
 * process is dumped. Its threads stay, parked, which CRIU handles. {@code afterRestore} lets the tasks
 * go again. Periodic tasks then run once and return to their period: the runs missed while the image
 * sat on disk are skipped, not fired in a burst (see {@link PeriodicTask}).
 *
 * <pre>{@code
 * QuiescingScheduler scheduler = QuiescingScheduler.create("refresh", 2);
 * scheduler.scheduleAtFixedRate(cache::refresh, 0, 30, TimeUnit.SECONDS);
 * }</pre>
 */
public final class QuiescingScheduler extends ScheduledThreadPoolExecutor implements Resource {

    public static final Duration DEFAULT_QUIESCE_TIMEOUT = Duration.ofSeconds(30);

    private final String name;
    private final Duration quiesceTimeout;
    private final TaskGate gate = new TaskGate();
    /** Live periodic tasks: ScheduledThreadPoolExecutor cancels its own periodic tasks on shutdown, so must we. */
    private final Set<PeriodicTask> periodicTasks = ConcurrentHashMap.newKeySet();

    private QuiescingScheduler(String name, int threads, Duration quiesceTimeout) {
        super(threads, daemonThreads(name));
        this.name = name;
        this.quiesceTimeout = Objects.requireNonNull(quiesceTimeout, "quiesceTimeout");
        if (quiesceTimeout.isNegative()) {
            throw new IllegalArgumentException("quiesceTimeout must not be negative, got " + quiesceTimeout);
        }
        setRemoveOnCancelPolicy(true);
    }

    /** A scheduler with {@code threads} daemon threads named {@code name-N}, registered with org.crac. */
    public static QuiescingScheduler create(String name, int threads) {
        return create(name, threads, DEFAULT_QUIESCE_TIMEOUT);
    }

    /** {@code quiesceTimeout} bounds the wait for running tasks before a checkpoint. */
    public static QuiescingScheduler create(String name, int threads, Duration quiesceTimeout) {
        QuiescingScheduler scheduler = new QuiescingScheduler(name, threads, quiesceTimeout);
        Core.getGlobalContext().register(scheduler);
        return scheduler;
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        Objects.requireNonNull(command, "command");
        return startPeriodic(new PeriodicTask(this, command, unit.toNanos(period), true), unit.toNanos(initialDelay));
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        Objects.requireNonNull(command, "command");
        return startPeriodic(new PeriodicTask(this, command, unit.toNanos(delay), false), unit.toNanos(initialDelay));
    }

    private ScheduledFuture<?> startPeriodic(PeriodicTask task, long initialDelayNanos) {
        periodicTasks.add(task);
        return task.start(initialDelayNanos);
    }

    void ended(PeriodicTask task) {
        periodicTasks.remove(task);
    }

    @Override
    public void shutdown() {
        super.shutdown();
        periodicTasks.forEach(task -> task.cancel(false));
    }

    @Override
    public List<Runnable> shutdownNow() {
        periodicTasks.forEach(task -> task.cancel(false));
        return super.shutdownNow();
    }

    ScheduledFuture<?> scheduleOnce(Runnable run, long delayNanos) {
        return schedule(run, delayNanos, TimeUnit.NANOSECONDS);
    }

    @Override
    protected void beforeExecute(Thread thread, Runnable task) {
        gate.enter();
        super.beforeExecute(thread, task);
    }

    @Override
    protected void afterExecute(Runnable task, Throwable failure) {
        super.afterExecute(task, failure);
        gate.exit();
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) throws Exception {
        gate.close(quiesceTimeout, "scheduler '" + name + "'");
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        gate.open();
    }

    @Override
    public String toString() {
        return "QuiescingScheduler '" + name + "' " + super.toString();
    }

    private static ThreadFactory daemonThreads(String name) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
