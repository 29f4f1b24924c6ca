package dev.thaw.bench;

import dev.thaw.criu.Criu;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the figures were measured on: they mean little without it. */
public record Machine(String cpu, int cores, long memoryBytes, String kernel, String os, String appJdk, String orchestratorJdk,
                      String criu) {

    static Machine describe(String appJdk, Criu criu) {
        return new Machine(cpuModel(), Runtime.getRuntime().availableProcessors(), memTotal(),
                System.getProperty("os.name") + " " + System.getProperty("os.version"), osName(), appJdk,
                System.getProperty("java.vm.vendor") + " " + Runtime.version(), criu == null ? "none" : criu.version());
    }

    private static String cpuModel() {
        return lines("/proc/cpuinfo").stream().filter(l -> l.startsWith("model name")).findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown");
    }

    private static long memTotal() {
        return lines("/proc/meminfo").stream().filter(l -> l.startsWith("MemTotal:")).findFirst()
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024).orElse(0L);
    }

    private static String osName() {
        return lines("/etc/os-release").stream().filter(l -> l.startsWith("PRETTY_NAME=")).findFirst()
                .map(l -> l.substring(12).replace("\"", "")).orElse("unknown");
    }

    private static List<String> lines(String path) {
        try {
            return Files.readAllLines(Path.of(path));
        } catch (IOException e) {
            return List.of();
        }
    }
}
