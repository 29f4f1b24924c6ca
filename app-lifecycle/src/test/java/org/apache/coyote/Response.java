package org.apache.coyote;

import java.util.HashMap;
import java.util.Map;

/** A stand-in for Tomcat's coyote response, for ServerRewriterTest: records the headers set on it. */
public class Response {
    public final Map<String, String> headers = new HashMap<>();

    public void setHeader(String name, String value) {
        headers.put(name, value);
    }
}
