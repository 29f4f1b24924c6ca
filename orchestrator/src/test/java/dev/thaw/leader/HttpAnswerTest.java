package dev.thaw.leader;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HttpAnswerTest {
    private static InputStream stream(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.US_ASCII));
    }

    private static String rest(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }

    @Test
    void reads_an_answer_framed_by_content_length_and_not_a_byte_more() throws IOException {
        InputStream in = stream("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloNEXT");
        assertEquals(200, HttpAnswer.readOne(in));
        assertEquals("NEXT", rest(in));
    }

    @Test
    void reads_a_chunked_answer_with_its_trailers_to_its_end() throws IOException {
        InputStream in = stream("HTTP/1.1 404 Not Found\r\ntransfer-encoding: chunked\r\n\r\n"
                + "3;x=y\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\nTrailer: t\r\n\r\nNEXT");
        assertEquals(404, HttpAnswer.readOne(in));
        assertEquals("NEXT", rest(in));
    }

    @Test
    void reads_only_the_head_of_an_answer_without_framing_and_reports_what_is_not_http() throws IOException {
        InputStream in = stream("HTTP/1.1 204 No Content\r\nServer: x\r\n\r\nNEXT");
        assertEquals(204, HttpAnswer.readOne(in));
        assertEquals("NEXT", rest(in));
        assertEquals(-1, HttpAnswer.readOne(stream("SSH-2.0-OpenSSH\r\n")));
        assertEquals(-1, HttpAnswer.readOne(stream("")));
    }

    @Test
    void a_bad_or_missing_content_length_frames_nothing() {
        assertEquals(-1, HttpAnswer.contentLength("http/1.1 200 ok\r\ncontent-length: x\r\n"));
        assertEquals(-1, HttpAnswer.contentLength("http/1.1 200 ok\r\n"));
        assertEquals(12, HttpAnswer.contentLength("http/1.1 200 ok\r\ncontent-length:  12 \r\nx: y"));
    }
}
