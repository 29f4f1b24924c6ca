package dev.thaw.sample;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.LocalTime;
import java.util.concurrent.ThreadLocalRandom;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** The sample's HTTP API; every answer is JSON. Handlers may block (database, outbound HTTP). */
final class ApiHandler extends Handler.Abstract {

    private static final int SEARCH_LIMIT = 20;
    private static final String ITEMS = "/items/";

    private final Catalogue catalogue;
    private final VisitLog visits;
    private final UpstreamClient upstream;
    private final RestoreCounter restores;

    ApiHandler(Catalogue catalogue, VisitLog visits, UpstreamClient upstream, RestoreCounter restores) {
        this.catalogue = catalogue;
        this.visits = visits;
        this.upstream = upstream;
        this.restores = restores;
    }

    record Reply(int status, String json) {
        static Reply ok(Object json) {
            return new Reply(200, json.toString());
        }

        static Reply error(int status, String message) {
            return new Reply(status, Json.object().field("error", message).toString());
        }
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        Reply reply = HttpMethod.GET.is(request.getMethod())
                ? route(Request.getPathInContext(request), request)
                : Reply.error(405, "only GET is served");
        response.setStatus(reply.status());
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, StandardCharsets.UTF_8.encode(reply.json()), callback);
        return true;
    }

    private Reply route(String path, Request request) {
        if (path.startsWith(ITEMS)) return item(path.substring(ITEMS.length()));
        return switch (path) {
            case "/health" -> Reply.ok(Json.object().field("status", "ok"));
            case "/whoami" -> whoami();
            case "/search" -> search(Request.extractQueryParameters(request).getValue("q"));
            case "/db" -> db();
            case "/quote" -> quote();
            case "/sleep" -> sleep(Request.extractQueryParameters(request).getValue("ms"));
            case "/internal/price" -> price(Request.extractQueryParameters(request).getValue("id"));
            default -> Reply.error(404, "no such endpoint: " + path);
        };
    }

    private Reply whoami() {
        WorkerIdentity worker = WorkerIdentity.current();
        return Reply.ok(Json.object()
                .field("worker", worker.id())
                .field("generation", worker.generation())
                .field("pid", ProcessHandle.current().pid())
                .field("pidNamespace", pidNamespace())
                .field("afterRestoreCalls", restores.afterRestoreCalls())
                .field("datasetBuilds", Catalogue.builds())
                .field("datasetBuiltAt", catalogue.builtAt().toString())
                .field("datasetItems", catalogue.size())
                .field("restoredAt", worker.restoredAt()));
    }

    /**
     * This process's PID namespace ("pid:[4026532...]"): one per worker. With the PID inside it, it tells a
     * test on the host which host process answered (start times do not: CRIU restores into a time namespace).
     */
    private static String pidNamespace() {
        try {
            return java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/ns/pid")).toString();
        } catch (java.io.IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private Reply item(String id) {
        Integer productId = parseId(id);
        if (productId == null) return Reply.error(404, "no such item: " + id);
        return catalogue.byId(productId)
                .map(product -> new Reply(200, product.toJson()))
                .orElseGet(() -> Reply.error(404, "no such item: " + id));
    }

    private Reply search(String query) {
        if (query == null || query.isBlank()) return Reply.error(400, "missing query parameter q");
        Catalogue.SearchResult result = catalogue.search(query, SEARCH_LIMIT);
        return Reply.ok(Json.object()
                .field("query", query)
                .field("total", result.total())
                .raw("items", Json.array(result.products().stream().map(Product::toSummaryJson).toList())));
    }

    private Reply db() {
        String worker = WorkerIdentity.current().id();
        try {
            long count = visits.record(worker);
            return Reply.ok(Json.object().field("ok", true).field("visits", count).field("worker", worker));
        } catch (SQLException e) {
            return new Reply(500, Json.object().field("ok", false).field("error", e.toString()).toString());
        }
    }

    /**
     * A slow request on purpose (at most 10 minutes): how a hung handler or a long request looks to
     * thaw's --timeout and to a graceful stop. Blocks its Jetty thread, as a stuck JDBC call would.
     */
    private Reply sleep(String ms) {
        long millis;
        try {
            millis = Math.min(600_000, Math.max(0, Long.parseLong(ms == null ? "1000" : ms)));
        } catch (NumberFormatException e) {
            return Reply.error(400, "ms must be a number");
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Reply.ok(Json.object().field("slept", millis).field("worker", WorkerIdentity.current().id()));
    }

    private Reply quote() {
        int productId = ThreadLocalRandom.current().nextInt(catalogue.size());
        try {
            HttpResponse<String> answer = upstream.getPrice(productId);
            Json quote = Json.object()
                    .field("worker", WorkerIdentity.current().id())
                    .field("id", productId)
                    .field("upstream", upstream.baseUrl())
                    .field("upstreamStatus", answer.statusCode());
            if (answer.statusCode() != 200) return new Reply(502, quote.field("upstreamBody", answer.body()).toString());
            // A foreign upstream might not answer JSON; embed it as text then, so the reply stays valid.
            String body = answer.body().strip();
            boolean json = body.startsWith("{") || body.startsWith("[");
            return Reply.ok(json ? quote.raw("quote", body) : quote.field("quote", body));
        } catch (IOException e) {
            return Reply.error(502, "upstream " + upstream.baseUrl() + " failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Reply.error(503, "interrupted");
        }
    }

    /** A cheap, computed price: the list price with a small surcharge that changes every minute. */
    private Reply price(String id) {
        Integer productId = parseId(id);
        Product product = productId == null ? null : catalogue.byId(productId).orElse(null);
        if (product == null) return Reply.error(404, "no such item: " + id);
        int surchargePercent = Math.floorMod(product.id() * 31 + LocalTime.now().getMinute(), 7);
        long cents = product.priceCents() * (100L + surchargePercent) / 100;
        return Reply.ok(Json.object()
                .field("id", product.id())
                .raw("price", Product.formatPrice(cents))
                .field("currency", "EUR")
                .field("pricedBy", WorkerIdentity.current().id()));
    }

    private static Integer parseId(String text) {
        if (text == null) return null;
        try {
            return Integer.valueOf(text);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
