package dev.thaw.sample;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A GET over a fresh connection that is closed after the response. Raw sockets rather than an
 * HttpClient, so the test itself keeps no connection alive that could be mistaken for the app's.
 */
record HttpGet(int status, String contentType, String body) {

    static HttpGet get(int port, String path) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: sample\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int headersEnd = response.indexOf("\r\n\r\n");
            String headers = response.substring(0, headersEnd);
            int status = Integer.parseInt(headers.substring(9, 12));
            Matcher contentType = Pattern.compile("(?im)^content-type:\\s*(.+)$").matcher(headers);
            return new HttpGet(status, contentType.find() ? contentType.group(1).trim().toLowerCase(Locale.ROOT) : null,
                    response.substring(headersEnd + 4));
        }
    }

    /** The raw JSON text of a top-level field ({@code "3"}, {@code 17}, {@code null}...), or null if absent. */
    String field(String name) {
        Matcher value = Pattern.compile("\"" + Pattern.quote(name) + "\":(\"(?:[^\"\\\\]|\\\\.)*\"|[^,}\\]]+)").matcher(body);
        return value.find() ? value.group(1) : null;
    }
}
