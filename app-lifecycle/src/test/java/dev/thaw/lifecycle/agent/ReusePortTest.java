package dev.thaw.lifecycle.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.spi.SelectorProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import dev.thaw.testkit.FreePort;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReusePortTest {
    private final ReusePortSelectorProvider provider = new ReusePortSelectorProvider(SelectorProvider.provider());

    @Test
    void two_server_channels_from_the_provider_bind_the_same_port() throws IOException {
        int port = FreePort.pick();
        try (ServerSocketChannel a = provider.openServerSocketChannel();
             ServerSocketChannel b = provider.openServerSocketChannel()) {
            a.bind(new InetSocketAddress("127.0.0.1", port));
            b.bind(new InetSocketAddress("127.0.0.1", port));
            assertTrue(a.getOption(StandardSocketOptions.SO_REUSEPORT));
            assertEquals(port, ((InetSocketAddress) b.getLocalAddress()).getPort());
        }
    }

    @Test
    void without_the_provider_the_second_bind_fails() throws IOException {
        int port = FreePort.pick();
        try (ServerSocketChannel a = ServerSocketChannel.open(); ServerSocketChannel b = ServerSocketChannel.open()) {
            a.bind(new InetSocketAddress("127.0.0.1", port));
            assertThrows(BindException.class, () -> b.bind(new InetSocketAddress("127.0.0.1", port)));
        }
    }

    @Test
    void unix_domain_server_channels_and_client_channels_are_left_alone() throws IOException {
        try (ServerSocketChannel unix = provider.openServerSocketChannel(StandardProtocolFamily.UNIX);
             var client = provider.openSocketChannel()) {
            assertFalse(unix.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT));
            assertFalse(client.getOption(StandardSocketOptions.SO_REUSEPORT));
        }
    }

    @Test
    void the_agent_option_lets_two_JDK_HttpServers_bind_one_port(@TempDir Path dir) throws Exception {
        int port = FreePort.pick();
        String output = runApp(dir, port, "-Dthaw.reuse-port=true");
        assertTrue(output.contains("provider " + ReusePortSelectorProvider.class.getName()), output);
        assertTrue(output.contains("second bind: ok"), output);
    }

    @Test
    void without_the_agent_option_the_JDK_HttpServer_cannot_share_its_port(@TempDir Path dir) throws Exception {
        String output = runApp(dir, FreePort.pick(), "-Dthaw.reuse-port=false");
        assertTrue(output.contains("second bind: Address already in use"), output);
    }

    @Test
    void the_agent_option_steps_back_when_the_app_chose_its_own_provider(@TempDir Path dir) throws Exception {
        String output = runApp(dir, FreePort.pick(), "-Dthaw.reuse-port=true",
                "-Djava.nio.channels.spi.SelectorProvider=sun.nio.ch.PollSelectorProvider");
        assertTrue(output.contains("-Dthaw.reuse-port ignored: the app already sets -Djava.nio.channels.spi.SelectorProvider"), output);
        assertTrue(output.contains("second bind: Address already in use"), output);
    }

    /** A child JVM with the agent, the way the orchestrator starts a leader (without a control socket). */
    private static String runApp(Path dir, int port, String... options) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("-Xshare:auto", "-XX:TieredStopAtLevel=1", "-javaagent:" + agentJar(dir)));
        command.addAll(List.of(options));
        command.addAll(List.of("-cp", classPath(), ReusePortApp.class.getName(), Integer.toString(port)));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), output);
        assertEquals(0, p.exitValue(), output);
        return output;
    }

    private static Path agentJar(Path dir) throws IOException {
        Path jar = dir.resolve("thaw-agent.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(new Attributes.Name("Premain-Class"), ThawAgent.class.getName());
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            out.finish();
        }
        return jar;
    }

    private static String classPath() throws Exception {
        List<String> entries = new ArrayList<>();
        for (Class<?> c : List.of(ThawAgent.class, ReusePortApp.class)) {
            entries.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        return String.join(File.pathSeparator, entries);
    }
}
