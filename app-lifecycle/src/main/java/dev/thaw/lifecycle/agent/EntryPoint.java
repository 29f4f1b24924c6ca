package dev.thaw.lifecycle.agent;

import java.util.List;

/**
 * A method of a web server that thaw's agent wraps to count requests: the server it belongs to, and
 * the hooks of {@link ServerRequests} the wrapper calls. The wrapper is
 * <pre>{@code
 * long t = ServerRequests.enter<Hook>(this, args...);        // this omitted for a static method
 * argN = (Type) ServerRequests.wrap<Hook>(t, argN);           // only when wrapArg >= 0
 * try { r = original(args...); } catch (Throwable e) { ServerRequests.exit<Hook>(t, null, e, this, args...); throw e; }
 * ServerRequests.exit<Hook>(t, r, null, this, args...);        // r boxed; null for void
 * return r;
 * }</pre>
 * Every argument of a wrapped method is an object (checked when wrapping), so the hooks take
 * {@code Object}s and never need a server's class at compile time.
 *
 * @param server the server's name as reports say it ("Tomcat")
 * @param owner the internal name of the class that declares the method
 * @param descriptor its exact descriptor: a version where it differs is not wrapped, never wrongly wrapped
 * @param hook the suffix of the hook methods in {@link ServerRequests}
 * @param wrapArg the argument replaced by {@code wrap<Hook>}'s result, or -1
 * @param counts false for a method that only helps (a connection's close): it does not make the server recognized
 */
record EntryPoint(String server, String owner, String method, String descriptor, String hook, int wrapArg, boolean counts) {

    static final List<EntryPoint> ALL = List.of(
            // Tomcat 9, 10 and 11 (Spring Boot's default): every request on HTTP/1.1 and HTTP/2 passes here,
            // on the thread that runs the servlet.
            new EntryPoint("Tomcat", "org/apache/catalina/connector/CoyoteAdapter", "service",
                    "(Lorg/apache/coyote/Request;Lorg/apache/coyote/Response;)V", "Tomcat", -1, true),
            // Tomcat closes its keep-alive connections when a connector stops: Tomcat.stop pauses each connector,
            // stops the web apps, then stops the connectors; Spring Boot's stop (after its graceful wait) removes the
            // connectors, which stops them. Both wait there for thaw's drain, so that every connection still in use
            // has been told Connection: close by then.
            new EntryPoint("Tomcat", "org/apache/catalina/connector/Connector", "pause", "()V", "TomcatStop", -1, false),
            new EntryPoint("Tomcat", "org/apache/catalina/connector/Connector", "stopInternal", "()V", "TomcatStop", -1, false),
            // Jetty 12 core: the Server is the root handler; the request ends when its callback completes.
            new EntryPoint("Jetty", "org/eclipse/jetty/server/Server", "handle",
                    "(Lorg/eclipse/jetty/server/Request;Lorg/eclipse/jetty/server/Response;Lorg/eclipse/jetty/util/Callback;)Z",
                    "Jetty12", 2, true),
            // Jetty 10 and 11: Server.handle(HttpChannel) runs the handlers of each request (and its async
            // dispatches through handleAsync, which are not counted again).
            new EntryPoint("Jetty", "org/eclipse/jetty/server/Server", "handle",
                    "(Lorg/eclipse/jetty/server/HttpChannel;)V", "Jetty10", -1, true),
            // Undertow 2: every exchange starts in Connectors.executeRootHandler (again on each dispatch);
            // it ends when Undertow calls the exchange's completion listeners.
            new EntryPoint("Undertow", "io/undertow/server/Connectors", "executeRootHandler",
                    "(Lio/undertow/server/HttpHandler;Lio/undertow/server/HttpServerExchange;)V", "Undertow", -1, true),
            // Netty 4.1 and 4.2 HTTP/1.x (Reactor Netty, Spring WebFlux): a request begins when the request
            // decoder emits its head and ends when the response encoder is handed its last content.
            new EntryPoint("Netty", "io/netty/handler/codec/http/HttpObjectDecoder", "decode",
                    "(Lio/netty/channel/ChannelHandlerContext;Lio/netty/buffer/ByteBuf;Ljava/util/List;)V", "NettyDecode", -1, true),
            new EntryPoint("Netty", "io/netty/handler/codec/http/HttpObjectEncoder", "write",
                    "(Lio/netty/channel/ChannelHandlerContext;Ljava/lang/Object;Lio/netty/channel/ChannelPromise;)V", "NettyWrite", -1,
                    false),
            new EntryPoint("Netty", "io/netty/handler/codec/ByteToMessageDecoder", "channelInactive",
                    "(Lio/netty/channel/ChannelHandlerContext;)V", "NettyInactive", -1, false));

    String label() {
        return server + " (" + owner.substring(owner.lastIndexOf('/') + 1) + "." + method + ")";
    }
}
