package dev.thaw.deploy;

import dev.thaw.testkit.Http;
import java.io.IOException;
import java.time.Duration;

/**
 * GET on a connection of its own, as the kubelet probes and as a client of the Service connects (the
 * workers share the port through SO_REUSEPORT, which spreads connections, not requests). Nothing
 * answering is a probe failure to count, not an error: it is {@link Answer#NONE}, never an exception.
 */
public final class HttpProbe {
    private HttpProbe() {
    }

    public record Answer(int status, String body) {
        static final Answer NONE = new Answer(-1, "");
    }

    public static Answer get(int port, String path, int timeoutMillis) {
        try {
            Http.Response response = Http.get(port, path, Duration.ofMillis(timeoutMillis));
            return new Answer(response.status(), response.body());
        } catch (IOException e) {
            return Answer.NONE;
        }
    }
}
