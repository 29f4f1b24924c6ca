package dev.thaw.leader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.thaw.ThawException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LeaderCommandTest {
    @TempDir
    Path dir;

    @Test
    void the_command_as_logged_names_what_runs_and_hides_options_and_arguments_that_may_hold_secrets() {
        assertEquals("/jdk/bin/java -jar app.jar (2 JVM options and 1 arguments not shown: they may hold secrets; 'thaw inspect IMAGE'"
                        + " shows them to root)",
                LeaderCommand.describe(List.of("/jdk/bin/java", "-Xmx1g", "-Ddb.password=hunter2", "-jar", "app.jar", "--token=abc")));
        assertEquals("java com.example.Main (1 JVM options and 0 arguments not shown: they may hold secrets; 'thaw inspect IMAGE'"
                        + " shows them to root)",
                LeaderCommand.describe(List.of("java", "-cp", "lib/*", "com.example.Main")));
    }

    @Test
    void the_leader_runs_under_setsid_with_the_agent_and_thaw_as_org_crac_implementation() {
        List<String> cmd = LeaderCommand.build(List.of("/jdk/bin/java", "-Xmx1g", "-jar", "app.jar", "--port", "1"),
                Path.of("/thaw/thaw-agent.jar"), Path.of("/run/x/control.sock"));
        assertEquals(List.of("setpriv", "--pdeathsig", "KILL", "--", "setsid", "/jdk/bin/java", "-javaagent:/thaw/thaw-agent.jar",
                "-Dorg.crac.Core.Compat=dev.thaw.lifecycle.crac", "-Dthaw.control=/run/x/control.sock", "-XX:-UsePerfData",
                "-Xmx1g", "-jar", "app.jar", "--port", "1"), cmd);
    }

    @Test
    void a_command_that_does_not_start_with_java_is_refused() {
        ThawException e = assertThrows(ThawException.class,
                () -> LeaderCommand.build(List.of("./start.sh"), Path.of("a.jar"), Path.of("s")));
        assertEquals(ThawException.EXIT_USAGE, e.exitCode());
    }

    @Test
    void app_files_come_from_the_jar_and_the_class_path_including_wildcards() throws Exception {
        Files.createDirectories(dir.resolve("lib"));
        for (String f : List.of("app.jar", "lib/a.jar", "lib/b.jar", "other.jar")) {
            Files.writeString(dir.resolve(f), f);
        }
        assertEquals(List.of(dir.resolve("app.jar")), LeaderCommand.appFiles(List.of("java", "-jar", "app.jar", "-cp", "other.jar"), dir));
        assertEquals(List.of(dir.resolve("other.jar"), dir.resolve("lib/a.jar"), dir.resolve("lib/b.jar")),
                LeaderCommand.appFiles(List.of("java", "-cp", "other.jar:lib/*", "Main"), dir));
    }
}
