package dev.thaw.leader;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Reads exactly one HTTP/1.1 answer off a kept-alive connection, so that the warm-up can close the
 * connection itself once it has the answer, as a client does (see {@link Warmup}). Its body is framed by
 * Content-Length or chunked; an answer with neither is read to its head only, which is enough for a
 * close by the client. Bounded: heads of at most {@link #MAX_HEAD} bytes, bodies read and dropped.
 */
final class HttpAnswer {
    static final int MAX_HEAD = 64 * 1024;

    private HttpAnswer() {
    }

    /** The status code of the one answer read, -1 for anything that is not HTTP/1.x. */
    static int readOne(InputStream in) throws IOException {
        String head = readHead(in);
        int status = Warmup.statusOf(head.getBytes(StandardCharsets.US_ASCII));
        String lower = head.toLowerCase(Locale.ROOT);
        long length = contentLength(lower);
        if (length > 0) {
            skipFully(in, length);
        } else if (length < 0 && lower.contains("\ntransfer-encoding: chunked")) {
            skipChunks(in);
        }
        return status;
    }

    /** The status line and headers, up to and without the blank line that ends them. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0; // of "\r\n\r\n"
        while (matched < 4) {
            int b = in.read();
            if (b < 0 || head.size() >= MAX_HEAD) {
                break;
            }
            head.write(b);
            matched = (b == '\r' && matched % 2 == 0) || (b == '\n' && matched % 2 == 1) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    /** -1 when the head gives none. */
    static long contentLength(String lowerCaseHead) {
        int at = lowerCaseHead.indexOf("\ncontent-length:");
        if (at < 0) {
            return -1;
        }
        int end = lowerCaseHead.indexOf('\r', at + 1);
        try {
            return Long.parseLong(lowerCaseHead.substring(at + "\ncontent-length:".length(), end < 0 ? lowerCaseHead.length() : end).trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void skipChunks(InputStream in) throws IOException {
        while (true) {
            String sizeLine = readLine(in);
            int semicolon = sizeLine.indexOf(';');
            long size;
            try {
                size = Long.parseLong((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
            } catch (NumberFormatException e) {
                return;
            }
            if (size == 0) {
                while (!readLine(in).isEmpty()) {
                    // trailers, then the blank line that ends the answer
                }
                return;
            }
            skipFully(in, size + 2); // the chunk and its CRLF
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b = in.read(); b >= 0 && b != '\n' && line.length() < MAX_HEAD; b = in.read()) {
            if (b != '\r') {
                line.append((char) b);
            }
        }
        return line.toString();
    }

    private static void skipFully(InputStream in, long bytes) throws IOException {
        byte[] buffer = new byte[8192];
        for (long left = bytes; left > 0; ) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                return;
            }
            left -= n;
        }
    }
}
