package dev.thaw.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BenchCommandTest {
    @Test
    void every_argument_goes_to_the_bench_unparsed_the_app_command_included() {
        CommandLine thaw = ThawCli.commandLine();
        thaw.parseArgs("bench", "--url", "http://127.0.0.1:8080/health", "--runs", "3", "--help", "--", "java", "-jar", "app.jar");
        BenchCommand bench = thaw.getSubcommands().get("bench").getCommand();
        assertEquals(List.of("--url", "http://127.0.0.1:8080/health", "--runs", "3", "--help", "--", "java", "-jar", "app.jar"),
                bench.arguments);
    }

    @Test
    void the_bench_jar_is_found_next_to_thaw_jar() {
        if (System.getenv("THAW_BENCH_JAR") == null) {
            assertEquals(Path.of("/opt/thaw/lib/thaw-bench.jar"), BenchCommand.benchJar(Path.of("/opt/thaw/lib/thaw.jar")));
        }
    }
}
