package dev.thaw.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.time.Instant;
import java.util.List;

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
        port = TcpSockets.freePort();
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
        HttpGet health = get("/health");
        assertEquals(200, health.status());
        assertEquals("application/json", health.contentType());
        assertEquals("{\"status\":\"ok\"}", health.body());

        HttpGet whoami = get("/whoami");
        assertEquals("null", whoami.field("worker"), "the leader is not a worker");
        assertEquals("null", whoami.field("generation"));
        assertEquals("null", whoami.field("restoredAt"));
        assertEquals(Long.toString(ProcessHandle.current().pid()), whoami.field("pid"));
        assertEquals("0", whoami.field("afterRestoreCalls"));
        assertEquals("1", whoami.field("datasetBuilds"));
        assertTrue(Integer.parseInt(whoami.field("datasetItems")) > 1_000, whoami.body());

        HttpGet item = get("/items/0");
        assertEquals(200, item.status());
        assertEquals("0", item.field("id"));
        assertNotNull(item.field("description"));
        assertEquals(404, get("/items/999999999").status());
        assertEquals(404, get("/items/not-a-number").status());

        String firstWordOfName = item.field("name").replace("\"", "").split(" ")[0];
        HttpGet search = get("/search?q=" + firstWordOfName);
        assertEquals(200, search.status());
        assertTrue(search.body().contains("{\"id\":0,"), "the lowest matching id comes first: " + search.body());
        assertTrue(Integer.parseInt(search.field("total")) >= 1);

        HttpGet db = get("/db");
        assertEquals(200, db.status(), db.body());
        assertEquals("true", db.field("ok"));
        assertEquals("1", db.field("visits"));
        assertEquals("null", db.field("worker"));

        HttpGet quote = get("/quote");
        assertEquals(200, quote.status(), quote.body());
        assertEquals("\"EUR\"", quote.field("currency"), quote.body());
    }

    @Test
    @Order(2)
    void checkpoint_closes_every_socket_and_the_restored_worker_serves_as_itself() throws Exception {
        assertEquals(200, get("/db").status()); // the pool holds a connection
        assertEquals(200, get("/quote").status()); // the outbound client keeps one alive to our own port

        beforeCheckpoint(app.resources());

        assertFalse(TcpSockets.isListening(port), "nothing may listen on the port at the checkpoint");
        assertEquals(List.of(), TcpSockets.openInThisProcess(port), "no connection to or from the port");
        assertThrows(ConnectException.class, () -> get("/health"));
        assertEquals(0, app.pool().getHikariPoolMXBean().getTotalConnections());

        String restoredAt = Instant.now().toString();
        System.setProperty(WorkerIdentity.ID, "3");
        System.setProperty(WorkerIdentity.GENERATION, "1");
        System.setProperty(WorkerIdentity.RESTORED_AT, restoredAt);
        afterRestore(app.resources());

        HttpGet whoami = get("/whoami");
        assertEquals("\"3\"", whoami.field("worker"));
        assertEquals("\"1\"", whoami.field("generation"));
        assertEquals("\"" + restoredAt + "\"", whoami.field("restoredAt"));
        assertEquals("1", whoami.field("afterRestoreCalls"));
        assertEquals("1", whoami.field("datasetBuilds"), "a restored worker reuses the catalogue in its heap");

        HttpGet db = get("/db");
        assertEquals(200, db.status(), db.body());
        assertEquals("true", db.field("ok"));
        assertEquals("\"3\"", db.field("worker"));

        HttpGet quote = get("/quote");
        assertEquals(200, quote.status(), quote.body());
        assertEquals("\"3\"", quote.field("pricedBy"));
    }

    private static HttpGet get(String path) throws Exception {
        return HttpGet.get(port, path);
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
