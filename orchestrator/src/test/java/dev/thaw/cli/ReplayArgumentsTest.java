package dev.thaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReplayArgumentsTest {

    @Test
    void the_image_force_and_generation_are_dropped_and_everything_else_kept_in_order() {
        List<String> given = List.of("checkpoint", "--image", "/var/lib/thaw/app", "--force", "--warmup-url", "http://127.0.0.1:8080/",
                "--generation=3", "--warmup-requests=50", "--", "java", "-jar", "app.jar");
        assertEquals(List.of("--warmup-url", "http://127.0.0.1:8080/", "--warmup-requests=50", "--", "java", "-jar", "app.jar"),
                ReplayArguments.of(given));
    }

    @Test
    void the_java_command_after_the_double_dash_is_kept_even_when_it_looks_like_thaw_options() {
        List<String> given = List.of("--image=/img", "--", "java", "--image", "x", "--force", "-jar", "app.jar");
        assertEquals(List.of("--", "java", "--image", "x", "--force", "-jar", "app.jar"), ReplayArguments.of(given));
    }

    @Test
    void what_a_real_checkpoint_command_line_records_in_the_manifest() {
        picocli.CommandLine.ParseResult parsed = ThawCli.commandLine().parseArgs("checkpoint", "--image", "/img", "--force", "--warmup-requests", "7",
                "--", "java", "-jar", "app.jar");
        List<String> original = parsed.subcommand().originalArgs();
        assertEquals(List.of("--warmup-requests", "7", "--", "java", "-jar", "app.jar"), ReplayArguments.of(original));
    }

    @Test
    void a_private_network_switch_is_dropped_with_its_value() {
        List<String> given = List.of("checkpoint", "--private-network", "true", "--warmup-url", "http://127.0.0.1:8080/",
                "--private-network=false", "--", "java", "-jar", "app.jar");
        assertEquals(List.of("--warmup-url", "http://127.0.0.1:8080/", "--", "java", "-jar", "app.jar"), ReplayArguments.of(given));
    }
}
