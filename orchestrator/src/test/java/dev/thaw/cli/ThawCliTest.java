package dev.thaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ThawCliTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int thaw(String... args) {
        return ThawCli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void help_lists_every_command() {
        assertEquals(0, thaw("--help"), err.toString());
        for (String command : new String[] {"checkpoint", "run", "inspect", "doctor"}) {
            assertTrue(out.toString().contains(command), out.toString());
        }
    }

    @Test
    void a_missing_required_option_is_one_line_with_a_pointer_to_help() {
        assertEquals(2, thaw("run"));
        String[] lines = err.toString().strip().split("\n");
        assertEquals(1, lines.length, err.toString());
        assertTrue(lines[0].startsWith("thaw: error: Missing required option: '--image=DIR'"), lines[0]);
        assertTrue(lines[0].endsWith("(see 'thaw run --help')"), lines[0]);
    }

    @Test
    void inspect_of_a_missing_directory_is_a_bad_image_error() {
        assertEquals(5, thaw("inspect", "/nonexistent/image"));
        assertTrue(err.toString().startsWith("thaw: error: /nonexistent/image is not a complete thaw image"), err.toString());
    }
}
