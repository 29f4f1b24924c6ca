package dev.thaw.pool;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The live worker processes, looked up by slot (0..N-1), process or control connection, and what
 * each slot has been through: boot failures in a row, when it may be restored again, restarts.
 */
final class Workers {
    /** Backoff after a boot failure: 0.5 s, 1 s, 2 s... 32 s, so a broken image never spins in a tight loop. */
    private static final long FIRST_RETRY_NANOS = 500_000_000L;

    private final List<Worker> all = new ArrayList<>();
    private final Map<Integer, SlotHistory> slots = new HashMap<>();

    private static final class SlotHistory {
        int bootFailures;
        long retryNotBeforeNanos;
        int restarts;
    }

    void add(Worker w) {
        all.add(w);
    }

    Optional<Worker> remove(WorkerHandle process) {
        Optional<Worker> w = all.stream().filter(x -> x.process == process).findFirst();
        w.ifPresent(all::remove);
        return w;
    }

    Optional<Worker> byPeer(long connectionId) {
        return all.stream().filter(w -> w.peer != null && w.peer.connectionId() == connectionId).findFirst();
    }

    /** The workers of {@code slot} without a control connection: restoring, or reforking (which reconnect). */
    List<Worker> awaitingHello(int slot) {
        return all.stream().filter(w -> w.slot() == slot && w.peer == null
                && (w.is(WorkerState.RESTORING) || w.is(WorkerState.REFORKING))).toList();
    }

    boolean slotFilled(int slot) {
        return all.stream().anyMatch(w -> w.slot() == slot && w.isActive());
    }

    List<Worker> all() {
        return new ArrayList<>(all);
    }

    List<Worker> inState(WorkerState state) {
        return all.stream().filter(w -> w.is(state)).toList();
    }

    long count(WorkerState state) {
        return all.stream().filter(w -> w.is(state)).count();
    }

    boolean isEmpty() {
        return all.isEmpty();
    }

    // ---- per-slot history --------------------------------------------------------------------------

    /** Counts a boot failure of {@code slot} and backs its next restore off; returns the failures in a row. */
    int bootFailed(int slot, long nowNanos) {
        SlotHistory h = history(slot);
        h.bootFailures++;
        h.retryNotBeforeNanos = nowNanos + (FIRST_RETRY_NANOS << Math.min(h.bootFailures - 1, 6));
        return h.bootFailures;
    }

    /** A worker of {@code slot} became ready: its failures in a row are over. */
    void booted(int slot) {
        history(slot).bootFailures = 0;
    }

    /** After a roll back every slot starts counting afresh, on the image that works. */
    void forgetBootFailures() {
        slots.values().forEach(h -> h.bootFailures = 0);
    }

    /** Whether the slot's backoff after a boot failure is over. */
    boolean mayRestore(int slot, long nowNanos) {
        return nowNanos >= history(slot).retryNotBeforeNanos;
    }

    /** A worker of {@code slot} crashed or hung and was replaced: shown by thaw status. */
    void restarted(int slot) {
        history(slot).restarts++;
    }

    Map<Integer, Integer> restarts() {
        Map<Integer, Integer> r = new HashMap<>();
        slots.forEach((slot, h) -> r.put(slot, h.restarts));
        return r;
    }

    private SlotHistory history(int slot) {
        return slots.computeIfAbsent(slot, s -> new SlotHistory());
    }
}
