package dev.thaw.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/systemd/thaw.service: systemd itself (systemd-analyze verify) accepts it without a warning,
 * and its directives are the ones thaw's signal handling needs: TERM to thaw alone (KillMode=mixed),
 * HUP for reload, a stop timeout longer than thaw's graceful timeout.
 */
class SystemdUnitTest {
    private static final Path UNIT = ManifestTest.REPO.resolve("deploy/systemd/thaw.service");

    @TempDir
    Path dir;

    @Test
    void systemd_accepts_the_unit_without_a_warning() throws Exception {
        // The unit names where a release installs thaw; verify it against this checkout's launcher.
        Path unit = dir.resolve("thaw.service");
        Files.writeString(unit, Files.readString(UNIT).replace("/opt/thaw/bin/thaw", ManifestTest.REPO.resolve("scripts/thaw").toString()));
        Process verify = new ProcessBuilder("systemd-analyze", "verify", unit.toString()).redirectErrorStream(true).start();
        String out = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(verify.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, verify.exitValue(), out);
        assertEquals("", out.strip(), "systemd-analyze has something to say about the unit");
    }

    @Test
    void TERM_reaches_thaw_alone_and_reload_is_a_rolling_restart() throws Exception {
        Map<String, String> service = section("Service");
        assertEquals("mixed", service.get("KillMode"), "control-group would TERM every worker's helpers behind thaw's back");
        assertEquals("SIGTERM", service.get("KillSignal"));
        assertEquals("/bin/kill -HUP $MAINPID", service.get("ExecReload"));
        assertTrue(Integer.parseInt(service.get("TimeoutStopSec")) > 30, "longer than thaw's default --graceful-timeout (30 s)");
        assertTrue(service.get("ExecStart").contains(" run "), service.get("ExecStart"));
    }

    private static Map<String, String> section(String name) throws Exception {
        Map<String, String> values = new HashMap<>();
        String current = null;
        for (String line : Files.readAllLines(UNIT)) {
            String l = line.strip();
            if (l.startsWith("[")) {
                current = l.substring(1, l.length() - 1);
            } else if (name.equals(current) && !l.startsWith("#") && l.contains("=")) {
                values.put(l.substring(0, l.indexOf('=')), l.substring(l.indexOf('=') + 1));
            }
        }
        return values;
    }
}
