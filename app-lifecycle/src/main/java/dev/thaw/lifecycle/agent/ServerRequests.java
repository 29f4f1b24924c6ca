package dev.thaw.lifecycle.agent;

import dev.thaw.lifecycle.Requests;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;

/**
 * The hooks that the wrapped server methods ({@link EntryPoint}) call, and what thaw learned about the
 * app's server. Each server's requests go to {@link Requests} through {@link Requests#beginByAgent()},
 * which stands aside when the app counts its requests itself.
 *
 * <p>These run on the servers' request threads: they never throw into the server (a failure here
 * loses one count, never a request), and they reach server types only reflectively, looked up in the
 * server's own class loader, because the agent is compiled against no server.
 */
public final class ServerRequests {
    private static final Set<String> RECOGNIZED = new CopyOnWriteArraySet<>();
    private static final Set<String> UNREACHABLE = new CopyOnWriteArraySet<>();
    /** Undertow exchanges begun and not yet complete (an exchange re-enters executeRootHandler on each dispatch). */
    private static final Map<Object, Long> EXCHANGES = new ConcurrentHashMap<>();
    /** Tomcat's adapters seen serving (one per connector), for the drain to close their connectors' sockets. */
    private static final Set<Object> TOMCAT_ADAPTERS = java.util.Collections.synchronizedSet(
            java.util.Collections.newSetFromMap(new java.util.WeakHashMap<>()));
    /** Jetty servers seen serving, for the drain to stop their acceptors before it closes their sockets. */
    private static final Set<Object> JETTY_SERVERS = java.util.Collections.synchronizedSet(
            java.util.Collections.newSetFromMap(new java.util.WeakHashMap<>()));
    /** Netty: per channel, the requests decoded and not yet answered, oldest first (HTTP/1.1 answers in order). */
    private static final Map<Object, ArrayDeque<Long>> CHANNELS = new ConcurrentHashMap<>();

    private ServerRequests() {
    }

    static void recognized(EntryPoint point) {
        if (point.counts()) {
            RECOGNIZED.add(point.label());
        }
    }

    static void recognized(String label) {
        RECOGNIZED.add(label);
    }

    static void unreachable(String server, ClassLoader loader) {
        if (UNREACHABLE.add(server)) {
            System.err.println("thaw agent: " + server + " is loaded by " + loader + ", which cannot see thaw's agent:"
                    + " its requests are not counted (count them with dev.thaw.lifecycle.Requests, see docs/resources.md)");
        }
    }

    /** The servers whose requests the agent counts, as "Tomcat (CoyoteAdapter.service)"; empty when none. */
    public static List<String> recognizedServers() {
        return List.copyOf(RECOGNIZED);
    }

    /** Who counts the requests, for the worker's READY: the recognized servers, "app" or "none". */
    public static String countedBy() {
        if (Requests.countedByApp()) {
            return "app";
        }
        return RECOGNIZED.isEmpty() ? "none" : String.join(", ", RECOGNIZED);
    }

    /**
     * One line for the guardrail's report and thaw's logs: who counts this app's requests, or that
     * nobody does and what cannot work then.
     */
    public static String describe() {
        if (Requests.countedByApp()) {
            return "requests: counted by the app through thaw's API (dev.thaw.lifecycle.Requests)";
        }
        if (!RECOGNIZED.isEmpty()) {
            return "requests: counted by thaw's agent in " + String.join(", ", RECOGNIZED);
        }
        return "requests: " + NONE;
    }

    /** The end of {@link #describe()}'s line when nothing counts requests, also sent to the orchestrator. */
    public static final String NONE = "no server recognized (thaw's agent counts Tomcat, Jetty, Undertow, Netty and the JDK's"
            + " HttpServer): --max-requests, --refork-after and --timeout's hung-request check cannot work for this app;"
            + " an app on another server counts its requests with dev.thaw.lifecycle.Requests (docs/resources.md)";

    // ---- Tomcat 9-11: CoyoteAdapter.service(Request, Response), synchronous

    public static long enterTomcat(Object adapter, Object request, Object response) {
        if (!TOMCAT_ADAPTERS.contains(adapter)) {
            TOMCAT_ADAPTERS.add(adapter);
        }
        if (Drain.draining()) {
            closeAfter(() -> response.getClass().getMethod("setHeader", String.class, String.class).invoke(response, "Connection", "close"));
        }
        return Requests.beginByAgent();
    }

    public static void exitTomcat(long token, Object result, Throwable thrown, Object adapter, Object request, Object response) {
        Requests.endByAgent(token);
    }

    /** Tomcat closes its idle keep-alive connections when it stops: while thaw drains, not before the drain is over. */
    public static long enterTomcatStop(Object connector) {
        if (Drain.draining()) {
            Drain.awaitDrained(true);
        }
        return 0;
    }

    public static void exitTomcatStop(long token, Object result, Throwable thrown, Object connector) {
    }

    // ---- Jetty 10/11: Server.handle(HttpChannel), synchronous

    public static long enterJetty10(Object server, Object channel) {
        rememberJetty(server);
        if (Drain.draining()) {
            closeAfter(() -> {
                Object response = channel.getClass().getMethod("getResponse").invoke(channel);
                response.getClass().getMethod("setHeader", String.class, String.class).invoke(response, "Connection", "close");
            });
        }
        return Requests.beginByAgent();
    }

    public static void exitJetty10(long token, Object result, Throwable thrown, Object server, Object channel) {
        Requests.endByAgent(token);
    }

    private static void rememberJetty(Object server) {
        if (!JETTY_SERVERS.contains(server)) {
            JETTY_SERVERS.add(server);
        }
    }

    /**
     * Closes the listening socket of each Tomcat connector seen serving the way Spring Boot's graceful
     * shutdown does ({@code ProtocolHandler.closeServerSocketGraceful}, Tomcat 9.0.33 and later), so the two
     * can run together: the second call finds the socket closed. Returns how many connectors it closed.
     */
    static int closeTomcatSockets() {
        List<Object> adapters;
        synchronized (TOMCAT_ADAPTERS) {
            adapters = List.copyOf(TOMCAT_ADAPTERS);
        }
        int closed = 0;
        for (Object adapter : adapters) {
            try {
                java.lang.reflect.Field field = adapter.getClass().getDeclaredField("connector");
                field.setAccessible(true);
                Object connector = field.get(adapter);
                Object protocol = connector.getClass().getMethod("getProtocolHandler").invoke(connector);
                Class<?> handler = Class.forName("org.apache.coyote.ProtocolHandler", false, adapter.getClass().getClassLoader());
                handler.getMethod("closeServerSocketGraceful").invoke(protocol);
                closed++;
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                // an older Tomcat: Connection: close and the wait still apply
            }
        }
        return closed;
    }

    /**
     * Jetty's acceptor threads would spin on a closed socket (they retry accept at once): the drain first
     * tells each connector to stop accepting, which parks them.
     */
    static void stopJettyAcceptors() {
        List<Object> servers;
        synchronized (JETTY_SERVERS) {
            servers = List.copyOf(JETTY_SERVERS);
        }
        for (Object server : servers) {
            try {
                Object[] connectors = (Object[]) server.getClass().getMethod("getConnectors").invoke(server);
                Class<?> abstractConnector = Class.forName("org.eclipse.jetty.server.AbstractConnector", false, server.getClass().getClassLoader());
                for (Object connector : connectors) {
                    if (abstractConnector.isInstance(connector)) {
                        abstractConnector.getMethod("setAccepting", boolean.class).invoke(connector, false);
                    }
                }
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                // the drain closes the sockets all the same
            }
        }
    }

    // ---- Jetty 12: Server.handle(Request, Response, Callback), ends when the callback completes

    public static long enterJetty12(Object server, Object request, Object response, Object callback) {
        rememberJetty(server);
        if (Drain.draining()) {
            closeAfter(() -> {
                ClassLoader loader = server.getClass().getClassLoader();
                Object headers = Class.forName("org.eclipse.jetty.server.Response", false, loader).getMethod("getHeaders").invoke(response);
                Class.forName("org.eclipse.jetty.http.HttpFields$Mutable", false, loader).getMethod("put", String.class, String.class)
                        .invoke(headers, "Connection", "close");
            });
        }
        return Requests.beginByAgent();
    }

    /** The callback Jetty completes when the response is done, wrapped to end the request then. */
    public static Object wrapJetty12(long token, Object callback) {
        if (token == 0 || callback == null) {
            return callback;
        }
        try {
            Class<?> type = Class.forName("org.eclipse.jetty.util.Callback", false, callback.getClass().getClassLoader());
            return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, new Ending(callback, token,
                    Set.of("succeeded", "failed")));
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return callback;
        }
    }

    /** Not handled (Jetty then answers 404 with its own callback) or thrown: the request is over here. */
    public static void exitJetty12(long token, Object handled, Throwable thrown, Object server, Object request, Object response, Object callback) {
        if (thrown != null || Boolean.FALSE.equals(handled)) {
            Requests.endByAgent(token);
        }
    }

    // ---- Undertow 2: Connectors.executeRootHandler(HttpHandler, HttpServerExchange)

    public static long enterUndertow(Object handler, Object exchange) {
        if (exchange != null && Drain.draining()) {
            closeAfter(() -> exchange.getClass().getMethod("setPersistent", boolean.class).invoke(exchange, false));
        }
        if (exchange == null || EXCHANGES.containsKey(exchange)) {
            return 0; // a dispatch of an exchange already counted
        }
        long token = Requests.beginByAgent();
        if (token == 0) {
            return 0;
        }
        try {
            ClassLoader loader = exchange.getClass().getClassLoader();
            Class<?> listener = Class.forName("io.undertow.server.ExchangeCompletionListener", false, loader);
            Object proxy = Proxy.newProxyInstance(listener.getClassLoader(), new Class<?>[] {listener}, (p, method, args) -> {
                if (method.getName().equals("exchangeEvent")) {
                    Long t = EXCHANGES.remove(args[0]);
                    Requests.endByAgent(t == null ? 0 : t);
                    Object next = args[1];
                    Class<?> nextType = Class.forName("io.undertow.server.ExchangeCompletionListener$NextListener", false, loader);
                    nextType.getMethod("proceed").invoke(next);
                    return null;
                }
                return objectMethod(p, method, args);
            });
            EXCHANGES.put(exchange, token);
            exchange.getClass().getMethod("addExchangeCompleteListener", listener).invoke(exchange, proxy);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            EXCHANGES.remove(exchange);
            Requests.endByAgent(token);
        }
        return 0;
    }

    public static void exitUndertow(long token, Object result, Throwable thrown, Object handler, Object exchange) {
        // the exchange ends in its completion listener, maybe on another thread, maybe later
    }

    // ---- Netty 4.1/4.2: HttpObjectDecoder.decode, HttpObjectEncoder.write, ByteToMessageDecoder.channelInactive

    /** The token is the size of the decoder's output list before this call: what is after it is new. */
    public static long enterNettyDecode(Object decoder, Object ctx, Object buffer, Object out) {
        return out instanceof List<?> list ? list.size() : 0;
    }

    public static void exitNettyDecode(long before, Object result, Throwable thrown, Object decoder, Object ctx, Object buffer, Object out) {
        if (out instanceof List<?> list) {
            try {
                decoded(decoder, ctx, list, (int) before);
            } catch (Throwable e) {
                // a count lost, never a request
            }
        }
    }

    public static long enterNettyWrite(Object encoder, Object ctx, Object message, Object promise) {
        try {
            NettyTypes types = NettyTypes.of(encoder.getClass());
            if (types != null && types.responseEncoder() && Drain.draining() && types.response().isInstance(message)) {
                types.closeConnectionAfter(message); // still the head: the encoder writes its headers next
            }
            if (types != null && types.responseEncoder() && types.lastContent().isInstance(message)) {
                ArrayDeque<Long> pending = CHANNELS.get(types.channel(ctx));
                Long token = null;
                if (pending != null) {
                    synchronized (pending) {
                        token = pending.pollFirst();
                    }
                }
                if (token != null) {
                    Requests.endByAgent(token);
                }
            }
        } catch (Throwable e) {
            // a count lost, never a response
        }
        return 0;
    }

    public static void exitNettyWrite(long token, Object result, Throwable thrown, Object encoder, Object ctx, Object message, Object promise) {
    }

    /** The connection closed: its requests will never be answered, and must not look hung. */
    public static long enterNettyInactive(Object decoder, Object ctx) {
        try {
            NettyTypes types = NettyTypes.of(decoder.getClass());
            if (types != null) {
                ArrayDeque<Long> pending = CHANNELS.remove(types.channel(ctx));
                if (pending != null) {
                    synchronized (pending) {
                        for (Long token : pending) {
                            Requests.endByAgent(token);
                        }
                        pending.clear();
                    }
                }
            }
        } catch (Throwable e) {
            // a count lost, never a close
        }
        return 0;
    }

    public static void exitNettyInactive(long token, Object result, Throwable thrown, Object decoder, Object ctx) {
    }

    /** Netty's decode writes request heads into {@code out}; the ones past {@code before} are new requests on the channel. */
    private static void decoded(Object decoder, Object ctx, List<?> out, int before) throws Throwable {
        NettyTypes types = NettyTypes.of(decoder.getClass());
        if (types == null || !types.requestDecoder()) {
            return;
        }
        for (int i = before; i < out.size(); i++) {
            if (types.request().isInstance(out.get(i))) {
                long token = Requests.beginByAgent();
                if (token != 0) {
                    ArrayDeque<Long> pending = CHANNELS.computeIfAbsent(types.channel(ctx), c -> new ArrayDeque<>());
                    synchronized (pending) {
                        pending.addLast(token);
                    }
                }
            }
        }
    }

    /** Forgets what the leader had in flight: a restored worker starts counting afresh (see Requests.reset). */
    public static void reset() {
        EXCHANGES.clear();
        CHANNELS.clear();
    }

    // ---- shared

    /** A step that marks a response as the last of its connection, by reflection. */
    private interface Closing {
        void run() throws ReflectiveOperationException;
    }

    /** While draining: the response closes its connection, so its client's next request goes to another worker. */
    private static void closeAfter(Closing closing) {
        try {
            closing.run();
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // the connection stays open: the drain's wait still covers its requests
        }
    }

    /** A proxy that forwards every call to {@code target} and ends the request on the first of {@code ends}. */
    private static final class Ending implements InvocationHandler {
        private final Object target;
        private final long token;
        private final Set<String> ends;

        Ending(Object target, long token, Set<String> ends) {
            this.target = target;
            this.token = token;
            this.ends = ends;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            if (ends.contains(method.getName())) {
                Requests.endByAgent(token); // a second completion finds the token gone and counts nothing
            }
            if (method.getDeclaringClass() == Object.class && method.getName().equals("equals")) {
                return proxy == args[0] || target.equals(args[0]);
            }
            try {
                return method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }
    }

    private static Object objectMethod(Object proxy, Method method, Object[] args) {
        return switch (method.getName()) {
            case "equals" -> proxy == args[0];
            case "hashCode" -> System.identityHashCode(proxy);
            case "toString" -> "thaw request counter";
            default -> null;
        };
    }
}
