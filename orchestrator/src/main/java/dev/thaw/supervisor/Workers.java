package dev.thaw.supervisor;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/** The live workers, indexed by slot (0..N-1). */
final class Workers {
    private final TreeMap<Integer, Worker> bySlot = new TreeMap<>();

    void add(Worker w) {
        bySlot.put(w.slot(), w);
    }

    Optional<Worker> bySlot(int slot) {
        return Optional.ofNullable(bySlot.get(slot));
    }

    /** Removes the worker only if it is still this process (a replacement may already hold the slot). */
    Optional<Worker> removeIfCurrent(dev.thaw.engine.WorkerProcess process) {
        Worker w = bySlot.get(process.workerId());
        if (w != null && w.process == process) {
            bySlot.remove(process.workerId());
            return Optional.of(w);
        }
        return Optional.empty();
    }

    boolean has(int slot) {
        return bySlot.containsKey(slot);
    }

    Collection<Worker> all() {
        return new ArrayList<>(bySlot.values());
    }

    long count(WorkerState state) {
        return bySlot.values().stream().filter(w -> w.state == state).count();
    }

    boolean isEmpty() {
        return bySlot.isEmpty();
    }

    List<Integer> slots() {
        return new ArrayList<>(bySlot.keySet());
    }
}
