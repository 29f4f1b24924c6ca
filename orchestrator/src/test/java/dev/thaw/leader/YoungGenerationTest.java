package dev.thaw.leader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class YoungGenerationTest {
    private static final Map<String, String> NO_ENV = Map.of();

    @Test
    void the_bound_is_added_for_an_app_that_leaves_its_young_generation_to_the_jvm() {
        YoungGeneration.Decision d = YoungGeneration.forLeader(64, List.of("java", "-Xmx2g", "-jar", "app.jar"), NO_ENV);
        assertEquals(List.of("-XX:MaxNewSize=64m"), d.options());
        assertTrue(d.said().contains("at most 64 MiB"), d.said());
        assertEquals(List.of("-XX:MaxNewSize=64m"), YoungGeneration.forLeader(64, List.of("java", "-jar", "app.jar"), NO_ENV).options(),
                "no -Xmx: the JVM's default heap is a quarter of the memory, far above the bound");
    }

    @Test
    void zero_leaves_the_jvms_own_sizing() {
        YoungGeneration.Decision d = YoungGeneration.forLeader(0, List.of("java", "-Xmx2g", "-jar", "app.jar"), NO_ENV);
        assertEquals(List.of(), d.options());
        assertTrue(d.said().contains("--young-gen-max 0"), d.said());
    }

    @Test
    void an_app_that_sizes_its_young_generation_keeps_its_own_sizing() {
        for (String own : List.of("-Xmn256m", "-XX:NewSize=32m", "-XX:MaxNewSize=512m", "-XX:NewRatio=3", "-XX:G1NewSizePercent=10",
                "-XX:G1MaxNewSizePercent=30")) {
            YoungGeneration.Decision d = YoungGeneration.forLeader(64, List.of("java", "-Xmx2g", own, "-jar", "app.jar"), NO_ENV);
            assertEquals(List.of(), d.options(), own);
            assertTrue(d.said().contains(own), d.said());
        }
    }

    @Test
    void sizing_in_the_java_environment_variables_counts_as_the_apps() {
        for (String variable : List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS")) {
            YoungGeneration.Decision d = YoungGeneration.forLeader(64, List.of("java", "-Xmx2g", "-jar", "app.jar"),
                    Map.of(variable, "-Dfoo=1  -XX:NewRatio=2 "));
            assertEquals(List.of(), d.options(), variable);
        }
    }

    @Test
    void sizing_in_an_argfile_counts_as_the_apps(@TempDir Path dir) throws Exception {
        Path argfile = Files.writeString(dir.resolve("jvm.args"), "-Xmx4g\n-Xmn1g\n");
        assertEquals(List.of(), YoungGeneration.forLeader(64, List.of("java", "@" + argfile, "-jar", "app.jar"), NO_ENV).options());
        Path plain = Files.writeString(dir.resolve("plain.args"), "-Xmx4g\n");
        assertEquals(List.of("-XX:MaxNewSize=64m"),
                YoungGeneration.forLeader(64, List.of("java", "@" + plain, "-jar", "app.jar"), NO_ENV).options());
    }

    @Test
    void a_heap_under_four_times_the_bound_keeps_the_jvms_sizing() {
        YoungGeneration.Decision small = YoungGeneration.forLeader(64, List.of("java", "-Xmx200m", "-jar", "app.jar"), NO_ENV);
        assertEquals(List.of(), small.options());
        assertTrue(small.said().contains("200 MiB"), small.said());
        assertEquals(List.of("-XX:MaxNewSize=64m"),
                YoungGeneration.forLeader(64, List.of("java", "-Xmx200m", "-XX:MaxHeapSize=1g", "-jar", "app.jar"), NO_ENV).options(),
                "the last heap size given is the JVM's");
    }

    @Test
    void collectors_without_a_bounded_young_generation_get_nothing() {
        for (String gc : List.of("-XX:+UseZGC", "-XX:+UseShenandoahGC")) {
            assertEquals(List.of(), YoungGeneration.forLeader(64, List.of("java", "-Xmx2g", gc, "-jar", "app.jar"), NO_ENV).options(), gc);
        }
        assertEquals(List.of("-XX:MaxNewSize=64m"),
                YoungGeneration.forLeader(64, List.of("java", "-Xmx2g", "-XX:+UseParallelGC", "-jar", "app.jar"), NO_ENV).options());
    }

    @Test
    void heap_sizes_are_read_with_the_jvms_suffixes() {
        assertEquals(Optional.of(2L << 30), YoungGeneration.bytes("2g"));
        assertEquals(Optional.of(512L << 20), YoungGeneration.bytes("512M"));
        assertEquals(Optional.of(1024L << 10), YoungGeneration.bytes("1024k"));
        assertEquals(Optional.of(1000L), YoungGeneration.bytes("1000"));
        assertEquals(Optional.empty(), YoungGeneration.bytes("lots"));
    }
}
