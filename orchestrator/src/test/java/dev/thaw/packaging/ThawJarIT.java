package dev.thaw.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * thaw.jar is the production artifact: it carries no charting library and no class that uses AWT
 * (or its image and Swing siblings). The bench, which draws charts, is its own module. Runs by
 * failsafe once the jar is built ({@code mvn verify}/{@code install}), on the jar itself.
 */
class ThawJarIT {
    /** Class-name prefixes, as they appear in a class file's constant pool, that thaw.jar must not hold or refer to. */
    static final List<String> BANNED = List.of("java/awt/", "javax/swing/", "javax/imageio/", "org/knowm/xchart/");

    @Test
    void thaw_jar_has_no_charting_or_awt_classes() throws IOException {
        Path jar = Path.of(System.getProperty("thaw.jar", "target/thaw.jar"));
        assertTrue(Files.isRegularFile(jar), jar + " is not built");
        assertEquals(List.of(), offenders(jar), "classes in " + jar + " that are or use AWT/Swing/ImageIO/XChart");
    }

    @Test
    void the_check_finds_a_class_that_uses_awt() throws IOException {
        // java.awt.Point refers to itself: proof that the scan above can fail.
        Path jar = jarWith("java/awt/Point.class", ClassLoader.getSystemResourceAsStream("java/awt/Point.class"));
        assertEquals(List.of("java/awt/Point.class"), offenders(jar));
    }

    @TempDir
    Path tmp;

    private Path jarWith(String name, InputStream bytes) throws IOException {
        Path jar = tmp.resolve("probe.jar");
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file); bytes) {
            out.putNextEntry(new JarEntry(name));
            bytes.transferTo(out);
        }
        return jar;
    }

    /** Every class in the jar whose name or constant pool mentions a banned package. */
    static List<String> offenders(Path jar) throws IOException {
        List<String> found = new ArrayList<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            for (Enumeration<JarEntry> e = file.entries(); e.hasMoreElements(); ) {
                JarEntry entry = e.nextElement();
                if (!entry.getName().endsWith(".class")) {
                    continue;
                }
                // Class names in the constant pool are modified UTF-8, identical to ISO-8859-1 for these ASCII prefixes.
                String content;
                try (InputStream in = file.getInputStream(entry)) {
                    content = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
                }
                if (BANNED.stream().anyMatch(b -> entry.getName().startsWith(b) || content.contains(b))) {
                    found.add(entry.getName());
                }
            }
        }
        return found;
    }
}
