package org.apache.catalina.connector;

import org.apache.coyote.Request;
import org.apache.coyote.Response;

/**
 * A stand-in for Tomcat's CoyoteAdapter with the method thaw's agent wraps (same name and descriptor),
 * for ServerRewriterTest. Its body sees the requests in flight, as Tomcat's servlets would.
 */
public class CoyoteAdapter {
    public int inFlightSeen = -1;

    public void service(Request request, Response response) throws Exception {
        inFlightSeen = dev.thaw.lifecycle.Requests.snapshot().inFlight();
        if (request.fails) {
            throw new java.io.IOException("the client went away");
        }
    }

    /** Same name, another descriptor: not Tomcat's entry point, never wrapped. */
    public void service(Request request) {
    }
}
