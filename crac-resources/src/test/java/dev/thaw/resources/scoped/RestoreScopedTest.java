package dev.thaw.resources.scoped;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class RestoreScopedTest {

    /** A client a user might have: holds a "connection" and must be closed. */
    interface Client {
        int id();

        boolean isOpen();
    }

    static final class FakeClient implements Client, AutoCloseable {
        private static final AtomicInteger IDS = new AtomicInteger();
        private final int id = IDS.incrementAndGet();
        private volatile boolean open = true;

        @Override
        public int id() {
            return id;
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public void close() {
            open = false;
        }
    }

    @Test
    void get_builds_once_and_returns_the_same_instance_until_a_checkpoint() {
        RestoreScoped<FakeClient> scoped = RestoreScoped.of(FakeClient::new);
        assertEquals(0, scoped.builds(), "nothing is built before first use");
        assertSame(scoped.get(), scoped.get());
        assertEquals(1, scoped.builds());
    }

    @Test
    void the_instance_is_closed_before_the_checkpoint_and_a_new_one_is_built_after_restore() {
        RestoreScoped<FakeClient> scoped = RestoreScoped.of(FakeClient::new);
        FakeClient leaders = scoped.get();

        scoped.beforeCheckpoint(null);
        assertFalse(leaders.isOpen(), "the leader's client must be closed before the dump");
        scoped.afterRestore(null);

        FakeClient workers = scoped.get();
        assertNotSame(leaders, workers);
        assertTrue(workers.isOpen());
        assertEquals(2, scoped.builds());
    }

    @Test
    void a_custom_closer_closes_things_that_are_not_AutoCloseable() {
        AtomicInteger closed = new AtomicInteger();
        RestoreScoped<StringBuilder> scoped = RestoreScoped.of(StringBuilder::new, sb -> closed.incrementAndGet());
        scoped.get();
        scoped.beforeCheckpoint(null);
        assertEquals(1, closed.get());
    }

    @Test
    void get_waits_while_the_checkpoint_is_in_progress_and_gets_the_workers_instance() throws Exception {
        RestoreScoped<FakeClient> scoped = RestoreScoped.of(FakeClient::new);
        FakeClient leaders = scoped.get();
        scoped.beforeCheckpoint(null);

        CompletableFuture<FakeClient> caller = CompletableFuture.supplyAsync(scoped::get, runnable -> new Thread(runnable).start());
        assertThrows(TimeoutException.class, () -> caller.get(300, TimeUnit.MILLISECONDS),
                "a client built during the checkpoint would be dumped with its connections");
        scoped.afterRestore(null);

        FakeClient got = caller.get(5, TimeUnit.SECONDS);
        assertNotSame(leaders, got);
        assertTrue(got.isOpen());
    }

    @Test
    void an_eager_instance_is_built_at_once_and_again_in_afterRestore() {
        RestoreScoped<FakeClient> scoped = RestoreScoped.eager(FakeClient::new, FakeClient::close);
        assertEquals(1, scoped.builds());
        scoped.beforeCheckpoint(null);
        scoped.afterRestore(null);
        assertEquals(2, scoped.builds(), "rebuilt in afterRestore, before anyone asks");
    }

    @Test
    void an_interface_proxy_kept_in_a_field_always_reaches_the_current_instance() {
        Client client = RestoreScoped.proxy(Client.class, FakeClient::new);
        int leaders = client.id();
        assertEquals(leaders, client.id(), "the same instance until the checkpoint");

        RestoreScoped<?> scoped = scopeOf(client);
        scoped.beforeCheckpoint(null);
        scoped.afterRestore(null);

        assertNotEquals(leaders, client.id());
        assertTrue(client.isOpen());
        assertEquals(client, client);
        assertTrue(client.toString().startsWith("RestoreScoped proxy of "));
    }

    @Test
    void a_proxy_needs_an_interface() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RestoreScoped.of(FakeClient::new).asProxy(FakeClient.class));
        assertTrue(e.getMessage().contains("is not an interface"), e.getMessage());
    }

    @Test
    void the_http_client_stand_in_uses_a_new_client_and_a_new_connection_after_restore() throws Exception {
        try (Upstream upstream = Upstream.start()) {
            HttpClient http = RestoreScoped.httpClient(HttpClient::newHttpClient);
            HttpRequest request = HttpRequest.newBuilder(URI.create(upstream.url())).build();
            assertEquals(200, http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(200, http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(1, upstream.connections(), "keep-alive: one connection for the leader's client");

            RestoreScoped<?> scoped = ((RestoreScopedHttpClient) http).scoped();
            scoped.beforeCheckpoint(null);
            assertTrue(upstream.awaitNoOpenConnection(5_000), "the leader's connection is closed before the dump");
            scoped.afterRestore(null);

            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            assertEquals(2, upstream.connections(), "the worker's client opened its own connection");
            assertEquals(2, scoped.builds());
        }
    }

    private static RestoreScoped<?> scopeOf(Object proxy) {
        return RestoreScoped.behind(proxy);
    }
}
