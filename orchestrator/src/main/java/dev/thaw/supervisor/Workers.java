package dev.thaw.supervisor;

import dev.thaw.engine.WorkerProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The live worker processes, looked up by slot (0..N-1) or by process. */
final class Workers {
    private final List<Worker> all = new ArrayList<>();

    void add(Worker w) {
        all.add(w);
    }

    Optional<Worker> remove(WorkerProcess process) {
        Optional<Worker> w = all.stream().filter(x -> x.process == process).findFirst();
        w.ifPresent(all::remove);
        return w;
    }

    /** The worker of a slot that a control message is about: the one restoring or serving, not a draining one. */
    Optional<Worker> activeInSlot(int slot) {
        return all.stream().filter(w -> w.slot() == slot && w.isActive())
                .reduce((first, second) -> second.state == WorkerState.RESTORING && first.state == WorkerState.READY ? first : second);
    }

    Optional<Worker> byPeer(long connectionId) {
        return all.stream().filter(w -> w.peer != null && w.peer.connectionId() == connectionId).findFirst();
    }

    /**
     * The worker of a slot whose JVM is about to say HELLO: one being restored, or a reforked one that
     * closed its connection for the dump and reconnects after it.
     */
    /** The workers of {@code slot} without a control connection: restoring, or reforking (which reconnect). */
    List<Worker> awaitingHello(int slot) {
        return all.stream().filter(w -> w.slot() == slot && w.peer == null
                && (w.state == WorkerState.RESTORING || w.state == WorkerState.REFORKING)).toList();
    }

    boolean slotFilled(int slot) {
        return all.stream().anyMatch(w -> w.slot() == slot && w.isActive());
    }

    List<Worker> all() {
        return new ArrayList<>(all);
    }

    List<Worker> inState(WorkerState state) {
        return all.stream().filter(w -> w.state == state).toList();
    }

    long count(WorkerState state) {
        return all.stream().filter(w -> w.state == state).count();
    }

    boolean isEmpty() {
        return all.isEmpty();
    }
}
