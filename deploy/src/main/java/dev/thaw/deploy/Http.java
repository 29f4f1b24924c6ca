package dev.thaw.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * HTTP/1.1 GET on a fresh connection, as the kubelet probes and as a client of the Service connects:
 * the workers share the port through SO_REUSEPORT, which spreads connections, not requests.
 */
final class Http {
    private Http() {
    }

    record Response(int status, String body) {
        static final Response REFUSED = new Response(-1, "");
    }

    /** The response, or {@link Response#REFUSED} when nothing answers (a probe failure, not an error). */
    static Response get(int port, String path, int timeoutMillis) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
            s.setSoTimeout(timeoutMillis);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String raw = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (raw.length() < 12 || !raw.startsWith("HTTP/1.")) {
                return Response.REFUSED;
            }
            int bodyStart = raw.indexOf("\r\n\r\n");
            return new Response(Integer.parseInt(raw.substring(9, 12)), bodyStart < 0 ? "" : raw.substring(bodyStart + 4));
        } catch (IOException | NumberFormatException e) {
            return Response.REFUSED;
        }
    }
}
