package dev.thaw.apps;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty 12 (core handlers) with org.crac only: the server is stopped before the checkpoint and started
 * after each restore. Its connector sets SO_REUSEPORT itself, so it needs no option of thaw's.
 */
public final class JettyApp implements Resource {
    /** org.crac holds resources weakly: the app keeps its own. */
    private static JettyApp app;
    private final Server server = new Server();

    public static void main(String[] args) throws Exception {
        app = new JettyApp();
        ServerConnector connector = new ServerConnector(app.server);
        connector.setHost("127.0.0.1");
        connector.setPort(Answers.port());
        connector.setReusePort(true);
        app.server.addConnector(connector);
        app.server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String path = Request.getPathInContext(request);
                String body = switch (path) {
                    case "/hello" -> Answers.hello();
                    case "/sleep" -> Answers.slept(request.getHttpURI().getQuery());
                    default -> null;
                };
                if (body == null) {
                    return false;
                }
                response.write(true, ByteBuffer.wrap(body.getBytes(StandardCharsets.UTF_8)), callback);
                return true;
            }
        });
        app.server.start();
        Core.getGlobalContext().register(app);
        System.out.println("jetty app listening on 127.0.0.1:" + Answers.port());
        Answers.serveForever();
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) throws Exception {
        server.stop();
    }

    @Override
    public void afterRestore(Context<? extends Resource> context) throws Exception {
        server.start();
    }
}
