package org.apache.coyote;

/** A stand-in for Tomcat's coyote request, for ServerRewriterTest: only its type matters. */
public class Request {
    public final boolean fails;

    public Request(boolean fails) {
        this.fails = fails;
    }
}
