package dev.thaw.resources.concurrent;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A periodic task run as a chain of one-shot runs, each scheduling the next, so that the next run
 * time is decided here rather than by ScheduledThreadPoolExecutor's fixed-rate rule (previous time +
 * period). That rule catches up every missed period back to back, and after a restore there are many:
 * System.nanoTime() jumps forward by the time the image sat on disk. Here a fixed-rate task that fell
 * behind skips the runs it missed and keeps its phase: one run now, the next on the period grid.
 */
final class PeriodicTask implements ScheduledFuture<Object>, Runnable {

    private enum State { SCHEDULED, CANCELLED, FAILED, ENDED }

    private final QuiescingScheduler scheduler;
    private final Runnable command;
    private final long periodNanos;
    private final boolean fixedRate;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile State state = State.SCHEDULED;
    private volatile Throwable failure;
    private volatile long nextRunNanos;
    private volatile ScheduledFuture<?> pending;
    private volatile long skippedRuns;

    PeriodicTask(QuiescingScheduler scheduler, Runnable command, long periodNanos, boolean fixedRate) {
        if (periodNanos <= 0) throw new IllegalArgumentException("period must be positive, got " + periodNanos + " ns");
        this.scheduler = scheduler;
        this.command = command;
        this.periodNanos = periodNanos;
        this.fixedRate = fixedRate;
    }

    /**
     * Holds the lock while scheduling, as {@link #scheduleNext} and {@link #cancel} do: the first run may
     * start, finish and schedule the second before {@code schedule} has even returned here, and
     * {@link #pending} must always be the newest run, or cancel and shutdown would miss it.
     */
    synchronized PeriodicTask start(long initialDelayNanos) {
        nextRunNanos = System.nanoTime() + Math.max(0, initialDelayNanos);
        pending = scheduler.scheduleOnce(this, Math.max(0, initialDelayNanos));
        return this;
    }

    @Override
    public void run() {
        if (state != State.SCHEDULED) return;
        if (scheduler.isShutdown()) {
            end(State.ENDED);
            return;
        }
        try {
            command.run();
        } catch (Throwable t) {
            failure = t; // as with ScheduledExecutorService: a failed run ends the task
            end(State.FAILED);
            return;
        }
        scheduleNext();
    }

    private synchronized void scheduleNext() {
        long now = System.nanoTime();
        long next = fixedRate ? nextRunNanos + periodNanos : now + periodNanos;
        if (next - now < 0) {
            long missed = (now - next) / periodNanos + 1;
            skippedRuns += missed;
            next += missed * periodNanos;
        }
        nextRunNanos = next;
        try {
            if (state == State.SCHEDULED) pending = scheduler.scheduleOnce(this, next - now);
        } catch (RejectedExecutionException shutDown) {
            end(State.ENDED);
        }
    }

    /** Runs skipped because they fell into a time when the task could not run (a checkpoint, a restore). */
    long skippedRuns() {
        return skippedRuns;
    }

    private synchronized void end(State how) {
        state = how;
        scheduler.ended(this);
        finished.countDown();
    }

    @Override
    public synchronized boolean cancel(boolean mayInterruptIfRunning) {
        if (state != State.SCHEDULED) return false;
        end(State.CANCELLED);
        ScheduledFuture<?> p = pending;
        if (p != null) p.cancel(mayInterruptIfRunning);
        return true;
    }

    @Override
    public boolean isCancelled() {
        return state == State.CANCELLED;
    }

    @Override
    public boolean isDone() {
        return state != State.SCHEDULED;
    }

    @Override
    public Object get() throws InterruptedException, ExecutionException {
        finished.await();
        return result();
    }

    @Override
    public Object get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
        if (!finished.await(timeout, unit)) throw new TimeoutException();
        return result();
    }

    private Object result() throws ExecutionException {
        switch (state) {
            case CANCELLED: throw new CancellationException();
            case FAILED: throw new ExecutionException(failure);
            default: throw new CancellationException("the scheduler was shut down");
        }
    }

    @Override
    public long getDelay(TimeUnit unit) {
        return unit.convert(nextRunNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed other) {
        return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
    }
}
