package dev.thaw.lifecycle.agent;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import dev.thaw.lifecycle.Requests;
import java.io.IOException;

/**
 * Counts the requests of the JDK's {@code com.sun.net.httpserver}: every context the app creates gets,
 * first in its filter chain, a filter that counts each exchange from the start of the chain to its
 * return. The JDK's server lives in the platform class loader, which cannot see the agent, so the
 * agent learns of each new context from the rewritten constructor of {@code sun.net.httpserver.HttpContextImpl}
 * (through {@link HookBridge}, like SecureRandom), and adds the filter through the public API.
 *
 * <p>A handler that answers on another thread after returning is counted until it returns. Loaded only
 * when the app creates a context, so a JDK without the jdk.httpserver module never links it.
 */
final class JdkHttpServerRequests extends Filter {
    static final String CONTEXT_CLASS = "sun.net.httpserver.HttpContextImpl";
    static final String LABEL = "JDK HttpServer (com.sun.net.httpserver filter)";
    private static final JdkHttpServerRequests FILTER = new JdkHttpServerRequests();

    static void contextCreated(Object context) {
        ((HttpContext) context).getFilters().add(0, FILTER);
        ServerRequests.recognized(LABEL);
    }

    @Override
    public void doFilter(HttpExchange exchange, Chain chain) throws IOException {
        if (Drain.draining()) {
            exchange.getResponseHeaders().set("Connection", "close"); // the last response of its connection
        }
        long token = Requests.beginByAgent();
        try {
            chain.doFilter(exchange);
        } finally {
            Requests.endByAgent(token);
        }
    }

    @Override
    public String description() {
        return "thaw: counts requests for the orchestrator (--max-requests, --timeout, metrics)";
    }
}
