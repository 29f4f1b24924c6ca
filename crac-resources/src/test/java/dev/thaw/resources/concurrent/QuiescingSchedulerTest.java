package dev.thaw.resources.concurrent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class QuiescingSchedulerTest {

    private final QuiescingScheduler scheduler = QuiescingScheduler.create("test", 2, Duration.ofSeconds(5));
    private final ExecutorService background = Executors.newCachedThreadPool();

    @AfterEach
    void shutDown() {
        scheduler.shutdownNow();
        background.shutdownNow();
    }

    @Test
    void beforeCheckpoint_waits_for_the_task_running_to_finish() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Future<?> task = scheduler.submit(() -> {
            started.countDown();
            await(release);
        });
        assertTrue(started.await(5, TimeUnit.SECONDS));

        CompletableFuture<Void> checkpoint = CompletableFuture.runAsync(() -> call(() -> scheduler.beforeCheckpoint(null)), background);
        assertThrows(TimeoutException.class, () -> checkpoint.get(300, TimeUnit.MILLISECONDS));
        release.countDown();
        checkpoint.get(5, TimeUnit.SECONDS);
        assertTrue(task.isDone());
    }

    @Test
    void no_task_runs_while_quiesced_and_held_tasks_run_after_restore() throws Exception {
        scheduler.beforeCheckpoint(null);
        AtomicInteger runs = new AtomicInteger();
        Future<?> submitted = scheduler.submit(runs::incrementAndGet);
        scheduler.schedule(runs::incrementAndGet, 10, TimeUnit.MILLISECONDS);
        Thread.sleep(300);
        assertEquals(0, runs.get(), "nothing may run while the process is being checkpointed");

        scheduler.afterRestore(null);
        submitted.get(5, TimeUnit.SECONDS);
        awaitAtLeast(runs, 2);
    }

    @Test
    void a_task_running_past_the_timeout_refuses_the_checkpoint_and_the_scheduler_keeps_running() throws Exception {
        QuiescingScheduler impatient = QuiescingScheduler.create("impatient", 1, Duration.ofMillis(200));
        try {
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch started = new CountDownLatch(1);
            impatient.submit(() -> {
                started.countDown();
                await(release);
            });
            assertTrue(started.await(5, TimeUnit.SECONDS));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> impatient.beforeCheckpoint(null));
            assertTrue(e.getMessage().contains("scheduler 'impatient': 1 task(s) still running after PT0.2S"), e.getMessage());
            release.countDown();
            assertEquals(7, impatient.submit(() -> 7).get(5, TimeUnit.SECONDS), "the gate is open again");
        } finally {
            impatient.shutdownNow();
        }
    }

    @Test
    void a_fixed_rate_task_skips_the_runs_missed_during_a_checkpoint_instead_of_bursting() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        scheduler.scheduleAtFixedRate(runs::incrementAndGet, 0, 20, TimeUnit.MILLISECONDS);
        awaitAtLeast(runs, 3);

        scheduler.beforeCheckpoint(null);
        Thread.sleep(1_000); // ~50 periods missed, as time passes while the image sits on disk
        int before = runs.get();
        scheduler.afterRestore(null);
        Thread.sleep(100);

        int burst = runs.get() - before;
        assertTrue(burst <= 8, "expected about 5 runs in 100 ms after the restore, not a burst of the missed ones, got " + burst);
        awaitAtLeast(runs, before + 1); // and it did resume (a starved machine may take longer than 100 ms)
    }

    @Test
    void a_plain_scheduled_thread_pool_does_burst_after_a_pause_which_is_what_the_test_above_guards_against() throws Exception {
        ScheduledThreadPoolExecutor plain = new ScheduledThreadPoolExecutor(1);
        try {
            AtomicInteger runs = new AtomicInteger();
            CountDownLatch release = new CountDownLatch(1);
            plain.scheduleAtFixedRate(runs::incrementAndGet, 0, 20, TimeUnit.MILLISECONDS);
            awaitAtLeast(runs, 3);
            plain.execute(() -> await(release)); // holds the only thread, as a checkpoint would
            Thread.sleep(1_000);
            int before = runs.get();
            release.countDown();
            Thread.sleep(100);
            assertTrue(runs.get() - before > 20, "the missed runs fire back to back: " + (runs.get() - before));
        } finally {
            plain.shutdownNow();
        }
    }

    @Test
    void a_fixed_delay_task_runs_again_after_restore() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        scheduler.scheduleWithFixedDelay(runs::incrementAndGet, 0, 20, TimeUnit.MILLISECONDS);
        awaitAtLeast(runs, 2);
        scheduler.beforeCheckpoint(null);
        Thread.sleep(100);
        int frozen = runs.get();
        Thread.sleep(200);
        assertEquals(frozen, runs.get());
        scheduler.afterRestore(null);
        awaitAtLeast(runs, frozen + 2);
    }

    @Test
    void a_cancelled_periodic_task_stops_and_reports_cancellation() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        ScheduledFuture<?> future = scheduler.scheduleAtFixedRate(runs::incrementAndGet, 0, 10, TimeUnit.MILLISECONDS);
        awaitAtLeast(runs, 2);
        assertTrue(future.cancel(false));
        Thread.sleep(50);
        int after = runs.get();
        Thread.sleep(100);
        assertEquals(after, runs.get());
        assertTrue(future.isCancelled() && future.isDone());
        assertThrows(CancellationException.class, future::get);
    }

    @Test
    void a_failing_periodic_task_ends_with_its_failure() throws Exception {
        ScheduledFuture<?> future = scheduler.scheduleAtFixedRate(() -> {
            throw new IllegalStateException("boom");
        }, 0, 10, TimeUnit.MILLISECONDS);
        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(5, TimeUnit.SECONDS));
        assertEquals("boom", e.getCause().getMessage());
    }

    @Test
    void shutdown_ends_periodic_tasks_so_the_scheduler_terminates() throws Exception {
        scheduler.scheduleAtFixedRate(() -> { }, 0, 1, TimeUnit.HOURS);
        scheduler.scheduleWithFixedDelay(() -> { }, 1, 1, TimeUnit.HOURS);
        scheduler.shutdown();
        assertTrue(scheduler.awaitTermination(5, TimeUnit.SECONDS));
    }

    @Test
    void a_wrapped_executor_holds_tasks_back_while_quiesced() throws Exception {
        QuiescingExecutor executor = QuiescingExecutor.wrap(Executors.newFixedThreadPool(2));
        try {
            executor.beforeCheckpoint(null);
            AtomicInteger runs = new AtomicInteger();
            Future<?> task = executor.submit(runs::incrementAndGet);
            Thread.sleep(200);
            assertEquals(0, runs.get());
            assertFalse(task.isDone());
            executor.afterRestore(null);
            task.get(5, TimeUnit.SECONDS);
            assertEquals(1, runs.get());
        } finally {
            executor.shutdownNow();
        }
    }

    private static void awaitAtLeast(AtomicInteger counter, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (counter.get() < n) {
            if (System.nanoTime() > deadline) throw new AssertionError("counter reached only " + counter.get() + " of " + n);
            Thread.sleep(5);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    interface Call {
        void run() throws Exception;
    }

    private static void call(Call call) {
        try {
            call.run();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
