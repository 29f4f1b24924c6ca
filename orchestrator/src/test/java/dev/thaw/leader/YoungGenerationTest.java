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
        assertEquals(List.of("-XX:MaxNewSize=64m"), YoungGeneration.forLeader(64, List.of("java", "-jar", "app.jar"), NO_ENV, () -> 8L << 30).options(),
                "no -Xmx: the JVM's default heap is a quarter of the memory, far above the bound");
    }

    @Test
    void auto_is_a_32nd_of_the_heap_and_at_least_64_mib() {
        long memory = 64L << 30;
        assertEquals(List.of("-XX:MaxNewSize=64m"), auto(memory, "-Xmx2g").options());
        assertEquals(List.of("-XX:MaxNewSize=128m"), auto(memory, "-Xmx4g").options());
        YoungGeneration.Decision large = auto(memory, "-Xmx16g");
        assertEquals(List.of("-XX:MaxNewSize=512m"), large.options());
        assertTrue(large.said().contains("1/32 of the 16384 MiB heap"), large.said());
        assertEquals(List.of(), auto(memory, "-Xmx200m").options(), "a heap under 4x the 64 MiB floor keeps the JVM's sizing");
    }

    @Test
    void auto_without_xmx_follows_the_jvms_default_heap_from_the_memory_it_may_use() {
        assertEquals(List.of("-XX:MaxNewSize=512m"), auto(64L << 30).options(), "a quarter of 64 GiB: a 16 GiB heap");
        assertEquals(List.of("-XX:MaxNewSize=128m"), auto(8L << 30, "-XX:MaxRAMPercentage=50").options(), "half of 8 GiB");
        assertEquals(List.of("-XX:MaxNewSize=64m"), auto(64L << 30, "-XX:MaxRAM=2g").options(), "a quarter of 2 GiB: 512 MiB");
        assertEquals(List.of(), auto(512L << 20).options(), "a quarter of a 512 MiB container: too small to bound");
    }

    private static YoungGeneration.Decision auto(long memoryBytes, String... options) {
        List<String> command = new java.util.ArrayList<>(List.of("java"));
        command.addAll(List.of(options));
        command.addAll(List.of("-jar", "app.jar"));
        return YoungGeneration.forLeader(YoungGeneration.AUTO, command, NO_ENV, () -> memoryBytes);
    }

    @Test
    void the_memory_a_leader_may_use_is_its_cgroups_limit_or_the_machines(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("meminfo"), "MemTotal:       24576000 kB\nMemFree:         1000 kB\n");
        assertEquals(Optional.of(24576000L * 1024), AvailableMemory.memTotal(dir.resolve("meminfo")));
        Path root = Files.createDirectories(dir.resolve("cg/system.slice/thaw.service"));
        Files.writeString(dir.resolve("self-cgroup"), "0::/system.slice/thaw.service\n");
        Files.writeString(root.resolve("memory.max"), "2147483648\n");
        assertEquals(Optional.of(2L << 30), AvailableMemory.cgroupLimit(dir.resolve("self-cgroup"), dir.resolve("cg")));
        Files.writeString(root.resolve("memory.max"), "max\n");
        assertEquals(Optional.empty(), AvailableMemory.cgroupLimit(dir.resolve("self-cgroup"), dir.resolve("cg")));
        Files.writeString(dir.resolve("v1-cgroup"), "12:memory:/docker/abc\n");
        assertEquals(Optional.empty(), AvailableMemory.cgroupLimit(dir.resolve("v1-cgroup"), dir.resolve("cg")));
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
