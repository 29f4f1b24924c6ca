package dev.thaw.pool;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.lifecycle.control.ControlMessage;
import dev.thaw.lifecycle.control.Message;
import dev.thaw.lifecycle.control.MessageType;
import dev.thaw.pool.FakePool.FakeWorker;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every signal thaw handles, arriving in every state the pool can be in: the pool never throws,
 * never loses its workers for good, ends up with the workers the signal asked for, and stops
 * cleanly on TERM afterwards.
 */
class SupervisorSignalsTest {
    private static final List<String> SIGNALS = List.of("TERM", "INT", "QUIT", "HUP", "TTIN", "TTOU", "USR1", "USR2", "WINCH");

    /** A pool of 2 workers brought into one state. */
    enum PoolState {
        STARTING(pool -> { }),
        SERVING(FakePool::settle),
        ROLLING(pool -> {
            pool.settle();
            pool.signal("HUP");
        }),
        RECYCLING(pool -> {
            pool.settle();
            pool.ready().getFirst().served(1_000);
        }),
        REFORKING(pool -> {
            pool.settle();
            pool.ready().getFirst().served(1_000);
        }),
        DUMPING(pool -> {
            pool.settle();
            FakeWorker mold = pool.ready().getFirst();
            mold.served(1_000);
            pool.send(mold, readyToDump(mold));
            pool.disconnect(mold);
        }),
        MAKING_AN_IMAGE(pool -> {
            pool.settle();
            pool.signal("USR2");
        }),
        BOOT_FAILING(pool -> {
            pool.images.unbootable.add(1L);
            pool.images.restored.getFirst().exit(1);
            pool.step();
        }),
        STOPPING(pool -> {
            pool.settle();
            pool.signal("TERM");
        });

        final Consumer<FakePool> reach;

        PoolState(Consumer<FakePool> reach) {
            this.reach = reach;
        }

        FakePool start() {
            FakePool pool = this == RECYCLING ? new FakePool("workers", "2", "max-requests", "500")
                    : this == REFORKING || this == DUMPING ? new FakePool("workers", "2", "refork-after", "500")
                    : new FakePool("workers", "2", "max-boot-failures", "10");
            reach.accept(pool);
            return pool;
        }
    }

    static Stream<Arguments> everySignalInEveryState() {
        return Stream.of(PoolState.values()).flatMap(s -> SIGNALS.stream().map(sig -> Arguments.of(s, sig)));
    }

    @ParameterizedTest(name = "{1} while {0}")
    @MethodSource("everySignalInEveryState")
    void a_signal_in_any_state_leaves_a_pool_that_serves_what_it_was_asked_and_stops_cleanly(PoolState state, String signal)
            throws Exception {
        FakePool pool = state.start();
        pool.signal(signal);
        pool.images.unbootable.clear(); // the world recovers: restores work from now on
        playOn(pool);
        boolean stops = state == PoolState.STOPPING || List.of("TERM", "INT", "QUIT").contains(signal);
        if (!stops) {
            int expected = switch (signal) {
                case "TTIN" -> 3;
                case "TTOU" -> 1;
                default -> 2;
            };
            assertEquals(expected, pool.ready().size(), pool.log());
            assertEquals(expected, pool.ready().stream().map(w -> w.slot).distinct().count(), "one worker per slot");
            pool.signal("TERM");
            playOn(pool);
        }
        assertTrue(pool.supervisor.finished(), pool.log());
        assertTrue(pool.images.live().isEmpty(), pool.log());
        assertEquals(0, assertDoesNotThrow(pool.supervisor::finish), pool.log());
    }

    private static Message readyToDump(FakeWorker w) {
        return new ControlMessage.ReadyToDump(w.pid, new ControlMessage.MemoryAfterGc(1, 2, 3, 4), null).encode();
    }

    /**
     * Lets time pass the way the world would: workers boot, heartbeat, finish draining; a refork's dump
     * and a USR2 checkpoint complete; reforked workers reconnect and serve again.
     */
    private static void playOn(FakePool pool) throws InterruptedException {
        for (int round = 0; round < 20; round++) {
            pool.nextImages.started.stream().filter(r -> !r.exitCode().isDone()).forEach(r -> {
                pool.images.write(pool.images.manifest().generation() + 1);
                r.exitCode().complete(0);
            });
            pool.supervisor.stepWaiting(round == 0 ? 20 : 1);
            for (FakeWorker w : pool.images.live()) {
                if (w.state() == WorkerState.REFORKING && w.peer != null) {
                    pool.send(w, readyToDump(w)); // its beforeCheckpoint ran
                    pool.disconnect(w);
                } else if (w.state() == WorkerState.REFORKING && w.peer == null && !w.stdin.isEmpty()) {
                    pool.ready(w); // its dump ended and it read its identity: it reconnects
                }
            }
            pool.settle();
            pool.heartbeatAll();
            pool.advance(Duration.ofSeconds(2));
        }
    }
}
