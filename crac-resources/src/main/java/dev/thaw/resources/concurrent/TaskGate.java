package dev.thaw.resources.concurrent;

import java.time.Duration;

/**
 * Lets tasks start while open and holds them at the door while closed; counts the tasks running.
 * Closing waits until the running ones have finished, so that no task runs, opens a socket or
 * writes a file while the process is being checkpointed.
 */
final class TaskGate {

    private enum State { OPEN, CLOSED }

    private State state = State.OPEN;
    private int running;

    /**
     * Waits while the gate is closed, then counts the caller as running. An interrupt while waiting
     * (shutdownNow) lets the task through, with the interrupt status kept, so that the executor can
     * finish shutting down instead of leaving threads parked until the next restore.
     */
    synchronized void enter() {
        while (state == State.CLOSED) {
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        running++;
    }

    synchronized void exit() {
        running--;
        if (running == 0) notifyAll();
    }

    /** Closes the gate and waits for the running tasks; on timeout opens it again and throws. */
    synchronized void close(Duration timeout, String owner) throws InterruptedException {
        state = State.CLOSED;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (running > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                int stillRunning = running;
                open();
                throw new IllegalStateException(owner + ": " + stillRunning + " task(s) still running after " + timeout
                        + "; refusing to checkpoint while they run");
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    synchronized void open() {
        state = State.OPEN;
        notifyAll();
    }

    synchronized int running() {
        return running;
    }
}
