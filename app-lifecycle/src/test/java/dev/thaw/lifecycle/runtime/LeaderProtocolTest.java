package dev.thaw.lifecycle.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.lifecycle.control.Message;
import dev.thaw.lifecycle.control.MessageType;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole leader side of the control protocol, for real but without CRIU: a leader JVM with
 * thaw's agent talks to a fake orchestrator. CRIU would dump the leader while it waits on stdin
 * and restore copies of it; here the leader itself reads the identity and goes on as the restored
 * worker would, which is exactly the code path each restored worker runs.
 */
class LeaderProtocolTest {
    private static final Duration JVM_START = Duration.ofSeconds(15);
    /**
     * How long one step may take at most. Only an upper bound for waiting: a beforeCheckpoint with its
     * full GC and heap shrink took over 5 s on this 2-core machine under heavy load.
     */
    private static final Duration STEP = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private FakeOrchestrator orchestrator;
    private LeaderProcess leader;

    @AfterEach
    void stopEverything() throws Exception {
        if (leader != null) {
            leader.close();
        }
        if (orchestrator != null) {
            orchestrator.close();
        }
    }

    @Test
    void leader_checkpoints_then_becomes_the_worker_named_on_stdin() throws Exception {
        FakeOrchestrator.Peer leaderLink = startLeader("ok");
        checkpointUntilDumped(leaderLink);

        leader.writeStdin(identityOfWorker2());
        FakeOrchestrator.Peer worker = orchestrator.accept(STEP, leader);

        Message hello = worker.expect(MessageType.HELLO, STEP);
        assertEquals("worker", hello.require("role"));
        assertEquals("2", hello.require("worker"));
        assertEquals(Long.toString(leader.pid()), hello.require("pid"));
        assertEquals(Integer.toString(Message.PROTOCOL_VERSION), hello.require("protocol"));
        assertEquals("2", worker.expect(MessageType.READY, STEP).require("worker"));
        assertEquals("2", worker.expect(MessageType.HEARTBEAT, STEP).require("worker"));
        assertEquals("2", worker.expect(MessageType.HEARTBEAT, STEP).require("worker"));

        Map<String, String> afterRestore = leader.expectReport("afterRestore", STEP);
        assertEquals("1", afterRestore.get("count"));
        assertEquals("2", afterRestore.get("thaw.worker.id"), "thaw.worker.id seen by afterRestore");
        assertEquals("y", afterRestore.get("x"), "prop.x seen by afterRestore");
        assertEquals("hello", afterRestore.get("GREETING"), "env.GREETING seen through Thaw.getenv");
        leader.expectNoMoreReports(Duration.ofMillis(300));
    }

    @Test
    void an_app_whose_main_returned_is_not_ended_by_its_beforeCheckpoint_stopping_its_last_thread() throws Exception {
        // Only daemon threads (thaw's) would be left once beforeCheckpoint stops the app's server: the checkpoint runs on a
        // thread of its own that is not a daemon, so the JVM waits for its dump and becomes a worker.
        FakeOrchestrator.Peer leaderLink = startLeader("main-returns");
        checkpointUntilDumped(leaderLink);
        Thread.sleep(300);
        assertTrue(leader.isAlive(), "the leader exited after its last app thread stopped:\n" + leader.diagnostics());

        leader.writeStdin(identityOfWorker2());
        FakeOrchestrator.Peer worker = orchestrator.accept(STEP, leader);
        worker.expect(MessageType.HELLO, STEP);
        assertEquals("2", worker.expect(MessageType.READY, STEP).require("worker"));
        assertEquals("2", worker.expect(MessageType.HEARTBEAT, STEP).require("worker"));
        assertTrue(leader.isAlive(), "the worker runs on its restarted server thread:\n" + leader.diagnostics());
    }

    @Test
    void restored_worker_sees_the_orchestrators_environment_through_System_getenv() throws Exception {
        checkpointUntilDumped(startLeader("ok"));

        leader.writeStdin(identityOfWorker2());
        orchestrator.accept(STEP, leader).expect(MessageType.HELLO, STEP);

        assertEquals("hello", leader.expectReport("afterRestore", STEP).get("getenv.GREETING"));
    }

    @Test
    void a_SHA1PRNG_seeded_before_the_checkpoint_is_reseeded_in_the_restored_worker() throws Exception {
        checkpointUntilDumped(startLeader("ok"));

        leader.writeStdin(identityOfWorker2());
        orchestrator.accept(STEP, leader).expect(MessageType.HELLO, STEP);

        java.security.SecureRandom same = java.security.SecureRandom.getInstance("SHA1PRNG");
        same.setSeed(LeaderApp.FIXED_SEED);
        byte[] predicted = new byte[8];
        same.nextBytes(predicted);
        String drawn = leader.expectReport("afterRestore", STEP).get("sha1");
        assertEquals(16, drawn.length(), leader.diagnostics());
        assertNotEquals(java.util.HexFormat.of().formatHex(predicted), drawn,
                "the worker drew exactly what the leader's state predicts: it was not reseeded");
    }

    @Test
    void guardrail_refuses_a_listening_socket_and_the_leader_keeps_running() throws Exception {
        FakeOrchestrator.Peer leaderLink = startLeader("unsafe");

        leaderLink.send(Message.of(MessageType.CHECKPOINT));

        Message failed = leaderLink.expect(MessageType.CHECKPOINT_FAILED, STEP);
        assertEquals("guardrail", failed.get("kind").orElse(""));
        String error = failed.require("error");
        assertTrue(error.contains("1 offender still open after beforeCheckpoint; checkpoint refused"), error);
        assertTrue(error.contains("listening TCP socket 127.0.0.1:"), error);
        assertTrue(error.contains("--detective"), "the report says how to find the creator: " + error);
        leader.expectReport("beforeCheckpoint", STEP);
        assertEquals("1", leader.expectReport("afterRestore", STEP).get("count"), "resources reopen after a refusal");
        assertTrue(leader.isAlive(), leader.diagnostics());
    }

    @Test
    void detective_mode_names_the_app_frame_that_opened_the_offender() throws Exception {
        FakeOrchestrator.Peer leaderLink = startLeader("unsafe", "-Dthaw.detective=true");

        leaderLink.send(Message.of(MessageType.CHECKPOINT));

        String error = leaderLink.expect(MessageType.CHECKPOINT_FAILED, STEP).require("error");
        assertTrue(error.contains("listening TCP socket 127.0.0.1:"), error);
        assertTrue(error.contains("created at dev.thaw.lifecycle.runtime.LeaderApp.main(LeaderApp.java:"), error);
    }

    @Test
    void an_allowlisted_listener_passes_and_the_report_says_why() throws Exception {
        FakeOrchestrator.Peer leaderLink = startLeader("unsafe", "-Dthaw.guardrail.allow.0=listen:127.0.0.1:*=test fixture");

        leaderLink.send(Message.of(MessageType.CHECKPOINT));

        String report = leaderLink.expect(MessageType.READY_TO_DUMP, STEP).require("guardrail");
        assertTrue(report.contains("allowed: test fixture"), report);
    }

    @Test
    void abort_on_stdin_runs_afterRestore_and_the_leader_reconnects_as_leader() throws Exception {
        FakeOrchestrator.Peer first = startLeader("ok");
        checkpointUntilDumped(first);

        leader.writeStdin(Message.of(MessageType.ABORT, "reason", "disk full"));

        Map<String, String> afterRestore = leader.expectReport("afterRestore", STEP);
        assertEquals("1", afterRestore.get("count"));
        assertEquals("null", afterRestore.get("thaw.worker.id"), "an aborted leader is no worker");
        FakeOrchestrator.Peer again = orchestrator.accept(STEP, leader);
        assertEquals("leader", again.expect(MessageType.HELLO, STEP).require("role"));

        again.send(Message.of(MessageType.CHECKPOINT));
        assertEquals("2", leader.expectReport("beforeCheckpoint", STEP).get("count"));
        again.expect(MessageType.READY_TO_DUMP, STEP);
        again.expectEof(STEP);
    }

    @Test
    void failing_beforeCheckpoint_sends_CHECKPOINT_FAILED_naming_the_hook_and_the_leader_keeps_running()
            throws Exception {
        FakeOrchestrator.Peer leaderLink = startLeader("failing-before");

        leaderLink.send(Message.of(MessageType.CHECKPOINT));

        String error = leaderLink.expect(MessageType.CHECKPOINT_FAILED, STEP).require("error");
        assertTrue(error.contains("hook 'db-pool' failed in beforeCheckpoint"), error);
        assertTrue(error.contains("pool busy"), error);
        assertEquals("1", leader.expectReport("beforeCheckpoint", STEP).get("count"),
                "the other resources are still notified");
        assertEquals("1", leader.expectReport("afterRestore", STEP).get("count"),
                "resources reopen after a failed checkpoint");

        leaderLink.send(Message.of(MessageType.CHECKPOINT));
        leaderLink.expect(MessageType.CHECKPOINT_FAILED, STEP);
        assertTrue(leader.isAlive(), leader.diagnostics());
    }

    @Test
    void failing_afterRestore_sends_RESTORE_FAILED_and_the_worker_exits_with_code_3() throws Exception {
        FakeOrchestrator.Peer leaderLink = startLeader("failing-after");
        checkpointUntilDumped(leaderLink);

        leader.writeStdin(identityOfWorker2());
        FakeOrchestrator.Peer worker = orchestrator.accept(STEP, leader);
        worker.expect(MessageType.HELLO, STEP);

        Message failed = worker.expect(MessageType.RESTORE_FAILED, STEP);
        assertEquals("2", failed.require("worker"));
        assertTrue(failed.require("error").contains("hook 'cache' failed in afterRestore"), failed.require("error"));
        assertEquals(dev.thaw.lifecycle.control.ControlMessage.EXIT_RESTORE_FAILED, leader.awaitExit(STEP));
    }

    @Test
    void restored_worker_exits_when_the_orchestrator_closes_its_connection() throws Exception {
        FakeOrchestrator.Peer worker = restoreWorker2();

        worker.close();

        assertEquals(0, leader.awaitExit(STEP));
        assertTrue(leader.diagnostics().contains("worker=2 gen=1 exiting: orchestrator gone"), leader.diagnostics());
    }

    @Test
    void a_worker_answers_CHECKPOINT_like_a_leader_and_after_the_dump_runs_afterRestore_in_place_as_the_next_generation()
            throws Exception {
        FakeOrchestrator.Peer worker = restoreWorker2();
        assertEquals("1", leader.expectReport("afterRestore", STEP).get("count"));

        worker.send(Message.of(MessageType.CHECKPOINT));
        assertEquals("2", leader.expectReport("beforeCheckpoint", STEP).get("count"));
        Message ready = worker.expectBetweenHeartbeats(MessageType.READY_TO_DUMP, STEP);
        assertEquals(Long.toString(leader.pid()), ready.require("pid"));
        assertTrue(Long.parseLong(ready.require("heap-used")) > 0, ready.toString());
        assertTrue(Long.parseLong(ready.require("metaspace")) > 0, ready.toString());
        assertTrue(Long.parseLong(ready.require("code-cache")) > 0, ready.toString());
        worker.expectEof(STEP);
        assertTrue(leader.isAlive(), "criu dump --leave-running would dump it now: it waits on stdin");

        leader.writeStdin(Message.of(MessageType.IDENTITY, "worker", "2", "generation", "2",
                "control", orchestrator.socket().toString(), "heartbeat-ms", "100"));
        FakeOrchestrator.Peer again = orchestrator.accept(STEP, leader);
        Message hello = again.expect(MessageType.HELLO, STEP);
        assertEquals("2", hello.require("worker"), "it keeps its worker id");
        Message readyAgain = again.expect(MessageType.READY, STEP);
        assertTrue(Long.parseLong(readyAgain.require("after-restore-ms")) >= 0, readyAgain.toString());
        assertEquals("2", leader.expectReport("afterRestore", STEP).get("count"), "afterRestore ran in place");
        again.expect(MessageType.HEARTBEAT, STEP);
        again.close();
        assertEquals(0, leader.awaitExit(STEP));
        assertTrue(leader.diagnostics().contains("worker=2 gen=2 exiting: orchestrator gone"),
                "it serves as the generation made from it: " + leader.diagnostics());
    }

    @Test
    void a_worker_whose_beforeCheckpoint_refuses_a_refork_answers_CHECKPOINT_FAILED_and_serves_on_connected() throws Exception {
        checkpointUntilDumped(startLeader("refusing-refork"));
        leader.writeStdin(identityOfWorker2());
        FakeOrchestrator.Peer worker = orchestrator.accept(STEP, leader);
        worker.expect(MessageType.HELLO, STEP);
        worker.expect(MessageType.READY, STEP);
        assertEquals("1", leader.expectReport("afterRestore", STEP).get("count"));

        worker.send(Message.of(MessageType.CHECKPOINT));

        assertEquals("2", leader.expectReport("beforeCheckpoint", STEP).get("count"), "the other resources are still notified");
        String error = worker.expectBetweenHeartbeats(MessageType.CHECKPOINT_FAILED, STEP).require("error");
        assertTrue(error.contains("hook 'batch-job' failed in beforeCheckpoint"), error);
        assertTrue(error.contains("a batch is running"), error);
        assertEquals("2", leader.expectReport("afterRestore", STEP).get("count"),
                "its resources reopened (1 at the restore, 2 after the refusal)");
        worker.expect(MessageType.HEARTBEAT, STEP);
        worker.expect(MessageType.HEARTBEAT, STEP);
        assertTrue(leader.isAlive(), leader.diagnostics());
    }

    @Test
    void leader_exits_when_the_orchestrator_closes_its_connection() throws Exception {
        FakeOrchestrator.Peer leaderLink = startLeader("ok");

        leaderLink.close();

        assertEquals(1, leader.awaitExit(STEP));
    }

    @Test
    void leader_exits_when_its_stdin_closes_while_waiting_for_the_dump() throws Exception {
        checkpointUntilDumped(startLeader("ok"));

        leader.closeStdin();

        assertEquals(1, leader.awaitExit(STEP));
    }

    @Test
    void identity_without_a_worker_number_makes_the_jvm_exit_with_code_3() throws Exception {
        checkpointUntilDumped(startLeader("ok"));

        leader.writeStdin(Message.of(MessageType.IDENTITY, "generation", "1", "control", orchestrator.socket().toString()));

        assertEquals(dev.thaw.lifecycle.control.ControlMessage.EXIT_RESTORE_FAILED, leader.awaitExit(STEP));
    }

    private FakeOrchestrator.Peer startLeader(String scenario, String... jvmOptions) throws IOException, InterruptedException {
        orchestrator = new FakeOrchestrator(dir);
        leader = LeaderProcess.start(dir, orchestrator.socket(), scenario, jvmOptions);
        FakeOrchestrator.Peer link = orchestrator.accept(JVM_START, leader);
        Message hello = link.expect(MessageType.HELLO, JVM_START);
        assertEquals("leader", hello.require("role"));
        assertEquals(Long.toString(leader.pid()), hello.require("pid"));
        assertEquals(Integer.toString(Message.PROTOCOL_VERSION), hello.require("protocol"));
        // The agent connects before main runs; the app registers its resources in main.
        leader.expectReport("app started", JVM_START);
        return link;
    }

    /** CHECKPOINT -> beforeCheckpoint -> READY_TO_DUMP -> the leader closes the connection. */
    private void checkpointUntilDumped(FakeOrchestrator.Peer leaderLink) throws IOException, InterruptedException {
        leaderLink.send(Message.of(MessageType.CHECKPOINT));
        assertEquals("1", leader.expectReport("beforeCheckpoint", STEP).get("count"));
        leaderLink.expect(MessageType.READY_TO_DUMP, STEP);
        leaderLink.expectEof(STEP);
    }

    private FakeOrchestrator.Peer restoreWorker2() throws IOException, InterruptedException {
        checkpointUntilDumped(startLeader("ok"));
        leader.writeStdin(identityOfWorker2());
        FakeOrchestrator.Peer worker = orchestrator.accept(STEP, leader);
        worker.expect(MessageType.HELLO, STEP);
        worker.expect(MessageType.READY, STEP);
        return worker;
    }

    private Message identityOfWorker2() {
        return Message.of(MessageType.IDENTITY, "worker", "2", "generation", "1",
                "control", orchestrator.socket().toString(), "heartbeat-ms", "100",
                "prop.x", "y", "env.GREETING", "hello");
    }
}
