package dev.thaw.apps;

import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;

/**
 * Undertow 2 with org.crac only: stopped before the checkpoint, a new one started after each restore.
 * /sleep is dispatched to a worker thread, as a blocking handler must be. Its port is shared by the
 * workers through thaw's -Dthaw.reuse-port=true (XNIO opens it through NIO).
 */
public final class UndertowApp implements Resource {
    /** org.crac holds resources weakly: the app keeps its own. */
    private static UndertowApp app;
    private Undertow server;

    public static void main(String[] args) throws InterruptedException {
        app = new UndertowApp();
        app.start();
        Core.getGlobalContext().register(app);
        System.out.println("undertow app listening on 127.0.0.1:" + Answers.port());
        Answers.serveForever();
    }

    private synchronized void start() {
        server = Undertow.builder().addHttpListener(Answers.port(), "127.0.0.1").setHandler(new Routes()).build();
        server.start();
    }

    @Override
    public synchronized void beforeCheckpoint(Context<? extends Resource> context) {
        server.stop();
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) {
        start();
    }

    private static final class Routes implements HttpHandler {
        @Override
        public void handleRequest(HttpServerExchange exchange) throws Exception {
            switch (exchange.getRequestPath()) {
                case "/hello" -> exchange.getResponseSender().send(Answers.hello());
                case "/sleep" -> {
                    if (exchange.isInIoThread()) {
                        exchange.dispatch(this);
                        return;
                    }
                    exchange.getResponseSender().send(Answers.slept(exchange.getQueryString()));
                }
                default -> exchange.setStatusCode(404).endExchange();
            }
        }
    }
}
