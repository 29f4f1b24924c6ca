package dev.thaw.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.thaw.host.AppUser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** thaw bench --user: the cold JVMs it measures run as that user, like the workers restored from thaw checkpoint --user's image. */
class JvmsAppUserTest {
    @TempDir
    Path work;

    @Test
    void a_cold_jvm_of_the_app_runs_as_the_user_without_capabilities_under_the_pid_the_bench_measures() throws Exception {
        assertEquals("root", System.getProperty("user.name"), "setpriv needs root to change users; thaw bench runs as root");
        AppUser nobody = AppUser.resolve("nobody", "");
        try (Jvms jvms = new Jvms(work, null, nobody)) {
            Jvms.Running app = jvms.startCold(List.of("sleep", "30"), "cold-0");
            Map<String, String> status = statusOf(app.jvmPid());
            app.kill();
            assertEquals(Integer.toString(nobody.uid()), status.get("Uid").split("\\s+")[0], status.toString());
            assertEquals(Integer.toString(nobody.uid()), status.get("Uid").split("\\s+")[1], "effective uid: " + status);
            assertEquals("0000000000000000", status.get("CapEff"), status.toString());
            assertEquals("0000000000000000", status.get("CapBnd"), status.toString());
            assertEquals("1", status.get("NoNewPrivs"), status.toString());
        }
    }

    /** /proc/PID/status once the process is the app (setpriv execs it: the PID stays, the credentials change). */
    private static Map<String, String> statusOf(long pid) throws Exception {
        Path status = Path.of("/proc", Long.toString(pid), "status");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            Map<String, String> fields = Files.readAllLines(status).stream().filter(l -> l.contains(":"))
                    .collect(Collectors.toMap(l -> l.substring(0, l.indexOf(':')), l -> l.substring(l.indexOf(':') + 1).strip(), (a, b) -> a));
            if ("sleep".equals(fields.get("Name"))) {
                return fields;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("pid " + pid + " never became the app");
    }
}
