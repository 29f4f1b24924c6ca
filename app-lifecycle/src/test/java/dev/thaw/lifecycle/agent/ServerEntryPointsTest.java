package dev.thaw.lifecycle.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every server version that docs/resources.md lists has the entry point the agent wraps, with the exact
 * descriptor: the agent rewrites the real class from the server's jar (copied to target/server-jars by
 * the build) and finds its method. A version that renamed or changed it would show here, not in a user's
 * app that silently stopped counting.
 */
class ServerEntryPointsTest {
    private static final Path JARS = Path.of("target/server-jars");

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "tomcat-embed-core-9.0.112.jar, Tomcat TomcatStop",
            "tomcat-embed-core-10.1.48.jar, Tomcat TomcatStop",
            "tomcat-embed-core-11.0.14.jar, Tomcat TomcatStop",
            "jetty-server-10.0.26.jar, Jetty10",
            "jetty-server-11.0.26.jar, Jetty10",
            "jetty-server-12.0.30.jar, Jetty12",
            "jetty-server-12.1.1.jar, Jetty12",
            "undertow-core-2.3.21.Final.jar, Undertow",
            "undertow-core-2.4.4.Final.jar, Undertow",
            "netty-codec-http-4.1.128.Final.jar, NettyDecode NettyWrite",
            "netty-codec-4.1.128.Final.jar, NettyInactive",
            "netty-codec-http-4.2.9.Final.jar, NettyDecode NettyWrite",
            "netty-codec-base-4.2.9.Final.jar, NettyInactive"})
    void the_server_version_has_the_entry_point_the_agent_wraps(String jar, String hooks) throws Exception {
        Path file = JARS.resolve(jar);
        assertTrue(Files.isRegularFile(file), "the build copies it: " + file.toAbsolutePath());
        Set<String> expected = new TreeSet<>(List.of(hooks.split(" ")));
        Set<String> found = new TreeSet<>();
        try (JarFile j = new JarFile(file.toFile())) {
            for (EntryPoint p : EntryPoint.ALL) {
                ZipEntry entry = j.getEntry(p.owner() + ".class");
                if (entry == null || !expected.contains(p.hook())) {
                    continue;
                }
                byte[] classfile;
                try (InputStream in = j.getInputStream(entry)) {
                    classfile = in.readAllBytes();
                }
                List<EntryPoint> wrapped = new ArrayList<>();
                byte[] rewritten = ServerRewriter.rewrite(classfile, List.of(p), wrapped);
                if (!wrapped.isEmpty()) {
                    assertTrue(rewritten.length > classfile.length, p.label());
                    found.add(p.hook());
                }
            }
        }
        assertEquals(expected, found, jar + ": the entry points wrapped");
    }
}
