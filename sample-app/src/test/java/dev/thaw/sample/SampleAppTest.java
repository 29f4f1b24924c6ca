package dev.thaw.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Instant;
import java.util.List;

import dev.thaw.testkit.FreePort;
import dev.thaw.testkit.Http;
import dev.thaw.testkit.TcpSockets;
import org.crac.Resource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Starts the app once, in-process, and plays the leader's life: serve, checkpoint, restore as worker 3.
 * The org.crac callbacks are called directly, in the order org.crac's global context uses.
 *
 * <p>The app is the only catalogue builder in this test JVM, which is what lets datasetBuilds be 1.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SampleAppTest {

    private static int port;
    private static SampleApp app;

    @BeforeAll
    static void startApp() throws Exception {
        port = FreePort.pick();
        app = SampleApp.start(new SampleConfig(
                "127.0.0.1", port, 5, "jdbc:h2:mem:sample-app-test;DB_CLOSE_DELAY=-1", "sa", "", null));
    }

    @AfterAll
    static void stopApp() {
        System.clearProperty(WorkerIdentity.ID);
        System.clearProperty(WorkerIdentity.GENERATION);
        System.clearProperty(WorkerIdentity.RESTORED_AT);
        if (app != null) app.close();
    }

    @Test
    @Order(1)
    void leader_serves_every_endpoint_as_json() throws Exception {
        Http.Response health = get("/health");
        assertEquals(200, health.status());
        assertEquals("application/json", health.header("Content-Type"));
        assertEquals("{\"status\":\"ok\"}", health.body());

        Http.Response whoami = get("/whoami");
        assertEquals("null", field(whoami, "worker"), "the leader is not a worker");
        assertEquals("null", field(whoami, "generation"));
        assertEquals("null", field(whoami, "restoredAt"));
        assertEquals(Long.toString(ProcessHandle.current().pid()), field(whoami, "pid"));
        assertEquals("0", field(whoami, "afterRestoreCalls"));
        assertEquals("1", field(whoami, "datasetBuilds"));
        assertTrue(Integer.parseInt(field(whoami, "datasetItems")) > 1_000, whoami.body());

        Http.Response item = get("/items/0");
        assertEquals(200, item.status());
        assertEquals("0", field(item, "id"));
        assertNotNull(field(item, "description"));
        assertEquals(404, get("/items/999999999").status());
        assertEquals(404, get("/items/not-a-number").status());

        String firstWordOfName = field(item, "name").replace("\"", "").split(" ")[0];
        Http.Response search = get("/search?q=" + firstWordOfName);
        assertEquals(200, search.status());
        assertTrue(search.body().contains("{\"id\":0,"), "the lowest matching id comes first: " + search.body());
        assertTrue(Integer.parseInt(field(search, "total")) >= 1);

        Http.Response db = get("/db");
        assertEquals(200, db.status(), db.body());
        assertEquals("true", field(db, "ok"));
        assertEquals("1", field(db, "visits"));
        assertEquals("null", field(db, "worker"));

        Http.Response quote = get("/quote");
        assertEquals(200, quote.status(), quote.body());
        assertEquals("\"EUR\"", field(quote, "currency"), quote.body());
    }

    @Test
    @Order(2)
    void checkpoint_closes_every_socket_and_the_restored_worker_serves_as_itself() throws Exception {
        assertEquals(200, get("/db").status()); // the pool holds a connection
        assertEquals(200, get("/quote").status()); // the outbound client keeps one alive to our own port

        beforeCheckpoint(app.resources());

        assertFalse(TcpSockets.isListening(port), "nothing may listen on the port at the checkpoint");
        assertEquals(List.of(), TcpSockets.heldTouchingPort(port), "no connection to or from the port");
        assertThrows(ConnectException.class, () -> get("/health"));
        assertEquals(0, app.pool().getHikariPoolMXBean().getTotalConnections());

        String restoredAt = Instant.now().toString();
        System.setProperty(WorkerIdentity.ID, "3");
        System.setProperty(WorkerIdentity.GENERATION, "1");
        System.setProperty(WorkerIdentity.RESTORED_AT, restoredAt);
        afterRestore(app.resources());

        Http.Response whoami = get("/whoami");
        assertEquals("\"3\"", field(whoami, "worker"));
        assertEquals("\"1\"", field(whoami, "generation"));
        assertEquals("\"" + restoredAt + "\"", field(whoami, "restoredAt"));
        assertEquals("1", field(whoami, "afterRestoreCalls"));
        assertEquals("1", field(whoami, "datasetBuilds"), "a restored worker reuses the catalogue in its heap");

        Http.Response db = get("/db");
        assertEquals(200, db.status(), db.body());
        assertEquals("true", field(db, "ok"));
        assertEquals("\"3\"", field(db, "worker"));

        Http.Response quote = get("/quote");
        assertEquals(200, quote.status(), quote.body());
        assertEquals("\"3\"", field(quote, "pricedBy"));
    }

    /** A GET on a connection of its own: the test keeps no connection that could be mistaken for the app's. */
    private static Http.Response get(String path) throws Exception {
        return Http.get(port, path);
    }

    /**
     * The JSON text ({@code "3"}, {@code 17}, {@code null}...) of the first field of that name, the top
     * level first, then nested objects (/quote nests the upstream's answer); null when it is absent.
     */
    private static String field(Http.Response response, String name) throws IOException {
        JsonNode value = response.json().findValue(name);
        return value == null ? null : value.toString();
    }

    /** As org.crac does: in reverse order of registration. */
    private static void beforeCheckpoint(List<Resource> resources) throws Exception {
        for (int i = resources.size() - 1; i >= 0; i--) resources.get(i).beforeCheckpoint(null);
    }

    /** As org.crac does: in order of registration. */
    private static void afterRestore(List<Resource> resources) throws Exception {
        for (Resource resource : resources) resource.afterRestore(null);
    }
}
