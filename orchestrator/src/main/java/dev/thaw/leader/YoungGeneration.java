package dev.thaw.leader;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The leader's young-generation bound for {@code --young-gen-max}: {@code -XX:MaxNewSize}, before the app's
 * own options. Every page a restored worker allocates into is its own, and a fresh one: the image holds
 * the heap's live data, not its eden. The JVM sizes the young generation for one JVM per host (G1: up to
 * 60% of the heap), so each worker first faults in that whole eden (at -Xmx2g about 500 MiB: 148,000
 * faults, 400 ms of the sample app's first second on this VM) and then keeps it private. A small young
 * generation is recycled instead, the way a forked worker reuses its allocator's freed memory.
 *
 * <p>{@code auto} scales the bound with the heap, 1/32 of it and at least {@link #AUTO_FLOOR_MIB} MiB: the
 * sample app's measured 64 MiB at -Xmx2g, and room for the larger allocation rates of larger apps.
 *
 * <p>Nothing is added where the app decides itself: it sizes its young generation (any of
 * {@link #APP_SIZING}, on its command line, in an {@code @argfile} or in {@code JAVA_TOOL_OPTIONS} /
 * {@code JDK_JAVA_OPTIONS}), its heap is too small for the bound to matter (under 4x the bound), or its
 * collector has no bounded young generation (ZGC, Shenandoah).
 */
public final class YoungGeneration {
    /** Options with which the app sizes its own young generation; a later one would fight ours. */
    static final List<String> APP_SIZING = List.of("-Xmn", "-XX:NewSize=", "-XX:MaxNewSize=", "-XX:NewRatio=",
            "-XX:G1NewSizePercent=", "-XX:G1MaxNewSizePercent=");
    private static final List<String> UNBOUNDED_COLLECTORS = List.of("-XX:+UseZGC", "-XX:+UseShenandoahGC");
    private static final List<String> ENVIRONMENT = List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS");
    /** {@code --young-gen-max auto}: {@link dev.thaw.config.CheckpointSettingsSpec#YOUNG_GEN_AUTO}. */
    public static final long AUTO = -1;
    static final long AUTO_FLOOR_MIB = 64;
    static final int AUTO_HEAP_SHARE = 32;
    /** The JVM's default -XX:MaxRAMPercentage: without -Xmx, the heap may take a quarter of the memory. */
    static final double DEFAULT_MAX_RAM_PERCENTAGE = 25;

    /**
     * @param options what thaw adds to the leader's command line (empty: nothing)
     * @param said    one line for thaw's output: what was added, or why nothing was
     */
    public record Decision(List<String> options, String said) {
    }

    private YoungGeneration() {
    }

    /** {@code maxMib} 0 leaves the JVM's own sizing, {@link #AUTO} scales with the heap; the memory thaw may use decides a default heap. */
    public static Decision forLeader(long maxMib, List<String> javaCommand, Map<String, String> environment) {
        return forLeader(maxMib, javaCommand, environment, AvailableMemory::bytes);
    }

    /** {@code memoryBytes} is read only when the app gives no -Xmx. */
    static Decision forLeader(long maxMib, List<String> javaCommand, Map<String, String> environment, LongSupplier memoryBytes) {
        if (maxMib == 0) {
            return new Decision(List.of(), "young generation: sized by the JVM (--young-gen-max 0)");
        }
        List<String> appOptions = appOptions(javaCommand, environment);
        Optional<String> own = appOptions.stream().filter(YoungGeneration::sizesYoungGeneration).findFirst();
        if (own.isPresent()) {
            return new Decision(List.of(), "young generation: sized by the app's " + own.get() + " (--young-gen-max not applied)");
        }
        Optional<String> collector = appOptions.stream().filter(UNBOUNDED_COLLECTORS::contains).findFirst();
        if (collector.isPresent()) {
            return new Decision(List.of(), "young generation: " + collector.get() + " has no bound to set (--young-gen-max not applied)");
        }
        long heapMib = maxHeapBytes(appOptions).orElseGet(() -> defaultHeapBytes(appOptions, memoryBytes)) >> 20;
        long bound = maxMib == AUTO ? Math.max(AUTO_FLOOR_MIB, heapMib / AUTO_HEAP_SHARE) : maxMib;
        String setting = maxMib == AUTO ? "--young-gen-max auto" : "--young-gen-max " + maxMib;
        if (heapMib < 4 * bound) {
            return new Decision(List.of(), "young generation: sized by the JVM, the app's heap (" + heapMib + " MiB) is under 4x "
                    + bound + " MiB (" + setting + ")");
        }
        return new Decision(List.of("-XX:MaxNewSize=" + bound + "m"), "young generation: at most " + bound + " MiB in the leader and"
                + " every worker (" + setting + (maxMib == AUTO ? ": 1/32 of the " + heapMib + " MiB heap, at least 64" : "") + ")");
    }

    /** The JVM's own default heap: -XX:MaxRAMPercentage (25 by default) of -XX:MaxRAM, or of the memory it may use. */
    static long defaultHeapBytes(List<String> options, LongSupplier memoryBytes) {
        double percentage = DEFAULT_MAX_RAM_PERCENTAGE;
        Long maxRam = null;
        for (String option : options) {
            if (option.startsWith("-XX:MaxRAMPercentage=")) {
                try {
                    percentage = Double.parseDouble(option.substring("-XX:MaxRAMPercentage=".length()));
                } catch (NumberFormatException e) {
                    // the JVM refuses it itself
                }
            } else if (option.startsWith("-XX:MaxRAM=")) {
                maxRam = bytes(option.substring("-XX:MaxRAM=".length())).orElse(maxRam);
            }
        }
        return (long) ((maxRam != null ? maxRam : memoryBytes.getAsLong()) * percentage / 100);
    }

    static boolean sizesYoungGeneration(String option) {
        return APP_SIZING.stream().anyMatch(option::startsWith);
    }

    /** The app's JVM options and arguments, its @argfiles' words, then the environment's options (all scanned alike). */
    static List<String> appOptions(List<String> javaCommand, Map<String, String> environment) {
        List<String> options = new ArrayList<>();
        for (String arg : javaCommand.subList(Math.min(1, javaCommand.size()), javaCommand.size())) {
            if (arg.startsWith("@") && arg.length() > 1) {
                options.addAll(words(argFile(Path.of(arg.substring(1)))));
            } else {
                options.add(arg);
            }
        }
        for (String name : ENVIRONMENT) {
            options.addAll(words(environment.getOrDefault(name, "")));
        }
        return options;
    }

    private static String argFile(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return ""; // the JVM itself will say the file is missing
        }
    }

    private static List<String> words(String text) {
        return text.isBlank() ? List.of() : List.of(text.trim().split("\\s+"));
    }

    /** The last -Xmx or -XX:MaxHeapSize= (the JVM takes the last one). */
    static Optional<Long> maxHeapBytes(List<String> options) {
        Optional<Long> heap = Optional.empty();
        for (String option : options) {
            String size = option.startsWith("-Xmx") ? option.substring(4)
                    : option.startsWith("-XX:MaxHeapSize=") ? option.substring("-XX:MaxHeapSize=".length()) : null;
            if (size != null) {
                heap = bytes(size);
            }
        }
        return heap;
    }

    static Optional<Long> bytes(String size) {
        String s = size.toLowerCase(Locale.ROOT);
        long unit = switch (s.isEmpty() ? ' ' : s.charAt(s.length() - 1)) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            case 't' -> 1L << 40;
            default -> 1;
        };
        String digits = unit == 1 ? s : s.substring(0, s.length() - 1);
        try {
            return Optional.of(Long.parseLong(digits) * unit);
        } catch (NumberFormatException e) {
            return Optional.empty(); // the JVM refuses it itself, with its own message
        }
    }
}
