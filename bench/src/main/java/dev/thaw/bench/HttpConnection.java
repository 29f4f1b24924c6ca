package dev.thaw.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * A minimal blocking HTTP/1.1 client connection with keep-alive: GET only, Content-Length or
 * chunked bodies, which it reads and discards. The load generator needs one that costs nothing per
 * request (no allocation beyond the request bytes, no executor hops), so that what it times is the
 * server, not the client.
 */
final class HttpConnection implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final byte[] scratch = new byte[8192];
    private boolean open = true;

    HttpConnection(String host, int port, int connectTimeoutMillis, int readTimeoutMillis) throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress(host, port), connectTimeoutMillis);
        socket.setSoTimeout(readTimeoutMillis);
        in = new BufferedInputStream(socket.getInputStream(), 16384);
        out = socket.getOutputStream();
    }

    static HttpConnection to(URI url, int connectTimeoutMillis, int readTimeoutMillis) throws IOException {
        return new HttpConnection(url.getHost(), port(url), connectTimeoutMillis, readTimeoutMillis);
    }

    static int port(URI url) {
        return url.getPort() > 0 ? url.getPort() : 80;
    }

    /** The request bytes for {@code url}, built once and sent many times. */
    static byte[] request(URI url) {
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        if (url.getRawQuery() != null) {
            path += "?" + url.getRawQuery();
        }
        return ("GET " + path + " HTTP/1.1\r\nHost: " + url.getHost() + ":" + port(url)
                + "\r\nUser-Agent: thaw-bench\r\nAccept: */*\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** One GET, one new connection: the status code, or -1 when the server is not (yet) there. */
    static int getOnce(URI url, int timeoutMillis) {
        try (HttpConnection c = to(url, timeoutMillis, timeoutMillis)) {
            return c.send(request(url));
        } catch (IOException e) {
            return -1;
        }
    }

    boolean isOpen() {
        return open;
    }

    /** Sends a request and reads the whole response; returns the status code. */
    int send(byte[] request) throws IOException {
        out.write(request);
        out.flush();
        String statusLine = readLine();
        if (statusLine == null || !statusLine.startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP response: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        String line;
        while ((line = readLine()) != null && !line.isEmpty()) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("Content-Length")) {
                length = Long.parseLong(value);
            } else if (name.equalsIgnoreCase("Transfer-Encoding") && value.toLowerCase().contains("chunked")) {
                chunked = true;
            } else if (name.equalsIgnoreCase("Connection") && value.equalsIgnoreCase("close")) {
                open = false;
            }
        }
        if (line == null) {
            throw new IOException("connection closed in the headers");
        }
        if (chunked) {
            readChunked();
        } else if (length >= 0) {
            skip(length);
        } else {
            while (in.read(scratch) >= 0) {
                // no length: the body ends with the connection
            }
            open = false;
        }
        return status;
    }

    private void readChunked() throws IOException {
        while (true) {
            String size = readLine();
            if (size == null) {
                throw new IOException("connection closed in a chunked body");
            }
            int semicolon = size.indexOf(';');
            long n = Long.parseLong((semicolon >= 0 ? size.substring(0, semicolon) : size).trim(), 16);
            if (n == 0) {
                String trailer;
                while ((trailer = readLine()) != null && !trailer.isEmpty()) {
                    // trailers are ignored
                }
                return;
            }
            skip(n);
            readLine();
        }
    }

    private void skip(long n) throws IOException {
        long left = n;
        while (left > 0) {
            int r = in.read(scratch, 0, (int) Math.min(scratch.length, left));
            if (r < 0) {
                throw new IOException("connection closed in the body");
            }
            left -= r;
        }
    }

    private String readLine() throws IOException {
        StringBuilder sb = new StringBuilder(64);
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                int len = sb.length();
                if (len > 0 && sb.charAt(len - 1) == '\r') {
                    sb.setLength(len - 1);
                }
                return sb.toString();
            }
            sb.append((char) c);
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    @Override
    public void close() {
        open = false;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
