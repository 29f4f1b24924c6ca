package dev.thaw.lifecycle.guardrail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileOutputStream;
import java.io.FileInputStream;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The guardrail run on this very JVM, with real sockets and files opened by the test. */
class GuardrailTest {
    @TempDir
    Path dir;

    private Baseline before;

    @BeforeEach
    void noteWhatIsAlreadyOpen() throws Exception {
        before = Baseline.now();
    }

    @Test
    void refuses_a_connection_a_listener_udp_a_unix_socket_and_a_file_open_for_writing_naming_each() throws Exception {
        Path log = dir.resolve("app.log");
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
             Socket accepted = listener.accept();
             DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             ServerSocketChannel unix = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
             FileOutputStream out = new FileOutputStream(log.toFile())) {
            unix.bind(UnixDomainSocketAddress.of(dir.resolve("u.sock")));

            GuardrailReport report = Guardrail.check(GuardrailSettings.defaults(), before);

            assertFalse(report.passed());
            String text = report.render();
            int port = listener.getLocalPort();
            assertTrue(text.contains("listening TCP socket 127.0.0.1:" + port + " "), text);
            assertTrue(text.contains("TCP connection 127.0.0.1:" + port + " (from 127.0.0.1:" + client.getLocalPort() + ", ESTABLISHED"), text);
            assertTrue(text.contains("TCP connection 127.0.0.1:" + client.getLocalPort() + " (from 127.0.0.1:" + port), text);
            assertTrue(text.contains("UDP socket 127.0.0.1:" + udp.getLocalPort()), text);
            assertTrue(text.contains("Unix socket " + dir.resolve("u.sock") + " (listening"), text);
            assertTrue(text.contains("file open for writing " + log + " "), text);
            assertTrue(text.startsWith("guardrail: 6 offenders still open after beforeCheckpoint; checkpoint refused"), text);
            assertEquals(6, report.toException().getSuppressed().length, "one line per offender in the exception");
        }
    }

    @Test
    void passes_once_everything_is_closed_and_ignores_read_only_files() throws Exception {
        Path data = Files.writeString(dir.resolve("data.txt"), "x");
        new ServerSocket(0, 50, InetAddress.getLoopbackAddress()).close();
        try (FileInputStream in = new FileInputStream(data.toFile())) {
            GuardrailReport report = Guardrail.check(GuardrailSettings.defaults(), before);

            assertTrue(report.passed(), report.render());
            assertTrue(report.render().startsWith("guardrail: passed"), report.render());
        }
    }

    @Test
    void an_allowlisted_offender_passes_with_its_reason_and_others_are_still_refused() throws Exception {
        try (ServerSocket admin = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
             FileOutputStream out = new FileOutputStream(dir.resolve("x.log").toFile())) {
            GuardrailSettings settings = new GuardrailSettings(true, false,
                    List.of(AllowRule.parse("listen:127.0.0.1:" + admin.getLocalPort() + "=admin port, reopened by the app")));

            GuardrailReport report = Guardrail.check(settings, before);

            assertEquals(1, report.refused().size(), report.render());
            assertEquals(Kind.FILE, report.refused().get(0).kind());
            assertTrue(report.render().contains("allowed: admin port, reopened by the app"), report.render());
        }
    }

    @Test
    void app_threads_are_reported_and_refused_only_when_strict() throws Exception {
        CountDownLatch stop = new CountDownLatch(1);
        Thread poller = new Thread(() -> {
            try {
                stop.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "app-poller");
        poller.start();
        try {
            GuardrailReport lenient = Guardrail.check(GuardrailSettings.defaults(), before);
            GuardrailReport strict = Guardrail.check(new GuardrailSettings(true, true, List.of()), before);

            assertTrue(lenient.passed(), lenient.render());
            assertTrue(lenient.render().contains("thread app-poller (WAITING"), lenient.render());
            assertFalse(strict.passed(), strict.render());
            assertEquals("app-poller", strict.refused().get(0).target());
        } finally {
            stop.countDown();
            poller.join(5000);
        }
    }

    @Test
    void warn_mode_reports_but_does_not_refuse() throws Exception {
        try (ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            GuardrailReport report = Guardrail.check(new GuardrailSettings(false, false, List.of()), before);

            assertTrue(report.passed());
            assertTrue(report.summary().contains("mode warn: not refused"), report.summary());
        }
    }

    @Test
    void settings_travel_as_system_properties_and_a_bad_allow_entry_says_what_is_expected() {
        GuardrailSettings settings = new GuardrailSettings(true, true, List.of(AllowRule.parse("file:/var/log/*.log=reopened by logback")));
        java.util.Properties p = new java.util.Properties();
        for (String option : settings.toSystemProperties()) {
            String kv = option.substring(2);
            p.setProperty(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        }
        assertEquals(settings, GuardrailSettings.from(p));

        IllegalArgumentException noReason = assertThrows(IllegalArgumentException.class, () -> AllowRule.parse("listen:*:9090"));
        assertTrue(noReason.getMessage().contains("KIND:PATTERN=REASON"), noReason.getMessage());
        IllegalArgumentException badKind = assertThrows(IllegalArgumentException.class, () -> AllowRule.parse("port:9090=x"));
        assertTrue(badKind.getMessage().contains("unknown kind 'port'"), badKind.getMessage());
    }

    @Test
    void addresses_of_the_kernel_tables_are_decoded() {
        assertEquals("127.0.0.1:8080", OpenResources.address("0100007F:1F90", false));
        assertEquals("[::1]:5432", OpenResources.address("00000000000000000000000001000000:1538", true));
    }
}
