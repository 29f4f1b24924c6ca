package dev.thaw.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.lifecycle.control.ControlConnection;
import dev.thaw.lifecycle.control.ControlMessage;
import dev.thaw.lifecycle.control.Message;
import dev.thaw.lifecycle.control.MessageType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The control server decodes every line on the connection's own thread: its owner only ever sees typed messages. */
class ControlServerTest {
    @TempDir
    Path dir;

    private final BlockingQueue<ControlEvent> events = new LinkedBlockingQueue<>();

    private ControlEvent next() throws InterruptedException {
        ControlEvent e = events.poll(10, TimeUnit.SECONDS);
        if (e == null) {
            throw new AssertionError("no control event within 10 s");
        }
        return e;
    }

    @Test
    void a_malformed_line_closes_only_its_own_connection_and_says_why() throws Exception {
        try (ControlServer server = ControlServer.open(dir.resolve("control.sock"), events::add);
             ControlConnection bad = ControlConnection.connect(server.socket());
             ControlConnection good = ControlConnection.connect(server.socket())) {
            bad.send(ControlMessage.Hello.worker(0).encode());
            ControlEvent.Received hello = assertInstanceOf(ControlEvent.Received.class, next());
            assertEquals(new ControlMessage.Hello(ControlMessage.Role.WORKER, 0, ProcessHandle.current().pid(), 1, null), hello.message());
            assertEquals(ProcessHandle.current().pid(), hello.peer().credentials().pid(), "the kernel says who connected");

            bad.send(Message.of(MessageType.HEARTBEAT, "worker", "0", "requests", "lots"));
            ControlEvent.Rejected rejected = assertInstanceOf(ControlEvent.Rejected.class, next());
            assertTrue(rejected.why().contains("HEARTBEAT"), rejected.why());
            assertInstanceOf(ControlEvent.Closed.class, next());
            assertTrue(closedByServer(bad), "the server closed the connection that sent it");

            good.send(ControlMessage.Hello.cli().encode());
            good.send(new ControlMessage.Status().encode());
            assertInstanceOf(ControlMessage.Hello.class, ((ControlEvent.Received) next()).message());
            assertInstanceOf(ControlMessage.Status.class, ((ControlEvent.Received) next()).message(), "the other connection serves on");
        }
    }

    @Test
    void a_connection_that_does_not_begin_with_hello_is_closed_without_an_event() throws Exception {
        try (ControlServer server = ControlServer.open(dir.resolve("control.sock"), events::add);
             ControlConnection c = ControlConnection.connect(server.socket())) {
            c.send(new ControlMessage.Status().encode());
            assertTrue(closedByServer(c));
            assertEquals(null, events.poll(200, TimeUnit.MILLISECONDS));
        }
    }

    @Test
    void a_connection_that_says_nothing_is_closed_after_the_hello_timeout() throws Exception {
        try (ControlServer server = ControlServer.open(dir.resolve("control.sock"), events::add);
             ControlConnection silent = ControlConnection.connect(server.socket())) {
            long started = System.nanoTime();
            assertTrue(closedByServer(silent), "closed by the server");
            long waited = (System.nanoTime() - started) / 1_000_000;
            assertTrue(waited >= ControlServer.HELLO_TIMEOUT_MILLIS - 500 && waited < ControlServer.HELLO_TIMEOUT_MILLIS + 5_000,
                    "closed after " + waited + " ms");
        }
    }

    @Test
    void connections_beyond_a_users_quota_are_closed_at_once_logged_once_and_the_held_ones_serve_on() throws Exception {
        java.util.List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>();
        ConnectionQuota quota = new ConnectionQuota(4, 2, PeerCredentials::foreignPidNamespace, log::add, System::nanoTime);
        java.util.List<ControlConnection> flood = new java.util.ArrayList<>();
        try (ControlServer server = ControlServer.open(dir.resolve("control.sock"), events::add, quota)) {
            try {
                for (int i = 0; i < 200; i++) {
                    flood.add(ControlConnection.connect(server.socket()));
                }
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (quota.openBy(0) < 4 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                int refused = 0;
                long started = System.nanoTime();
                for (ControlConnection c : flood.subList(4, flood.size())) {
                    refused += closedByServer(c) ? 1 : 0;
                }
                assertEquals(196, refused, "all but the first 4 closed by the server");
                assertTrue(System.nanoTime() - started < TimeUnit.MILLISECONDS.toNanos(ControlServer.HELLO_TIMEOUT_MILLIS / 2),
                        "closed at once, not by the HELLO timeout");
                assertEquals(1, log.size(), "one line for the whole flood: " + log);
                assertTrue(log.getFirst().startsWith("thaw: control socket: uid 0 holds 4 connections, the most it may"), log.getFirst());

                ControlConnection held = flood.getFirst();
                held.send(ControlMessage.Hello.cli().encode());
                assertInstanceOf(ControlMessage.Hello.class, ((ControlEvent.Received) next()).message(), "a held connection serves on");
                flood.get(1).close();
                while (quota.openBy(0) > 3 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                try (ControlConnection again = ControlConnection.connect(server.socket())) {
                    again.send(ControlMessage.Hello.cli().encode());
                    assertInstanceOf(ControlMessage.Hello.class, ((ControlEvent.Received) next()).message(), "a place given back is taken");
                }
            } finally {
                for (ControlConnection c : flood) {
                    c.close();
                }
            }
        }
    }

    private static boolean closedByServer(ControlConnection c) {
        try {
            c.receive();
            return false;
        } catch (IOException | RuntimeException closed) {
            return true;
        }
    }
}
