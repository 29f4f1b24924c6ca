package dev.thaw.pool;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.ThawException;
import dev.thaw.host.ProcessMemory;
import dev.thaw.lifecycle.control.ControlMessage;
import dev.thaw.lifecycle.control.Message;
import dev.thaw.lifecycle.control.MessageType;
import dev.thaw.pool.FakePool.FakeImages;
import dev.thaw.pool.FakePool.FakeWorker;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The supervisor's decisions, with fake workers, images and clock: each test runs in milliseconds, without root. */
class SupervisorTest {

    private static Set<Long> pids(List<FakeWorker> workers) {
        return workers.stream().map(w -> w.pid).collect(Collectors.toSet());
    }

    private static FakeWorker inSlot(FakePool pool, int slot) {
        return pool.ready().stream().filter(w -> w.slot == slot).findFirst().orElseThrow();
    }

    @Nested
    class Starting {
        @Test
        void restores_one_worker_per_slot_and_serves_when_they_say_ready() {
            FakePool pool = new FakePool("workers", "3");
            assertEquals(3, pool.images.restored.size());
            assertEquals(Set.of(0, 1, 2), pool.images.restored.stream().map(w -> w.slot).collect(Collectors.toSet()));
            pool.settle();
            assertEquals(3, pool.ready().size());
            assertTrue(pool.log().contains("all 3 workers ready"), pool.log());
        }

        @Test
        void a_hello_from_a_process_that_is_not_the_restored_jvm_is_refused() {
            FakePool pool = new FakePool("workers", "1");
            FakeWorker w = pool.images.restored.getFirst();
            FakeWorker impostor = pool.new FakeWorker(0, 1, 666, FakeImages.pathOf(1));
            pool.hello(impostor);
            pool.step();
            assertTrue(impostor.channel.closed);
            assertTrue(pool.log().contains("refused a control connection claiming to be worker=0 from pid 666"), pool.log());
            pool.ready(w);
            assertEquals(WorkerState.READY, w.state());
        }

        @Test
        void a_restore_not_ready_within_the_ready_timeout_is_killed_and_counts_as_a_boot_failure() {
            FakePool pool = new FakePool("workers", "1", "ready-timeout", "10");
            FakeWorker slow = pool.images.restored.getFirst();
            pool.advance(Duration.ofSeconds(9));
            assertFalse(slow.killed);
            pool.advance(Duration.ofSeconds(2));
            assertTrue(slow.killed);
            pool.step();
            assertTrue(pool.log().contains("not ready after 10 s: killing"), pool.log());
            assertTrue(pool.log().contains("failed to boot (1/3)"), pool.log());
        }
    }

    @Nested
    class Crashes {
        @Test
        void a_crashed_worker_is_replaced_at_once_and_counted_as_a_restart() {
            FakePool pool = new FakePool("workers", "2");
            pool.settle();
            FakeWorker crashed = inSlot(pool, 0);
            crashed.exit(134);
            pool.step();
            assertTrue(pool.log().contains(crashed.describe() + " exited unexpectedly, killed by SIGABRT: restoring a replacement"), pool.log());
            assertEquals(3, pool.images.restored.size(), "a replacement is restoring in the same step");
            pool.settle();
            assertEquals(2, pool.ready().size());
            assertEquals(1, pool.status().workers().stream().filter(s -> s.worker() == 0).findFirst().orElseThrow().restarts());
        }

        @Test
        void every_exit_is_reported_with_its_cause_and_whether_thaw_asked_for_it() {
            FakePool pool = new FakePool("workers", "2", "graceful-timeout", "5");
            pool.settle();
            FakeWorker oom = inSlot(pool, 0);
            oom.oomKills = 1; // the kernel's OOM killer, as its memory cgroup counted
            oom.exit(137);
            pool.step();
            assertTrue(pool.log().contains("exited unexpectedly, killed by SIGKILL: out of memory (the kernel's OOM killer killed 1"
                    + " process of its memory cgroup meanwhile"), pool.log());
            pool.settle();
            FakeWorker stubborn = inSlot(pool, 1);
            pool.signal("TERM");
            pool.images.live().stream().filter(w -> w != stubborn).forEach(w -> w.exit(0));
            pool.step();
            stubborn.oomKills = 1; // another process of the cgroup: no matter, thaw sent this SIGKILL
            pool.advance(Duration.ofSeconds(6)); // past the graceful timeout: killed
            pool.step();
            assertEquals(List.of("0 sigkill worker", "0 exit-0 thaw", "1 sigkill thaw"), pool.exits);
            assertTrue(pool.log().contains(stubborn.describe() + " exited (shutdown), killed by SIGKILL (sent by thaw)"), pool.log());
            assertEquals(1, pool.log().split("out of memory", -1).length - 1, "only the OOM-killed worker is said to be out of memory");
        }

        @Test
        void a_sigkill_is_blamed_on_memory_only_with_the_kernels_evidence() {
            FakePool pool = new FakePool("workers", "2");
            pool.settle();
            FakeWorker other = inSlot(pool, 0);
            other.exit(137); // its memory cgroup counted no OOM kill: someone else sent it
            pool.step();
            assertTrue(pool.log().contains("exited unexpectedly, killed by SIGKILL, not by the OOM killer (its memory cgroup counted"
                    + " no OOM kill): another process sent it"), pool.log());
            FakeWorker unknown = inSlot(pool, 1);
            unknown.oomKills = -1; // no memory controller it can read
            unknown.exit(137);
            pool.step();
            assertTrue(pool.log().contains("exited unexpectedly, killed by SIGKILL (possibly out of memory: thaw cannot read its"
                    + " memory cgroup's OOM kill count; see dmesg)"), pool.log());
        }

        @Test
        void a_worker_that_fails_to_boot_is_retried_after_a_backoff_that_doubles() {
            FakePool pool = new FakePool("workers", "1", "max-boot-failures", "5");
            pool.images.restored.getFirst().exit(1);
            pool.step();
            assertEquals(1, pool.images.restored.size(), "no retry before the backoff");
            pool.advance(Duration.ofMillis(499));
            assertEquals(1, pool.images.restored.size());
            pool.advance(Duration.ofMillis(2));
            assertEquals(2, pool.images.restored.size(), "retried after 0.5 s");
            pool.images.restored.getLast().exit(1);
            pool.step();
            pool.advance(Duration.ofMillis(600));
            assertEquals(2, pool.images.restored.size(), "the second backoff is 1 s");
            pool.advance(Duration.ofMillis(500));
            assertEquals(3, pool.images.restored.size());
        }

        @Test
        void workers_that_cannot_boot_halt_the_pool_after_max_boot_failures_in_a_row() {
            FakePool pool = new FakePool("workers", "2", "max-boot-failures", "3");
            pool.images.unbootable.add(1L);
            for (int i = 0; i < 10 && !pool.supervisor.finished(); i++) {
                pool.settle();
                pool.advance(Duration.ofSeconds(5));
            }
            assertTrue(pool.supervisor.finished(), pool.log());
            ThawException halt = assertThrows(ThawException.class, pool.supervisor::finish);
            assertEquals(ThawException.EXIT_WORKER_BOOT_ERROR, halt.exitCode());
            assertTrue(halt.getMessage().contains("failed to boot 3 times in a row"), halt.getMessage());
        }

        @Test
        void a_boot_success_resets_the_count_of_failures_in_a_row() {
            FakePool pool = new FakePool("workers", "1", "max-boot-failures", "2");
            pool.images.restored.getLast().exit(1);
            pool.step();
            pool.advance(Duration.ofSeconds(1));
            pool.settle();
            inSlot(pool, 0).exit(1); // crashes while serving: a restart, not a boot failure
            pool.step();
            pool.images.restored.getLast().exit(1); // its replacement fails to boot: 1 in a row, not 2
            pool.step();
            pool.advance(Duration.ofSeconds(1));
            assertFalse(pool.supervisor.finished(), pool.log());
            assertTrue(pool.log().contains("failed to boot (1/2)"), pool.log());
        }

        @Test
        void a_restore_that_cannot_start_halts_with_a_hint() {
            FakePool pool = new FakePool("workers", "1");
            pool.settle();
            pool.images.restoreFails = new java.io.IOException("criu: No such file or directory");
            inSlot(pool, 0).exit(1);
            pool.step();
            assertTrue(pool.supervisor.finished());
            ThawException halt = assertThrows(ThawException.class, pool.supervisor::finish);
            assertTrue(halt.getMessage().contains("cannot start a restore: criu: No such file or directory: run 'thaw doctor'"));
        }
    }

    @Nested
    class Timeouts {
        @Test
        void a_worker_silent_past_the_timeout_is_replaced_and_told_to_stop() {
            FakePool pool = new FakePool("workers", "2", "timeout", "10");
            pool.settle();
            FakeWorker silent = inSlot(pool, 0);
            FakeWorker alive = inSlot(pool, 1);
            pool.advance(Duration.ofSeconds(6));
            pool.heartbeat(alive, 0, 0, 0);
            pool.advance(Duration.ofSeconds(5));
            assertTrue(silent.terminated);
            assertFalse(alive.terminated);
            assertTrue(pool.log().contains("timeout: no heartbeat for 11000 ms"), pool.log());
            assertEquals(3, pool.images.restored.size());
        }

        @Test
        void a_worker_stuck_in_one_request_past_the_timeout_is_replaced_though_it_heartbeats() {
            FakePool pool = new FakePool("workers", "1", "timeout", "10");
            pool.settle();
            FakeWorker stuck = inSlot(pool, 0);
            pool.heartbeat(stuck, 5, 1, 9_000);
            assertFalse(stuck.terminated);
            pool.heartbeat(stuck, 5, 1, 10_001);
            assertTrue(stuck.terminated);
            assertTrue(pool.log().contains("timeout: a request has run for 10001 ms"), pool.log());
        }

        @Test
        void a_draining_worker_still_running_after_the_graceful_timeout_is_killed() {
            FakePool pool = new FakePool("workers", "1", "graceful-timeout", "5");
            pool.settle();
            FakeWorker w = inSlot(pool, 0);
            pool.signal("TERM");
            assertTrue(w.terminated);
            pool.advance(Duration.ofSeconds(4));
            assertFalse(w.killed);
            pool.advance(Duration.ofSeconds(2));
            assertTrue(w.killed);
            pool.step();
            assertTrue(pool.supervisor.finished());
        }
    }

    @Nested
    class Recycling {
        @Test
        void a_worker_past_max_requests_with_jitter_is_replaced_before_it_drains() {
            FakePool pool = new FakePool("workers", "1", "max-requests", "100", "max-requests-jitter", "20");
            pool.settle();
            FakeWorker w = inSlot(pool, 0);
            w.served(99);
            assertEquals(1, pool.images.restored.size(), "below max-requests: not recycled");
            w.served(120);
            assertEquals(2, pool.images.restored.size(), "at max-requests + jitter at most: recycled");
            assertFalse(w.terminated, "it serves until its replacement is ready");
            pool.ready(pool.images.restored.getLast());
            assertTrue(w.terminated);
            assertTrue(pool.log().contains("max-requests: served 120 of 1"), pool.log());
        }

        @Test
        void max_requests_jitter_spreads_the_limits_of_workers() {
            FakePool pool = new FakePool("workers", "40", "max-requests", "100", "max-requests-jitter", "50");
            List<FakeWorker> first = pool.settle();
            first.forEach(w -> w.served(100));
            int recycledAt100 = pool.images.restored.size() - 40;
            assertTrue(recycledAt100 < 40, "without jitter all 40 would be recycled at once: " + recycledAt100);
            first.forEach(w -> w.served(150));
            assertEquals(80, pool.images.restored.size(), "every limit is at most 100 + 50");
        }

        @Test
        void a_worker_past_max_memory_is_replaced_at_the_next_sample() {
            FakePool pool = new FakePool("workers", "2", "max-memory", "200");
            pool.settle();
            FakeWorker big = inSlot(pool, 1);
            big.memory = new ProcessMemory(400L << 20, 300L << 20, 0, 300L << 20, 300L << 20);
            pool.heartbeatAll();
            pool.advance(Duration.ofSeconds(6));
            assertEquals(3, pool.images.restored.size());
            assertEquals(1, pool.images.restored.getLast().slot);
            pool.settle();
            assertTrue(big.terminated, "retired once its replacement serves");
            assertTrue(pool.log().contains("max-memory: pss 300 MiB > 200 MiB"), pool.log());
        }
    }

    @Nested
    class RollingRestart {
        @Test
        void hup_replaces_every_worker_at_most_max_unavailable_at_a_time_and_never_drops_below_n() {
            FakePool pool = new FakePool("workers", "4", "max-unavailable", "2");
            Set<Long> before = pids(pool.settle());
            pool.signal("HUP");
            for (int round = 0; round < 10 && pool.images.restored.size() < 8; round++) {
                List<FakeWorker> restoring = pool.images.live().stream().filter(w -> w.state() == WorkerState.RESTORING).toList();
                assertTrue(restoring.size() <= 2, "at most 2 replacements at once: " + restoring.size());
                assertTrue(pool.ready().size() >= 4, "capacity never drops below 4");
                restoring.forEach(pool::ready);
                pool.images.live().stream().filter(w -> w.terminated).forEach(w -> w.exit(0));
                pool.step();
            }
            pool.settle();
            assertEquals(4, pool.ready().size());
            assertTrue(pids(pool.ready()).stream().noneMatch(before::contains), "every worker was replaced");
        }

        @Test
        void thaw_reload_says_when_there_was_nothing_to_roll() {
            FakePool pool = new FakePool("workers", "1");
            Message reply = pool.cli(new ControlMessage.Reload());
            assertEquals("false", reply.get("ok").orElseThrow());
            assertTrue(reply.get("message").orElseThrow().contains("nothing to roll"), reply.toString());
            pool.settle();
            reply = pool.cli(new ControlMessage.Reload());
            assertEquals("true", reply.get("ok").orElseThrow());
            assertEquals("rolling restart of 1 workers", reply.get("message").orElseThrow());
        }

        @Test
        void hup_switches_to_a_new_image_and_lets_go_of_the_old_one_when_its_last_worker_is_gone() {
            FakePool pool = new FakePool("workers", "2");
            pool.settle();
            pool.images.write(2);
            pool.signal("HUP");
            pool.settle();
            assertEquals(Set.of(2L), pool.ready().stream().map(FakeWorker::generation).collect(Collectors.toSet()));
            assertEquals(List.of(FakeImages.pathOf(1)), pool.images.released);
        }

        @Test
        void hup_with_an_unusable_new_image_keeps_serving_the_old_one_without_a_roll() {
            FakePool pool = new FakePool("workers", "2");
            Set<Long> before = pids(pool.settle());
            pool.images.write(2);
            pool.images.writtenIsUnusable = true;
            pool.signal("HUP");
            pool.settle();
            assertEquals(before, pids(pool.ready()));
            assertTrue(pool.log().contains("is unusable (checksum mismatch in pages-1.img)"), pool.log());
        }

        /** A pool of {@code workers} serving generation 1, with generation 2 written and its verification held. */
        private static FakePool servingWithGeneration2Written(String workers) {
            FakePool pool = new FakePool("workers", workers);
            pool.settle();
            pool.images.write(2);
            pool.images.holdVerification = true;
            return pool;
        }

        /**
         * Verifying a new image hashes all of it (0.3-0.5 s for 400 MiB): it runs off the loop, which meanwhile
         * reaps and replaces a crashed worker and handles a signal; the switch and the roll follow the result.
         */
        @Test
        void while_a_new_image_is_verified_the_loop_replaces_a_crashed_worker_and_scales_then_rolls_onto_it() {
            FakePool pool = servingWithGeneration2Written("2");
            pool.signal("HUP");
            assertTrue(pool.log().contains("received SIGHUP: verifying the new image in /images"), pool.log());
            assertEquals(1, pool.images.manifest().generation(), "no switch before the image is verified");
            inSlot(pool, 0).exit(137);
            pool.step();
            assertTrue(pool.log().contains("exited unexpectedly"), pool.log());
            pool.signal("TTIN");
            pool.settle();
            assertEquals(3, pool.ready().size(), "the crashed worker was replaced and TTIN handled during the verification");
            assertEquals(Set.of(1L), pool.ready().stream().map(FakeWorker::generation).collect(Collectors.toSet()));
            pool.images.finishVerification();
            pool.step();
            assertEquals(2, pool.images.manifest().generation());
            assertTrue(pool.log().contains("received SIGHUP: new image in /images (generation 2, made"), pool.log());
            pool.settle();
            assertEquals(Set.of(2L), pool.ready().stream().map(FakeWorker::generation).collect(Collectors.toSet()));
            assertEquals(3, pool.ready().size());
        }

        @Test
        void a_hup_during_a_verification_is_kept_and_an_image_written_meanwhile_is_verified_next() {
            FakePool pool = servingWithGeneration2Written("2");
            pool.signal("HUP");
            pool.signal("HUP");
            assertTrue(pool.log().contains("is still being verified; the rolling restart follows it"), pool.log());
            pool.images.finishVerification(); // the verification read generation 2...
            pool.images.write(3); // ...and generation 3 is written before the loop switched to it
            pool.step();
            assertEquals(2, pool.images.manifest().generation(), pool.log());
            pool.images.finishVerification();
            pool.step();
            assertEquals(3, pool.images.manifest().generation(), pool.log());
            pool.settle();
            assertEquals(Set.of(3L), pool.ready().stream().map(FakeWorker::generation).collect(Collectors.toSet()));
        }

        @Test
        void thaw_reload_during_a_verification_says_the_roll_follows_it() {
            FakePool pool = servingWithGeneration2Written("1");
            Message reply = pool.cli(new ControlMessage.Reload());
            assertEquals("true", reply.get("ok").orElseThrow());
            assertTrue(reply.get("message").orElseThrow().startsWith("verifying the new image in /images"), reply.toString());
        }

        @Test
        void a_pool_stopped_during_a_verification_lets_go_of_the_image_and_serves_nothing_from_it() {
            FakePool pool = servingWithGeneration2Written("2");
            pool.signal("HUP");
            pool.signal("TERM");
            pool.images.finishVerification();
            pool.settle();
            assertTrue(pool.supervisor.finished(), pool.log());
            assertEquals(0, assertDoesNotThrow(pool.supervisor::finish));
            assertEquals(1, pool.images.manifest().generation());
            assertEquals(List.of(2L), pool.images.discarded.stream().map(m -> m.generation()).toList(), "the pin is let go of");
        }

        @Test
        void a_new_image_that_cannot_boot_is_rolled_back_and_the_serving_workers_stay() {
            FakePool pool = new FakePool("workers", "2", "max-boot-failures", "2");
            Set<Long> before = pids(pool.settle());
            pool.images.write(2);
            pool.images.unbootable.add(2L);
            pool.signal("HUP");
            for (int i = 0; i < 5; i++) {
                pool.settle();
                pool.advance(Duration.ofSeconds(2));
            }
            assertFalse(pool.supervisor.finished(), pool.log());
            assertEquals(before, pids(pool.ready()), "the old workers were never stopped");
            assertEquals(1, pool.images.manifest().generation());
            assertTrue(pool.log().contains("the pool restores from generation 1 again"), pool.log());
        }
    }

    @Nested
    class Scaling {
        @Test
        void ttin_adds_a_worker_and_ttou_retires_the_highest_slot() {
            FakePool pool = new FakePool("workers", "2");
            pool.settle();
            pool.signal("TTIN");
            pool.settle();
            assertEquals(Set.of(0, 1, 2), pool.ready().stream().map(w -> w.slot).collect(Collectors.toSet()));
            pool.signal("TTOU");
            pool.signal("TTOU");
            pool.settle();
            assertEquals(Set.of(0), pool.ready().stream().map(w -> w.slot).collect(Collectors.toSet()));
            pool.signal("TTOU");
            assertTrue(pool.log().contains("keeping 1 workers (must stay between 1 and 1024)"), pool.log());
            assertEquals(1, pool.settle().size());
        }

        @Test
        void thaw_scale_refuses_a_count_out_of_bounds() {
            FakePool pool = new FakePool("workers", "1");
            pool.settle();
            assertEquals("false", pool.cli(new ControlMessage.Scale(0)).get("ok").orElseThrow());
            assertEquals("true", pool.cli(new ControlMessage.Scale(3)).get("ok").orElseThrow());
            assertEquals(3, pool.settle().size());
        }
    }

    @Nested
    class Reforking {
        private FakePool pool;

        /** Two workers pass the threshold while a third still restores (no refork then); it becomes ready. */
        private FakeWorker servedThenMold() {
            pool = new FakePool("workers", "3", "refork-after", "100");
            FakeWorker late = pool.images.restored.get(2);
            late.holdBoot = true;
            pool.settle();
            inSlot(pool, 0).served(150);
            FakeWorker busiest = inSlot(pool, 1);
            busiest.served(300);
            assertEquals(0, checkpoints(), "no refork while a worker restores");
            pool.ready(late);
            return busiest;
        }

        private void dump(FakeWorker mold) throws InterruptedException {
            pool.send(mold, new ControlMessage.ReadyToDump(mold.pid, new ControlMessage.MemoryAfterGc(1000, 2000, 3, 4), null).encode());
            pool.step();
            pool.disconnect(mold);
            pool.supervisor.stepWaiting(10_000);
        }

        @Test
        void the_busiest_worker_past_the_threshold_is_reforked_and_the_pool_rolls_onto_its_generation() throws Exception {
            FakeWorker mold = servedThenMold();
            assertTrue(mold.channel.received(MessageType.CHECKPOINT), "the busiest worker is the mold");
            assertEquals(WorkerState.REFORKING, mold.state());
            assertFalse(inSlot(pool, 0).channel.received(MessageType.CHECKPOINT));
            dump(mold);
            assertEquals(2, pool.images.manifest().generation());
            assertTrue(mold.stdin.getLast().contains("generation=2"), mold.stdin.toString());
            pool.ready(mold); // reconnected after its dump (a new connection says HELLO first)
            assertEquals(WorkerState.READY, mold.state());
            pool.settle();
            assertEquals(Set.of(2L), pool.ready().stream().map(FakeWorker::generation).collect(Collectors.toSet()));
            assertTrue(pool.ready().contains(mold), "the mold itself serves on as generation 2");
            assertEquals(1, pool.status().reforks());
            assertEquals(0, pool.status().workers().stream().filter(s -> s.pid() == mold.pid).findFirst().orElseThrow().requests(),
                    "its JVM counts from 0 after afterRestore, so thaw does too, before its next heartbeat");
            mold.served(99);
            assertEquals(1, checkpoints(), "its requests of generation 1 do not count toward the next refork");
            mold.served(100);
            assertEquals(2, checkpoints(), "100 requests as a worker of generation 2 do");
        }

        @Test
        void a_failed_dump_keeps_the_generation_and_the_next_attempt_waits_for_the_backoff() throws Exception {
            FakeWorker mold = servedThenMold();
            pool.images.dumpFails = "No space left on device";
            dump(mold);
            assertEquals(1, pool.images.manifest().generation());
            assertTrue(mold.stdin.getLast().contains("generation=1"), "the mold resumes its old generation");
            assertTrue(pool.log().contains("failed: No space left on device: generation 1 keeps serving; next refork attempt in 5 s"),
                    pool.log());
            pool.ready(mold);
            pool.images.dumpFails = null;
            int checkpointsBefore = checkpoints();
            pool.heartbeatAll();
            pool.advance(Duration.ofSeconds(4));
            assertEquals(checkpointsBefore, checkpoints(), "no refork during the backoff");
            pool.heartbeatAll();
            pool.advance(Duration.ofSeconds(2));
            assertEquals(checkpointsBefore + 1, checkpoints(), "the next attempt after 5 s");
        }

        @Test
        void a_refused_before_checkpoint_puts_the_mold_back_to_serving() {
            FakeWorker mold = servedThenMold();
            pool.send(mold, Message.of(MessageType.CHECKPOINT_FAILED, "error", "a connection would not close"));
            pool.step();
            assertEquals(WorkerState.READY, mold.state());
            assertTrue(pool.log().contains("its beforeCheckpoint refused: a connection would not close"), pool.log());
        }

        @Test
        void a_mold_that_exits_before_its_dump_ends_the_refork_and_is_replaced() {
            FakeWorker mold = servedThenMold();
            mold.exit(137);
            pool.step();
            assertTrue(pool.log().contains("the worker exited before its dump"), pool.log());
            assertEquals(3, pool.settle().size());
        }

        @Test
        void no_refork_while_only_one_worker_serves() {
            pool = new FakePool("workers", "1", "refork-after", "10");
            pool.settle();
            inSlot(pool, 0).served(1000);
            assertFalse(inSlot(pool, 0).channel.received(MessageType.CHECKPOINT));
        }

        @Test
        void a_mold_told_to_stop_during_its_checkpoint_is_not_dumped_and_nothing_throws() {
            FakeWorker mold = servedThenMold();
            pool.signal("TERM");
            pool.send(mold, new ControlMessage.CheckpointFailed("closing", false).encode()); // its beforeCheckpoint, interrupted
            pool.step();
            assertEquals(WorkerState.DRAINING, mold.state());
            assertTrue(pool.log().contains("its beforeCheckpoint refused"), pool.log());
            pool.settle();
            assertTrue(pool.supervisor.finished(), pool.log());
        }

        @Test
        void a_mold_that_drains_before_its_dump_is_never_dumped() {
            FakeWorker mold = servedThenMold();
            pool.signal("TERM"); // the mold drains with the others
            pool.send(mold, new ControlMessage.ReadyToDump(mold.pid, new ControlMessage.MemoryAfterGc(1, 2, 3, 4), null).encode());
            pool.step();
            pool.disconnect(mold);
            assertTrue(pool.log().contains("failed: it was told to stop before its dump"), pool.log());
            assertEquals(1, pool.images.manifest().generation());
        }

        @Test
        void a_mold_stopped_while_criu_dumps_it_is_killed_so_that_no_image_is_made_of_a_jvm_shutting_down() throws Exception {
            FakeWorker mold = servedThenMold();
            pool.images.dumpGate = new java.util.concurrent.CountDownLatch(1);
            pool.send(mold, new ControlMessage.ReadyToDump(mold.pid, new ControlMessage.MemoryAfterGc(1, 2, 3, 4), null).encode());
            pool.step();
            pool.disconnect(mold); // the dump starts and waits at the gate
            pool.signal("TERM");
            assertTrue(mold.killed, "killed, not TERMed: " + pool.log());
            pool.images.dumpGate.countDown();
            pool.supervisor.stepWaiting(10_000);
            assertEquals(1, pool.images.manifest().generation(), "no generation 2 from a killed mold");
            pool.settle();
            assertTrue(pool.supervisor.finished(), pool.log());
        }

        @Test
        void a_refork_s_new_image_is_verified_off_the_loop_which_meanwhile_replaces_a_crashed_worker() throws Exception {
            FakeWorker mold = servedThenMold();
            pool.images.holdVerification = true;
            pool.send(mold, new ControlMessage.ReadyToDump(mold.pid, new ControlMessage.MemoryAfterGc(1, 2, 3, 4), null).encode());
            pool.step();
            pool.disconnect(mold); // the dump runs, then waits for its verification
            FakeWorker other = inSlot(pool, 0);
            other.exit(137);
            pool.step();
            assertTrue(pool.images.live().stream().anyMatch(w -> w.slot == 0 && w.state() == WorkerState.RESTORING),
                    "the crashed worker's replacement restores while the new image is verified: " + pool.log());
            assertEquals(1, pool.images.manifest().generation());
            for (int i = 0; i < 100 && !pool.log().contains("refork: generation 2 made"); i++) {
                pool.images.finishVerification(); // once the dump's thread has asked for it
                pool.supervisor.stepWaiting(50);
            }
            assertEquals(2, pool.images.manifest().generation(), pool.log());
            assertTrue(mold.stdin.getLast().contains("generation=2"), mold.stdin.toString());
        }

        @Test
        void usr2_during_a_refork_waits_for_it() {
            servedThenMold();
            pool.signal("USR2");
            assertEquals(0, pool.nextImages.started.size());
            assertTrue(pool.log().contains("a refork is making the next generation now"), pool.log());
        }

        private int checkpoints() {
            return (int) pool.images.restored.stream().flatMap(w -> w.channel.sent.stream())
                    .filter(m -> m.type() == MessageType.CHECKPOINT).count();
        }
    }

    @Nested
    class Stopping {
        @Test
        void term_drains_every_worker_and_the_loop_ends_when_they_exit() {
            FakePool pool = new FakePool("workers", "3");
            pool.settle();
            pool.signal("TERM");
            assertTrue(pool.images.live().stream().allMatch(w -> w.terminated && !w.killed));
            pool.settle();
            assertTrue(pool.supervisor.finished());
            assertEquals(0, assertDoesNotThrow(pool.supervisor::finish));
        }

        @Test
        void int_kills_every_worker_at_once() {
            FakePool pool = new FakePool("workers", "3");
            pool.settle();
            pool.signal("INT");
            assertTrue(pool.images.restored.stream().allMatch(w -> w.killed));
            pool.step();
            assertTrue(pool.supervisor.finished());
        }

        @Test
        void usr2_failing_leaves_the_image_and_the_workers_alone() {
            FakePool pool = new FakePool("workers", "2");
            Set<Long> before = pids(pool.settle());
            pool.signal("USR2");
            assertEquals(1, pool.nextImages.started.size());
            pool.nextImages.started.getFirst().exitCode().complete(1);
            pool.step();
            assertEquals(before, pids(pool.settle()));
            assertTrue(pool.log().contains("the new image failed (exit 1: the warm-up URL answered 500)"), pool.log());
        }

        @Test
        void usr2_on_an_image_whose_manifest_was_changed_since_the_pin_starts_nothing_and_says_why() {
            FakePool pool = new FakePool("workers", "2");
            Set<Long> before = pids(pool.settle());
            pool.images.recipeChanged = "/images/manifest.json was changed after the checkpoint (it no longer matches its seal)";
            pool.signal("USR2");
            assertEquals(0, pool.nextImages.started.size(), "no leader started from a changed command line");
            assertTrue(pool.log().contains("received SIGUSR2: refused, nothing started: /images/manifest.json was changed after the"
                    + " checkpoint"), pool.log());
            assertEquals(before, pids(pool.settle()), "the pool goes on serving");
        }

        @Test
        void usr2_succeeding_rolls_onto_the_new_image() {
            FakePool pool = new FakePool("workers", "2");
            pool.settle();
            pool.signal("USR2");
            pool.signal("USR2");
            assertEquals(1, pool.nextImages.started.size(), "one new image at a time");
            pool.images.write(2);
            pool.nextImages.started.getFirst().exitCode().complete(0);
            pool.step();
            pool.settle();
            assertEquals(Set.of(2L), pool.ready().stream().map(FakeWorker::generation).collect(Collectors.toSet()));
        }

        @Test
        void a_malformed_heartbeat_costs_only_that_workers_connection() {
            FakePool pool = new FakePool("workers", "2");
            pool.settle();
            FakeWorker w = inSlot(pool, 0);
            pool.send(w, new ControlMessage.Heartbeat(0, 1, 0, 0, new ControlMessage.Latency(new long[0], new long[0], 0, 0), 1, 1, 0, 0)
                    .encode().with("requests", "many"));
            pool.step();
            assertTrue(w.channel.closed);
            assertTrue(pool.log().contains("closed the control connection of worker 0 (pid " + w.pid + "): malformed HEARTBEAT"),
                    pool.log());
            assertTrue(pool.log().contains("requests=many is not a number"), pool.log());
            assertEquals(2, pool.ready().size());
        }
    }

    @Nested
    class PeersAreWhoTheKernelSays {
        @Test
        void a_worker_connecting_as_the_cli_is_refused_and_cannot_scale_the_pool() {
            FakePool pool = new FakePool("workers", "2");
            pool.settle();
            FakeWorker w = inSlot(pool, 0);
            FakePool.RecordingChannel c = pool.cliAs(new dev.thaw.control.PeerCredentials(w.pid, 0, 0), new ControlMessage.Scale(1024));
            assertTrue(c.closed && c.sent.isEmpty(), "refused without an answer");
            assertEquals(2, pool.status().targetWorkers());
            assertTrue(pool.log().contains("it runs inside a worker, and a worker may not steer the pool"), pool.log());
        }

        @Test
        void a_cli_connection_from_a_process_that_is_gone_is_not_believed() {
            FakePool pool = new FakePool("workers", "1");
            pool.settle();
            FakePool.RecordingChannel c = pool.cliAs(new dev.thaw.control.PeerCredentials(Integer.MAX_VALUE, 0, 0), new ControlMessage.Scale(9));
            assertTrue(c.closed && c.sent.isEmpty());
            assertEquals(1, pool.status().targetWorkers());
            assertTrue(pool.log().contains("it is gone, or runs in another PID namespace than thaw"), pool.log());
        }

        @Test
        void another_user_may_not_steer_the_pool() {
            FakePool pool = new FakePool("workers", "1");
            pool.settle();
            FakePool.RecordingChannel c = pool.cliAs(new dev.thaw.control.PeerCredentials(4242, 1000, 1000), new ControlMessage.Reload());
            assertTrue(c.closed && c.sent.isEmpty());
            assertTrue(pool.log().contains("uid 1000 may not steer this pool"), pool.log());
        }

        @Test
        void a_worker_sending_what_only_the_cli_may_send_loses_its_connection_and_is_replaced() {
            FakePool pool = new FakePool("workers", "2");
            pool.settle();
            FakeWorker w = inSlot(pool, 0);
            pool.send(w, new ControlMessage.Scale(1024).encode());
            pool.step();
            assertTrue(w.channel.closed);
            assertEquals(2, pool.status().targetWorkers());
            assertTrue(pool.log().contains("a worker may not send SCALE"), pool.log());
        }
    }

    @Test
    void status_shows_each_worker_with_its_pid_state_and_requests() {
        FakePool pool = new FakePool("workers", "2");
        pool.settle();
        inSlot(pool, 1).served(7);
        PoolStatus s = pool.status();
        assertEquals(2, s.workers().size());
        PoolStatus.WorkerStatus one = s.workers().get(1);
        assertEquals(inSlot(pool, 1).pid, one.pid());
        assertEquals("ready", one.state());
        assertEquals(7, one.requests());
        assertNotNull(PoolStatus.fromJson(s.toJson()));
    }
}
