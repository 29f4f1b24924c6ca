package dev.thaw.lifecycle.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.lifecycle.Requests;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.coyote.Request;
import org.apache.coyote.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The wrapper the agent writes around a server's entry point, on a stand-in with Tomcat's names
 * (test sources org.apache...): it counts each call, one that throws included, keeps the original's
 * behaviour and result, and leaves a method of another descriptor alone.
 */
class ServerRewriterTest {
    private static final String ADAPTER = "org.apache.catalina.connector.CoyoteAdapter";
    private static final EntryPoint TOMCAT = EntryPoint.ALL.get(0);

    @BeforeEach
    void startAfresh() throws Exception {
        Requests.reset();
        Field countedByApp = Requests.class.getDeclaredField("countedByApp"); // other tests in this JVM count as the app
        countedByApp.setAccessible(true);
        countedByApp.set(null, false);
    }

    @Test
    void the_wrapped_entry_point_counts_every_request_and_keeps_what_the_original_does() throws Exception {
        List<EntryPoint> wrapped = new ArrayList<>();
        Class<?> adapter = load(ServerRewriter.rewrite(original(), List.of(TOMCAT), wrapped));
        assertEquals(List.of(TOMCAT), wrapped);
        Object instance = adapter.getConstructor().newInstance();
        Method service = adapter.getMethod("service", Request.class, Response.class);

        service.invoke(instance, new Request(false), new Response());
        assertEquals(1, adapter.getField("inFlightSeen").getInt(instance), "the request was in flight while it ran");
        InvocationTargetException thrown = assertThrows(InvocationTargetException.class,
                () -> service.invoke(instance, new Request(true), new Response()));
        assertInstanceOf(java.io.IOException.class, thrown.getCause(), "the original's exception, unchanged");

        Requests.Snapshot s = Requests.snapshot();
        assertEquals(2, s.total(), "both requests counted, the failed one too");
        assertEquals(0, s.inFlight());
        assertEquals(2, s.latencyCount());
        assertTrue(Arrays.stream(adapter.getDeclaredMethods()).anyMatch(m -> m.getName().equals("service" + ServerRewriter.SUFFIX)
                && Modifier.isPrivate(m.getModifiers())), "the original is kept, private");
    }

    @Test
    void while_draining_each_response_closes_its_connection() throws Exception {
        Class<?> adapter = load(ServerRewriter.rewrite(original(), List.of(TOMCAT), new ArrayList<>()));
        Field draining = Drain.class.getDeclaredField("draining");
        draining.setAccessible(true);
        Response response = new Response();
        try {
            draining.set(null, true);
            adapter.getMethod("service", Request.class, Response.class).invoke(adapter.getConstructor().newInstance(), new Request(false),
                    response);
        } finally {
            draining.set(null, false);
        }
        assertEquals("close", response.headers.get("Connection"));
    }

    @Test
    void an_app_that_counts_its_own_requests_is_not_counted_again() throws Exception {
        Class<?> adapter = load(ServerRewriter.rewrite(original(), List.of(TOMCAT), new ArrayList<>()));
        Requests.end(Requests.begin()); // the app (thaw's Jetty resource, say) counts itself
        adapter.getMethod("service", Request.class, Response.class).invoke(adapter.getConstructor().newInstance(), new Request(false),
                new Response());
        assertEquals(1, Requests.snapshot().total());
        assertEquals("app", ServerRequests.countedBy());
    }

    @Test
    void a_method_whose_descriptor_differs_is_left_alone() throws Exception {
        EntryPoint otherVersion = new EntryPoint("Tomcat", TOMCAT.owner(), "service", "(Lorg/apache/coyote/Request;Ljava/lang/Object;)V",
                "Tomcat", -1, true);
        List<EntryPoint> wrapped = new ArrayList<>();
        ServerRewriter.rewrite(original(), List.of(otherVersion), wrapped);
        assertEquals(List.of(), wrapped);
    }

    private static byte[] original() throws Exception {
        try (InputStream in = ServerRewriterTest.class.getResourceAsStream("/" + ADAPTER.replace('.', '/') + ".class")) {
            return in.readAllBytes();
        }
    }

    /** Defines the rewritten class in a loader of its own, which finds everything else (ServerRequests, the stubs) in the test's. */
    private static Class<?> load(byte[] bytes) throws Exception {
        ClassLoader parent = ServerRewriterTest.class.getClassLoader();
        return new ClassLoader(parent) {
            @Override
            protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
                if (name.equals(ADAPTER)) {
                    synchronized (getClassLoadingLock(name)) {
                        Class<?> c = findLoadedClass(name);
                        return c != null ? c : defineClass(name, bytes, 0, bytes.length);
                    }
                }
                return super.loadClass(name, resolve);
            }
        }.loadClass(ADAPTER);
    }
}
